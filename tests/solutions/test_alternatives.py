"""Correct implementations in other styles must score full marks for every student id (no false failures).

``tests/solutions/alternatives/a1/*.py`` each replace the core of the A1 reference (conv2d, conv2d_backward,
and pooling in ``loops.py``) by a different style: explicit loops, einsum, as_strided + transposed
convolution, im2col with index arrays. ``tests/solutions/alternatives/a2/*.py`` replace A2's Conv2dFunction,
train and evaluate (strided windows + einsum with a loop over kernel offsets and an SGD loop that zeroes
after each step; index-array im2col with gather/index_add_ and a DataLoader + Adam loop). Each file is
appended to the reference (later definitions win), and the result is graded in-process (trusted code)
under 20 student ids (A2: every question once, then the id-seeded questions for the other 19 ids).
"""
from pathlib import Path

import pytest

from autograder.core.assignment import load_assignment
from autograder.core.results import PASSED
from autograder.verify import sweep_ids

HERE = Path(__file__).parent / "alternatives"
A1 = sorted((HERE / "a1").glob("*.py"))
A2 = sorted((HERE / "a2").glob("*.py"))
IDS = 20
#: A2's questions whose inputs are drawn per student id (``case_rng``) and that cost seconds, not minutes.
#: q07 and q08 train networks (tens of seconds per submission) with recipes that do not depend on the id; only
#: their hidden MNIST-1D test set does: they are graded once, under one id, in the full grading below.
A2_SEEDED = ("q01_get_device", "q02_conv2d_forward", "q03_conv2d_backward", "q04_networks", "q05_train",
             "q06_evaluate")


def _build(a, style: Path, tmp_path: Path) -> Path:
    path = tmp_path / style.stem / a.student_file
    path.parent.mkdir(parents=True)
    path.write_text(a.solution_file.read_text() + "\n\n# ---- alternative style: " + style.name + "\n" +
                    style.read_text())
    return path


@pytest.mark.slow
def test_a1_alternatives_score_full_marks_for_every_id(tmp_path):
    """Do the four A1 styles score full marks for each of 20 student ids?"""
    a = load_assignment("a1_numpy_cnn")
    assert len(A1) >= 4
    swept = sweep_ids(a, {s.stem: _build(a, s, tmp_path) for s in A1}, IDS)
    lost = [f"{style} as {sid}: {c.question}/{c.name}: {c.message}" for style, results in swept.items()
            for sid, r in results.items() for c in r.cases if c.status != PASSED]
    assert not lost, "\n".join(lost[:20])
    assert all(len(results) == IDS for results in swept.values())


def _lost(results) -> list[str]:
    return [f"{sid}: {c.question}/{c.name}: {c.message}" for sid, r in results for c in r.cases if c.status != PASSED]


@pytest.mark.slow
@pytest.mark.parametrize("style", A2, ids=lambda p: p.stem)
def test_a2_alternative_scores_full_marks(style, tmp_path):
    """Does an A2 style score full marks: every question once (the training ones included), then the
    questions seeded per student id under 20 ids (in-process: trusted code)?"""
    from autograder.core.testfiles import load_test_files
    from autograder.grade.submission import grade_in_process

    a = load_assignment("a2_torch_cnn")
    path = _build(a, style, tmp_path)
    full = grade_in_process(a, path, "verify-id-00")
    assert full.score == a.points, "\n".join(_lost([("verify-id-00", full)]))
    seeded = [t for t in load_test_files(a.tests_dir) if t.name in A2_SEEDED]
    assert len(seeded) == len(A2_SEEDED)
    swept = [(sid, grade_in_process(a, path, sid, seeded)) for sid in (f"verify-id-{i:02d}" for i in range(1, IDS))]
    assert not _lost(swept), "\n".join(_lost(swept)[:20])


@pytest.mark.parametrize("assignment, styles, names", [("a1_numpy_cnn", A1, ("conv2d",)),
                                                       ("a2_torch_cnn", A2, ("Conv2dFunction", "train", "evaluate"))])
def test_an_alternative_really_replaces_the_reference(assignment, styles, names, tmp_path):
    """Does appending a style really replace the reference's functions (else the tests above prove nothing)?"""
    import importlib.util

    a = load_assignment(assignment)
    assert len(styles) >= (4 if assignment == "a1_numpy_cnn" else 2)
    for style in styles:
        spec = importlib.util.spec_from_file_location(f"alt_{style.stem}", _build(a, style, tmp_path))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        for name in names:
            obj = getattr(module, name)
            code = (obj.forward if isinstance(obj, type) else obj).__code__
            assert code.co_filename.endswith(a.student_file)
            assert code.co_firstlineno > a.solution_file.read_text().count("\n"), f"{style.stem}: {name}"
