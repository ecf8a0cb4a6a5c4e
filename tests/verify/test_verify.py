"""verify on the real assignments: reference full, stubs zero, every mutant caught, bundle clean."""
import io

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.core.results import PASSED, CaseResult, SubmissionResult
from autograder.verify import check_mutant, check_stubs, main
from autograder.verify.mutants import Mutant, MutantError, load_mutants

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_verify_passes(assignment):
    """Does `verify` hold for every assignment (through the sandbox, as in CI)?"""
    out = io.StringIO()
    # every mutant under 20 student ids for A1 (136 s in CI). A2 under 20 ids takes ~38 min on one core, even
    # with the test selection (fit_never_returns alone runs into fit's 30 s limit once per id): in CI its
    # mutants are graded once, sandboxed (4 min); `verify a2_torch_cnn --ids 20` is the instructor's sweep
    ids = 20 if assignment == "a1_numpy_cnn" else 0
    assert main(assignment, ids=ids, out=out) == 0, out.getvalue()
    assert "checks hold" in out.getvalue()
    text = " ".join(out.getvalue().split())  # the table title wraps with the console's width
    assert f"mutation score of {assignment}" in text and f"every one of {1 + ids} student ids" in text
    assert "test selection: the mutants were graded on" in text


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_every_mutant_still_applies(assignment):
    """Does each mutant's `old` text still occur exactly once in the reference?"""
    a = load_assignment(assignment)
    reference = a.solution_file.read_text()
    mutants = load_mutants(a.mutants_dir)
    assert len(mutants) >= 8
    for m in mutants:
        assert m.apply(reference) != reference, m.name


def test_mutant_that_no_longer_applies_is_an_error(tmp_path):
    m = Mutant("gone", "stale", tmp_path / "gone.toml", [("text that is not there", "x")])
    with pytest.raises(MutantError, match="gone.toml: replacement 1: 'old' occurs 0 times"):
        m.apply("def f():\n    return 1\n")


def _result(*statuses):
    return SubmissionResult("x", [CaseResult("q1", f"c{i}", 1.0, False, s) for i, s in enumerate(statuses)])


def test_uncaught_mutant_and_scoring_stub_fail_verification():
    """Would verify flag a mutant that scores full marks, and stubs that score points?"""
    a = load_assignment(ASSIGNMENTS[0])
    full = a.points
    uncaught = SubmissionResult("m", [CaseResult("q", "c", full, False, PASSED)])
    verdict = check_mutant(a, Mutant("m", "drops the bias", a.mutants_dir, []), uncaught)
    assert not verdict.ok and verdict.detail.startswith("ESCAPES: no case worth points fails it")
    assert verdict.detail.endswith("drops the bias")
    assert not check_stubs(a, _result(PASSED, "failed")).ok
    assert check_stubs(a, _result("failed", "failed")).ok


def test_mutant_caught_for_some_ids_only_or_at_different_costs_fails():
    """Would verify flag a mutant that escapes for one student id, or costs one id more than another,
    and a reference short of full marks for one id?"""
    from autograder.verify import check_across_ids

    a = load_assignment(ASSIGNMENTS[0])
    full = a.points

    def scored(points):
        return SubmissionResult("s", [CaseResult("q", "a", points, False, PASSED),
                                      CaseResult("q", "b", full - points, False, "failed")])

    same = {f"id{i}": scored(full - 2) for i in range(3)}
    assert check_across_ids(a, "m", same, mutant=True).ok
    assert not check_across_ids(a, "m", {**same, "id9": scored(full)}, mutant=True).ok
    assert not check_across_ids(a, "m", {**same, "id9": scored(full - 1)}, mutant=True).ok
    assert check_across_ids(a, "reference", {"id0": scored(full)}, mutant=False).ok
    assert not check_across_ids(a, "reference", {"id0": scored(full), "id1": scored(full - 1)}, mutant=False).ok


def test_verify_is_read_only(monkeypatch, tmp_path):
    """Does `verify` build its release in a temporary folder, leaving starter_code/ and dist/ alone?"""
    import autograder.verify as verify

    seen = []
    real = verify.release

    def spy(assignment, **kw):
        seen.append(kw)
        return real(assignment, **kw)

    monkeypatch.setattr(verify, "release", spy)
    monkeypatch.setattr(verify, "grade_files", lambda a, files, **kw: {
        k: SubmissionResult(k, [CaseResult("q", "c", a.points, False, PASSED if k == "reference" else "failed")])
        for k in files})
    a = load_assignment(ASSIGNMENTS[0])
    watched = [a.starter_dir / a.student_file, *(a.dist_dir.glob("*.zip") if a.dist_dir.is_dir() else [])]
    before = {p: p.stat().st_mtime_ns for p in watched}
    main(ASSIGNMENTS[0], ids=0, out=io.StringIO())  # the id sweep grades in-process and writes nothing
    assert {p: p.stat().st_mtime_ns for p in watched} == before
    writes = [kw for kw in seen if not kw.get("check")]
    assert writes and all(kw.get("dist") and kw.get("starter") for kw in writes), seen


def test_mutation_table_counts_a_question_only_when_it_catches_the_mutant_for_every_id():
    """Per question: the mutants it catches for every id graded; overall: the mutants caught for every id."""
    from rich.console import Console

    from autograder.verify import mutation_scores, mutation_table

    a = load_assignment(ASSIGNMENTS[0])

    def graded(*failing):  # one result per id; each fails the questions named
        return [SubmissionResult("s", [CaseResult(q, "c", a.points / 2, False, "failed" if q in f else PASSED)
                                       for q in ("q1", "q2")]) for f in failing]

    results = {"reference": graded(set(), set()), "mutant-m1": graded({"q1"}, {"q1"}),
               "mutant-m2": graded({"q1", "q2"}, {"q2"}), "mutant-m3": graded({"q1"}, set())}
    assert mutation_scores(a, results) == {"q1": (1, 3), "q2": (1, 3)}
    out = io.StringIO()
    Console(file=out, width=120).print(mutation_table(a, results, 2))
    rows = {line.split("│")[1].strip(): line for line in out.getvalue().splitlines() if line.startswith("│")}
    assert "1/3" in rows["q1"] and "33%" in rows["q1"]
    assert "2/3" in rows["overall"] and "67%" in rows["overall"], out.getvalue()
    for r in results["mutant-m1"]:  # caught only because it does not import: caught by no question
        r.status = "syntax_error"
    assert mutation_scores(a, results) == {"q1": (0, 3), "q2": (1, 3)}


def test_mutant_that_does_not_compile_is_an_error(tmp_path):
    """A mutant that breaks the syntax scores 0 without any case testing it: is it refused by name?"""
    m = Mutant("typo", "a typo", tmp_path / "typo.toml", [("return 1", "return (1")])
    with pytest.raises(MutantError, match=r"typo.toml: the mutated solution does not compile \(line 2"):
        m.apply("def f():\n    return 1\n")


@pytest.mark.parametrize("status", ["syntax_error", "import_error", "refused_import"])
def test_stubs_or_mutant_that_does_not_import_fail_verification(status):
    """Would verify count a mutant (or stubs) that scores 0 because it cannot be imported as caught?"""
    a = load_assignment(ASSIGNMENTS[0])
    broken = _result("failed", "failed")
    broken.status, broken.notes = status, ["student.py cannot be imported: NameError: name 'np' is not defined"]
    verdict = check_mutant(a, Mutant("m", "d", a.mutants_dir, []), broken)
    assert not verdict.ok and status in verdict.detail and "NameError" in verdict.detail, verdict
    assert not check_stubs(a, broken).ok
    assert check_mutant(a, Mutant("m", "d", a.mutants_dir, []), _result("failed", "failed")).ok


def test_a_case_the_reference_fails_catches_no_mutant():
    """With a broken hidden case (the reference fails it), mutants were shown caught by it, and the rule and
    mutation tables agreed (helper-19's finding 9). Is a mutant failing only that case uncaught?"""
    from autograder.verify import against_reference

    a = load_assignment(ASSIGNMENTS[0])
    reference = _result("failed", PASSED)  # c0 is broken: the reference fails it
    only_broken = against_reference(_result("failed", PASSED), reference)
    assert [c.name for c in only_broken.cases] == ["c1"]
    assert not check_mutant(a, Mutant("m", "d", a.mutants_dir, []), only_broken).ok
    assert check_mutant(a, Mutant("m", "d", a.mutants_dir, []), against_reference(_result("failed", "failed"),
                                                                                   reference)).ok


def test_a_mutant_that_runs_out_of_time_is_caught():
    """A mutant that hangs until the submission's time is spent (status timeout) ran its cases: caught."""
    a = load_assignment(ASSIGNMENTS[0])
    hung = _result(PASSED, "failed")
    hung.status = "timeout"
    assert check_mutant(a, Mutant("m", "d", a.mutants_dir, []), hung).ok
