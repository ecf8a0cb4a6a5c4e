"""verify's sweeps over student ids: which cases read the student key, and reusing the others exactly."""
import textwrap

import pytest

from autograder.checks.context import GradingContext
from autograder.core.assignment import load_assignment
from autograder.core.results import FAILED, PASSED
from autograder.grade.batch import sweep_one
from autograder.grade.runner import load_test_file, run_test_files
from autograder.verify.mutants import load_mutants

A1 = "a1_numpy_cnn"
CASES = '''
from otter.test_files import test_case
from autograder.checks import case_rng, check_true, get_context

OK_FORMAT = False
name = "q1"

@test_case(points=1, hidden=False)
def fixed(f):
    check_true(f(2) == 4, "f(2) is not 4")

@test_case(points=1, hidden=True)
def drawn(f):
    x = int(case_rng("drawn").integers(0, 10))
    check_true(f(x) == 2 * x, "wrong")

@test_case(points=1, hidden=True)
def reads_key(f):
    check_true(get_context().student != "b" or f(1) == 3, "fails for student b only")

@test_case(points=1, hidden=True)
def reads_assignment_seed_only(f):
    ctx = get_context()
    check_true(f(ctx.seed) == 2 * ctx.seed and ctx.submission_sha256 == "abc", "wrong")
'''


def test_engine_records_the_cases_that_read_the_student_key(tmp_path):
    """Are exactly the cases that drew with case_rng or read the student key recorded, per case?"""
    path = tmp_path / "q1.py"
    path.write_text(textwrap.dedent(CASES))
    tf = load_test_file(path)
    ctx = GradingContext(assignment="x", seed=3, student="a", submission_sha256="abc", per_student_cases=set())
    results = run_test_files([tf], {"f": lambda v: 2 * v}, ctx)
    assert [r.status for r in results] == [PASSED] * 4
    assert ctx.per_student_cases == {("q1", "drawn"), ("q1", "reads_key")}
    assert [r.status for r in run_test_files([tf], {"f": lambda v: 2 * v}, GradingContext(student="b"))] == \
        [PASSED, PASSED, FAILED, FAILED]


def test_a_fresh_context_has_read_nothing():
    ctx = GradingContext(student="a")
    assert not ctx.read_student
    assert ctx.student == "a" and ctx.read_student
    assert GradingContext().student == "otter"


@pytest.fixture(scope="module")
def a1_files(tmp_path_factory):
    """A1's reference and a mutant caught only by cases drawn per student."""
    a = load_assignment(A1)
    tmp = tmp_path_factory.mktemp("sweep")
    files = {"reference": a.solution_file}
    for m in load_mutants(a.mutants_dir):
        if m.name == "pool_padding_swapped":
            path = tmp / m.name / a.student_file
            path.parent.mkdir()
            path.write_text(m.apply(a.solution_file.read_text()))
            files[m.name] = path
    assert len(files) == 2
    return a, files


@pytest.mark.slow
def test_reuse_gives_the_results_of_full_gradings(a1_files):
    """Is a sweep that re-runs only the per-student cases identical, case by case (status and message),
    to grading every id in full? And are the per-student cases really re-run (different inputs per id)?"""
    a, files = a1_files
    ids = ["verify-id-00", "verify-id-01"]
    for label, path in files.items():
        reused = sweep_one(a.name, str(a.root), str(path), ids, "cpu", True)
        full = sweep_one(a.name, str(a.root), str(path), ids, "cpu", False)
        for sid in ids:
            assert [(c.question, c.name, c.status, c.message) for c in reused[sid].cases] == \
                   [(c.question, c.name, c.status, c.message) for c in full[sid].cases], (label, sid)
        if label != "reference":
            assert reused[ids[0]].score < a.points


def test_reused_cases_are_copies_and_only_per_student_cases_rerun(a1_files, monkeypatch):
    """With reuse, does the second id run only the cases that read the student key, and take the others
    from the first id?"""
    import autograder.grade.submission as submission

    a, files = a1_files
    seen = []
    real = submission.grade_in_process

    def spy(a_, file, student, test_files=None, ctx=None):
        seen.append((student, sum(len(tf.cases) for tf in test_files)))
        return real(a_, file, student, test_files, ctx=ctx)

    monkeypatch.setattr(submission, "grade_in_process", spy)
    out = sweep_one(a.name, str(a.root), str(files["reference"]), ["s0", "s1"], "cpu", True)
    total = len(out["s0"].cases)
    assert seen[0] == ("s0", total) and seen[1][0] == "s1" and 0 < seen[1][1] < total, seen
    assert [c.name for c in out["s1"].cases] == [c.name for c in out["s0"].cases]
    assert all(c.status == PASSED for c in out["s1"].cases)


def test_per_submission_shares_a_value_and_keeps_per_student_ones_apart():
    """Is a value computed once per store, shared across ids when it read nothing per student, recomputed
    per student when it did (the taking case then counts as per student), and a failure raised again?"""
    from autograder.checks import StudentCallError, case_rng, use_context
    from autograder.checks.context import per_submission

    calls, memo = [], {}

    def run(student, label, compute):
        ctx = GradingContext(student=student, memo=memo)
        with use_context(ctx):
            try:
                return per_submission(label, compute), ctx.read_student
            except AssertionError as exc:
                return exc, ctx.read_student

    def trained():
        calls.append("train")
        return "model"

    def drawn():
        calls.append("draw")
        return int(case_rng("x").integers(0, 10**9))

    assert run("a", "train", trained) == ("model", False)
    assert run("b", "train", trained) == ("model", False)
    assert calls == ["train"]
    (va, ra), (vb, rb), (va2, ra2) = run("a", "set", drawn), run("b", "set", drawn), run("a", "set", drawn)
    assert ra and rb and ra2 and va != vb and va2 == va and calls == ["train", "draw", "draw"]

    def fails():
        calls.append("fail")
        raise StudentCallError("'train' timed out", kind="timeout")

    first, again = run("a", "bad", fails), run("b", "bad", fails)
    assert isinstance(first[0], StudentCallError) and again[0] is first[0] and calls.count("fail") == 1
    with use_context(GradingContext(student="a")):  # a store of its own: computed again
        assert per_submission("train", trained) == "model" and calls.count("train") == 2


@pytest.mark.parametrize(("source", "status"), [("def f(x:\n    return x\n", "syntax_error"),
                                                 ("import numpy as np\nnp.nope()\n", "import_error")])
def test_in_process_grading_of_a_file_that_does_not_import_says_so(tmp_path, source, status):
    """A trusted file graded in-process that cannot be imported: its status says why (not 'ok')."""
    from autograder.grade.submission import grade_in_process

    a = load_assignment(A1)
    path = tmp_path / a.student_file
    path.write_text(source)
    result = grade_in_process(a, path, "s")
    assert result.status == status and "cannot be imported" in result.notes[0], (result.status, result.notes)
    assert result.score == 0 and result.cases
