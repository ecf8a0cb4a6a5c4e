"""export: an out folder's grades in Canvas, Moodle, Gradescope and plain CSV layouts, read from its
journal after a hash check. The batch is graded ``in-process`` (the reference and the stub are trusted
code): what is tested is the export, through the CLI a TA runs."""
import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from autograder.cli import main as cli
from autograder.core.assignment import AssignmentError, load_assignment
from autograder.export import ExportError
from autograder.export import main as export
from autograder.grade.batch import main as grade

A = load_assignment("a1_numpy_cnn")


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """An out folder with a full mark (ref_a), a zero (stub_b) and, journaled after them, a grader
    error (err_c) and a student whose email and sid the batch knows (known_d)."""
    tmp = tmp_path_factory.mktemp("export")
    subs = tmp / "subs"
    subs.mkdir()
    (subs / "ref_a.py").write_text(A.solution_file.read_text())
    for n in ("stub_b", "err_c", "known_d"):
        (subs / f"{n}.py").write_text((A.starter_dir / A.student_file).read_text())
    out = tmp / "out"
    grade("a1_numpy_cnn", [subs], out=out, jobs=1, sandbox="in-process", progress=False)
    journal = out / "journal.jsonl"
    entries = {e["student"]: e for e in map(json.loads, journal.read_text().splitlines()) if e.get("student")}
    err, known = entries["err_c"], entries["known_d"]
    err["result"]["status"] = err["status"] = "grader_error"
    known["result"]["student_info"].update(name="Dana Ö'Brien", email="dana@example.edu", sid="=1002")  # intake's
    with journal.open("a") as f:
        for e in (err, known):
            e["files"] = {}  # these lines record no file hashes: nothing to compare
            f.write(json.dumps(e) + "\n")
    return out


def read(path: Path) -> list[list[str]]:
    return list(csv.reader(path.open(encoding="utf-8", newline="")))


def test_canvas_layout(batch, tmp_path, capsys):
    """Does `export --format canvas` write Canvas's gradebook-import layout: the identity columns, the
    assignment column, a Points Possible row, a row per student, an empty score for a grader error?"""
    target = tmp_path / "canvas.csv"
    assert cli(["export", str(batch), "--format", "canvas", "--output", str(target)]) == 1  # a grader error
    err = capsys.readouterr().err
    assert "GRADER ERRORS" in err and "err_c" in err and "ref_a, stub_b" in err  # ids stand in: said
    rows = read(target)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A.title]
    assert rows[1][0].strip() == "Points Possible" and rows[1][1:5] == ["", "", "", ""]
    assert float(rows[1][5]) == A.points
    by = {r[0]: r for r in rows[2:]}
    assert sorted(by) == sorted(["ref_a", "stub_b", "err_c", "Dana Ö'Brien"])
    assert float(by["ref_a"][5]) == A.points and float(by["stub_b"][5]) == 0
    assert by["err_c"][5] == ""  # never 0: Canvas would record it as the grade
    assert by["Dana Ö'Brien"][2:4] == ["'=1002", "dana@example.edu"]  # a formula-looking sid is neutralised
    assert by["ref_a"][1:4] == ["", "", ""]  # unknown: never the submission id (another student's SIS id?)
    assert all(len(r) == 6 for r in rows)


@pytest.mark.parametrize("fmt,header", [
    ("moodle", ["Email address", "ID number", "Full name", A.title]),
    ("gradescope", ["Name", "SID", "Email", "Total Score"]),
    ("csv", ["student", "name", "email", "sid", "score", "max", "status", "late", "penalty"]),
])
def test_other_layouts(batch, tmp_path, fmt, header):
    """Do the Moodle, Gradescope and plain layouts carry one row per student with the right score?"""
    r = export(batch, format=fmt, output=tmp_path / f"{fmt}.csv")
    rows = read(r.output)
    assert rows[0] == header and len(rows) == 5
    score = header.index("Total Score" if fmt == "gradescope" else "score" if fmt == "csv" else A.title)
    scores = sorted(row[score] for row in rows[1:])
    assert scores == sorted(["", "0", "0", f"{A.points:g}"])
    assert r.unknown_identity == ["err_c", "ref_a", "stub_b"] and r.grader_errors == ["err_c"]


def test_tampered_outputs_are_refused(batch, tmp_path):
    """Is an export refused when a results file no longer matches the journal?"""
    copy = tmp_path / "out"
    shutil.copytree(batch, copy)
    victim = copy / "results" / "stub_b.json"
    os.chmod(victim, 0o644)
    victim.write_text(victim.read_text().replace('"score": 0', '"score": 92', 1))
    with pytest.raises(ExportError, match="results/stub_b.json"):
        export(copy, format="canvas", output=tmp_path / "x.csv")
    assert not (tmp_path / "x.csv").exists()


def test_late_penalty_only_when_configured(repo_copy, tmp_path):
    """The README's ``[grading] late_penalty`` in assignment.toml: the loader refused the table ("unknown table
    [grading]"), so no course could turn it on. Is it accepted and checked by the loader (every verb), and does a
    Canvas LATE submission export with the penalty while an on-time one does not?"""
    toml = repo_copy / "assignments/a1_numpy_cnn/assignment.toml"
    text = toml.read_text()
    assert load_assignment("a1_numpy_cnn", repo_copy).grading.late_penalty == 0
    subs = tmp_path / "canvas"
    subs.mkdir()
    (subs / "alicesmith_LATE_2001_5001_cnn_numpy.py").write_text(A.solution_file.read_text())
    (subs / "bobjones_2002_5002_cnn_numpy.py").write_text(A.solution_file.read_text())
    try:
        toml.write_text(text + "\n[grading]\nlate_penalty = 0.25\n")
        assert load_assignment("a1_numpy_cnn", repo_copy).grading.late_penalty == 0.25
        out = tmp_path / "out"
        grade("a1_numpy_cnn", [subs], out=out, jobs=1, sandbox="in-process", progress=False, root=repo_copy)
        rows = {r[0]: r for r in read(export(out, format="csv", output=tmp_path / "g.csv", root=repo_copy).output)}
        assert float(rows["alicesmith"][4]) == 0.75 * A.points and rows["alicesmith"][7:] == ["yes", "0.25"]
        assert float(rows["bobjones"][4]) == A.points and rows["bobjones"][7:] == ["", ""]
        toml.write_text(text + "\n[grading]\nlate_penalty = 3\n")
        with pytest.raises(AssignmentError, match=r"\[grading\]: late_penalty must be a number in \[0, 1\]"):
            export(out, format="csv", output=tmp_path / "bad.csv", root=repo_copy)
    finally:
        toml.write_text(text)


def _graded_group_export(tmp_path: Path, second_submitter: str) -> Path:
    """A Gradescope export graded in-process: submission_1 (the reference) by Dan Wu and Eve Park together,
    submission_2 (the stub) by ``second_submitter`` (its metadata lines); returns the out folder."""
    root = tmp_path / "assignment_1_export"
    for folder, text in (("submission_1", A.solution_file.read_text()),
                         ("submission_2", (A.starter_dir / A.student_file).read_text())):
        (root / folder).mkdir(parents=True)
        (root / folder / A.student_file).write_text(text)
    (root / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Dan Wu\n    :sid: '1004'\n    :email: dan@uni.edu\n"
        "  - :name: Eve Park\n    :sid: '1005'\n    :email: eve@uni.edu\n"
        "submission_2:\n  :submitters:\n" + second_submitter)
    out = tmp_path / "out"
    grade("a1_numpy_cnn", [root], out=out, jobs=1, sandbox="in-process", progress=False)
    return out


def test_a_group_submission_grades_every_submitter(tmp_path):
    """A Gradescope group submission (two submitters): only the first got a grade in the LMS exports, the
    partner none, with no warning. Does every submitter get the submission's grade, in every format?"""
    out = _graded_group_export(tmp_path, "  - :name: Fay Li\n    :sid: '1006'\n    :email: fay@uni.edu\n")
    for fmt, email_col, score_col in (("gradescope", 2, 3), ("moodle", 0, 3), ("csv", 2, 4)):
        rows = read(export(out, format=fmt, output=tmp_path / f"{fmt}.csv").output)[1:]
        scores = {r[email_col]: r[score_col] for r in rows}
        assert scores == {"dan@uni.edu": f"{A.points:g}", "eve@uni.edu": f"{A.points:g}", "fay@uni.edu": "0"}, fmt
    rows = read(export(out, format="canvas", output=tmp_path / "canvas.csv").output)[2:]
    assert {r[2]: r[5] for r in rows} == {"1004": f"{A.points:g}", "1005": f"{A.points:g}", "1006": "0"}


def test_a_student_in_two_submissions_is_refused_not_imported_twice(tmp_path, capsys):
    """A partner in a group submission who also handed in alone: two rows for one student, with different
    grades, and an LMS import silently keeps whichever comes last. Is an LMS export refused, naming the student
    and both submissions, with nothing written, and does the staff's plain CSV keep both rows and say so (exit 1)?"""
    out = _graded_group_export(tmp_path, "  - :name: Eve Park\n    :sid: '1005'\n    :email: Eve@Uni.edu\n")
    for fmt in ("canvas", "moodle", "gradescope"):
        target = tmp_path / f"{fmt}.csv"
        with pytest.raises(ExportError, match=r"eve@uni\.edu is in 2 submissions: .*submission_2.*submission_1"):
            export(out, format=fmt, output=target)
        assert not target.exists()
    assert cli(["export", str(out), "--format", "gradescope"]) == 2
    assert "submission_1" in capsys.readouterr().err
    r = export(out, format="csv", output=tmp_path / "plain.csv")
    assert [d.student for d in r.duplicates] == ["eve@uni.edu"] and len(read(r.output)) == 4  # header + 3 rows
    assert cli(["export", str(out), "--format", "csv", "--output", str(tmp_path / "p2.csv")]) == 1
    assert "in 2 submissions" in capsys.readouterr().err


def test_a_moodle_download_without_a_roster_is_said_to_be_unmatchable(tmp_path):
    """A Moodle download names only the student and the assignment's participant number. Moodle's and
    Gradescope's imports match by e-mail or id number only: the export said nothing (the name counted as
    identity), and the Canvas layout put the Moodle number in Canvas's user ID column (another Canvas user's
    id). Is the student listed as unmatchable for moodle and gradescope, and is Canvas's ID column left empty?"""
    subs = tmp_path / "moodle"
    subs.mkdir()
    (subs / "Alice Smith_2001_assignsubmission_file_cnn_numpy.py").write_text(A.solution_file.read_text())
    out = tmp_path / "out"
    grade("a1_numpy_cnn", [subs], out=out, jobs=1, sandbox="in-process", progress=False)
    for fmt in ("moodle", "gradescope"):
        assert export(out, format=fmt, output=tmp_path / f"{fmt}.csv").unknown_identity == ["Alice_Smith"], fmt
    r = export(out, format="canvas", output=tmp_path / "canvas.csv")
    assert r.unknown_identity == [] and read(r.output)[2][:2] == ["Alice Smith", ""]  # the name: Canvas's match


@pytest.mark.parametrize("name", ["journal.jsonl", "gradebook.csv", "results/ref_a.json", "report.html"])
def test_an_export_never_overwrites_the_batch_s_own_files(batch, name, capsys):
    """`export --output OUT/journal.jsonl` overwrote the batch's record of truth (exit 0). Is it refused in one
    line, with the file unchanged?"""
    before = (batch / name).read_bytes()
    assert cli(["export", str(batch), "--format", "csv", "--output", str(batch / name)]) == 2
    assert "would overwrite the batch's own files" in capsys.readouterr().err
    assert (batch / name).read_bytes() == before


def test_grades_of_changed_tests_are_said_to_be_stale(repo_copy, tmp_path):
    """After a test file changes, `grade --resume` refuses the old results, but `export` wrote them, exit 0. Does
    the export name what changed since the batch was graded (the CLI then says STALE GRADES, exit 1)?"""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "ref_a.py").write_text(A.solution_file.read_text())
    out = tmp_path / "out"
    grade("a1_numpy_cnn", [subs], out=out, jobs=1, sandbox="in-process", progress=False, root=repo_copy)
    assert export(out, format="csv", output=tmp_path / "a.csv", root=repo_copy).changed_since == []
    test = repo_copy / "assignments/a1_numpy_cnn/tests/q01_sizes.py"
    text = test.read_text()
    try:
        test.write_text(text + "\n# a comment\n")
        assert export(out, format="csv", output=tmp_path / "b.csv", root=repo_copy).changed_since == ["tests"]
    finally:
        test.write_text(text)
