"""Hidden inputs are tied to the submission: does the same file regrade to
byte-identical results, and does an edit that changes nothing (a comment) draw new hidden inputs while
every known bug keeps its score?"""
import hashlib

import pytest

from autograder.checks.context import case_rng, use_context
from autograder.core.assignment import load_assignment
from autograder.grade.batch import main as grade
from autograder.grade.runner import load_test_files
from autograder.grade.submission import grade_in_process, grading_context
from autograder.verify.mutants import load_mutants

A = load_assignment("a1_numpy_cnn")


def _draw(a, student, path) -> list[int]:
    with use_context(grading_context(a, student, "cpu", path)):
        return case_rng("conv2d_random_shapes").integers(0, 2**31, 4).tolist()


@pytest.mark.slow
def test_same_file_same_id_regrades_byte_identical(tmp_path):
    """Two batches of the same files under the same ids (sandboxed): identical results and feedback."""
    subs = tmp_path / "subs"
    subs.mkdir()
    reference = A.solution_file.read_text()
    (subs / "ada.py").write_text(reference)
    mutant = load_mutants(A.mutants_dir)[0]
    (subs / "dan.py").write_text(mutant.apply(reference))
    first, second = tmp_path / "g1", tmp_path / "g2"
    grade(A.name, [subs], out=first, jobs=2, progress=False)
    grade(A.name, [subs], out=second, jobs=2, progress=False)
    for student in ("ada", "dan"):
        for rel in (f"results/{student}.json", f"feedback/{student}.md"):
            assert (first / rel).read_bytes() == (second / rel).read_bytes(), rel


@pytest.mark.slow
def test_a_changed_comment_draws_new_inputs_and_keeps_every_score(tmp_path):
    """The reference and every mutant, with and without an added comment: other hidden inputs, same score."""
    tests = load_test_files(A.tests_dir)
    reference = A.solution_file.read_text()
    variants = {"reference": reference, **{m.name: m.apply(reference) for m in load_mutants(A.mutants_dir)}}
    for name, text in variants.items():
        original, edited = tmp_path / f"{name}.py", tmp_path / f"{name}-edited.py"
        original.write_text(text)
        edited.write_text(text + "\n# one more comment\n")
        assert hashlib.sha256(original.read_bytes()).digest() != hashlib.sha256(edited.read_bytes()).digest()
        assert _draw(A, "sam", original) != _draw(A, "sam", edited), name
        assert _draw(A, "sam", original) == _draw(A, "sam", original), name
        scores = [grade_in_process(A, f, "sam", tests, ctx=grading_context(A, "sam", "cpu", f)).score
                  for f in (original, edited)]
        assert scores[0] == scores[1], (name, scores)
        if name == "reference":
            assert scores[0] == A.points
        else:
            assert scores[0] < A.points, name
