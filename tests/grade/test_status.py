"""Does each submission get a status that says what happened (the gradebook's and results' ``status``),
and does its feedback say a repeated message once? Graded sandboxed (the user's path)."""
import csv
import json

import pytest

from autograder.core.assignment import load_assignment
from autograder.grade.batch import main as grade

A = load_assignment("a1_numpy_cnn")


@pytest.mark.slow
def test_statuses(tmp_path):
    """syntax error, refused import, other import error, empty file, missing file, unreadable, ok."""
    subs = tmp_path / "subs"
    subs.mkdir()
    ref = A.solution_file.read_text()
    (subs / "syntax.py").write_text(ref + "\ndef broken(:\n")
    (subs / "refused.py").write_text("import scipy\n" + ref)
    (subs / "crash.py").write_text("raise SyntaxError('pretending')\n" + ref)  # the worker's word is not taken
    (subs / "empty.py").write_text("")
    (subs / "missing").mkdir()
    (subs / "missing" / "notes.txt").write_text("forgot the file")
    (subs / "latin1.py").write_bytes(b"# caf\xe9\n")
    (subs / "ok.py").write_text(ref)
    out = tmp_path / "out"
    grade("a1_numpy_cnn", [subs], out=out, jobs=2, progress=False)
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert {s: r["status"] for s, r in rows.items()} == {
        "syntax": "syntax_error", "refused": "refused_import", "crash": "import_error", "empty": "no_submission",
        "missing": "no_submission", "latin1": "unreadable", "ok": "ok"}
    assert rows["ok"]["total"] == f"{A.points:g}" and rows["syntax"]["total"] == "0"
    assert json.loads((out / "results" / "refused.json").read_text())["extra_data"]["status"] == "refused_import"
    feedback = (out / "feedback" / "syntax.md").read_text()
    n = len(json.loads((out / "results" / "syntax.json").read_text())["tests"])
    assert f"(same for {n} cases)" in feedback
    assert feedback.count("could not be imported") == 2  # the note, and one line for every case


def test_a_grader_error_in_a_submission_that_ran_out_of_time_is_no_score():
    """settle_status: a submission stopped by its time budget whose cases include a grader error was shown
    with a score (status timeout); and the grader-error results keep a test hidden for good hidden."""
    from autograder.core.results import GRADER_ERROR, PASSED, CaseResult, SubmissionResult, settle_status
    from autograder.grade.outputs import results_json

    r = SubmissionResult("s", [CaseResult("q", "a", 1.0, False, PASSED), CaseResult("q", "b", 1.0, True, GRADER_ERROR)],
                         status="timeout")
    assert settle_status(r).status == GRADER_ERROR
    data = results_json(r, hidden_visibility="hidden")
    assert data["extra_data"]["status"] == GRADER_ERROR and data["tests"][0]["name"].startswith("GRADER ERROR")
    assert {t["name"].split(" / ")[-1]: t["visibility"] for t in data["tests"][1:]} == {
        "a": "after_published", "b (hidden)": "hidden"}
    assert settle_status(SubmissionResult("u", [CaseResult("q", "a", 1.0, False, GRADER_ERROR)],
                                          status="unreadable")).status == "unreadable"
