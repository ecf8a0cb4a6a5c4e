"""--resume that cannot be stale: fingerprints, grader errors retried, --regrade, the whole batch in the
gradebook, and another assignment refused. Grading runs ``in-process`` (the reference and the stub are
trusted code): what is tested here is the journal's bookkeeping, not the sandbox."""
import csv
import json
import shutil
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.grade.batch import BatchError
from autograder.grade.batch import main as grade

A = load_assignment("a1_numpy_cnn")


@pytest.fixture
def root(tmp_path):
    """A private copy of the assignment and its reference (the tests change its points)."""
    r = tmp_path / "repo"
    for name in ("assignments", "solutions", "starter_code"):
        shutil.copytree(REPO_ROOT / name, r / name, ignore=shutil.ignore_patterns("__pycache__", "mutants"))
    return r


def subs(folder: Path, *names: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in names:
        src = A.solution_file if n.startswith("ref") else A.starter_dir / A.student_file
        (folder / f"{n}.py").write_text(src.read_text())
    return folder


def run(root, paths, out, **kw):
    return grade("a1_numpy_cnn", list(paths), out=out, jobs=1, sandbox="in-process", progress=False,
                 root=root, **kw)


def rows(out: Path) -> dict[str, dict]:
    return {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}


def test_points_change_is_never_kept(root, tmp_path):
    """After a question's points change, does --resume refuse to keep the old rows, saying why, and
    does --regrade-all regrade every submission under the new points?"""
    folder, out = subs(tmp_path / "s", "ref_a", "stub_b"), tmp_path / "out"
    run(root, [folder], out)
    assert {r["max"] for r in rows(out).values()} == {f"{A.points:g}"}
    q01 = root / "assignments/a1_numpy_cnn/tests/q01_sizes.py"
    q01.write_text(q01.read_text().replace("@test_case(points=1, hidden=False)", "@test_case(points=2, hidden=False)", 1))
    toml = root / "assignments/a1_numpy_cnn/assignment.toml"
    toml.write_text(toml.read_text().replace('name = "q01_sizes"\n', 'name = "q01_sizes"\n', 1)
                    .replace("points = 8\n", "points = 9\n", 1))
    before = (out / "journal.jsonl").read_bytes()
    with pytest.raises(BatchError, match=r"tests, assignment\.toml changed.*--regrade-all"):
        run(root, [folder], out, resume=True)
    assert (out / "journal.jsonl").read_bytes() == before  # refused: nothing changed
    s = run(root, [folder], out, regrade_all=True)
    assert s.graded == 2
    assert {r["max"] for r in rows(out).values()} == {f"{A.points + 1:g}"}
    assert rows(out)["ref_a"]["total"] == f"{A.points + 1:g}"
    assert run(root, [folder], out, resume=True).graded == 0  # the new fingerprint is now the batch's


def test_regrade_all_needs_every_submission(root, tmp_path):
    """Is --regrade-all refused when a submission of the batch is not among the paths (its row would stay stale)?"""
    a, b, out = subs(tmp_path / "a", "ref_a"), subs(tmp_path / "b", "stub_b"), tmp_path / "out"
    run(root, [a, b], out)
    (root / "assignments/a1_numpy_cnn/assignment.toml").write_text(
        (root / "assignments/a1_numpy_cnn/assignment.toml").read_text() + "\n# re-released\n")
    with pytest.raises(BatchError, match="stub_b"):
        run(root, [a], out, regrade_all=True)


def test_subset_resume_keeps_the_whole_gradebook(root, tmp_path):
    """Does resuming with a subset of the paths keep every student of the batch in the gradebook?"""
    a, b, out = subs(tmp_path / "a", "ref_a"), subs(tmp_path / "b", "stub_b", "stub_c"), tmp_path / "out"
    run(root, [a, b], out)
    s = run(root, [a], out, resume=True)
    assert s.graded == 0 and sorted(rows(out)) == ["ref_a", "stub_b", "stub_c"]
    assert sorted(r.student for r in s.results) == ["ref_a", "stub_b", "stub_c"]


def test_grader_errors_are_retried_and_regrade(root, tmp_path):
    """Is a journaled grader error regraded by --resume, and does --regrade regrade exactly the named ids?"""
    folder, out = subs(tmp_path / "s", "ref_a", "stub_b"), tmp_path / "out"
    run(root, [folder], out)
    journal = out / "journal.jsonl"
    lines = [json.loads(x) for x in journal.read_text().splitlines()]
    entry = next(e for e in lines if e.get("student") == "ref_a")
    entry["result"]["status"] = entry["status"] = "grader_error"
    for c in entry["result"]["cases"]:
        c["status"] = "grader_error"
    entry["files"] = {}  # as if its files were never hashed: nothing to compare
    with journal.open("a") as f:
        f.write(json.dumps(entry) + "\n")
    assert rows(out)["ref_a"]["total"] == f"{A.points:g}"  # not rebuilt yet
    s = run(root, [folder], out, resume=True)
    assert s.graded == 1 and not s.grader_errors and rows(out)["ref_a"]["status"] == "ok"
    s = run(root, [folder], out, regrade=("stub_b",))
    assert s.graded == 1 and [e["student"] for e in map(json.loads, journal.read_text().splitlines())
                              if e.get("student")][-1] == "stub_b"
    with pytest.raises(BatchError, match="--regrade nobody"):
        run(root, [folder], out, regrade=("nobody",))


def test_grader_error_total_is_empty(root, tmp_path):
    """Does a grader error's gradebook row leave its total (and question cells) empty, never 0?"""
    folder, out = subs(tmp_path / "s", "stub_b"), tmp_path / "out"
    run(root, [folder], out)
    journal = out / "journal.jsonl"
    entry = next(json.loads(x) for x in journal.read_text().splitlines() if '"student"' in x)
    entry["result"]["status"] = "grader_error"
    entry["files"] = {}
    with journal.open("a") as f:
        f.write(json.dumps(entry) + "\n")
    from autograder.grade.batch import journal_results
    from autograder.grade.journal import Journal
    from autograder.grade.outputs import gradebook_csv

    text = gradebook_csv(journal_results(Journal(journal)), [q.name for q in A.questions])
    row = next(csv.DictReader(text.splitlines()))
    assert row["status"] == "grader_error" and row["total"] == "" and row["q01_sizes"] == ""


def test_another_assignment_is_refused(root, tmp_path):
    """Is resuming an A1 folder with A2 refused, naming both assignments, with nothing changed?"""
    folder, out = subs(tmp_path / "s", "ref_a"), tmp_path / "out"
    run(root, [folder], out)
    before = (out / "journal.jsonl").read_bytes()
    with pytest.raises(BatchError, match="'a1_numpy_cnn', not 'a2_torch_cnn'"):
        grade("a2_torch_cnn", [folder], out=out, jobs=1, sandbox="in-process", progress=False, resume=True)
    assert (out / "journal.jsonl").read_bytes() == before


def test_three_shards_merged_equal_one_run(root, tmp_path):
    """Does a 3-shard run, merged, give the gradebook and results of a single run byte for byte?"""
    folder = subs(tmp_path / "s", "ref_a", "stub_b", "stub_c", "ref_d")
    single = tmp_path / "single"
    run(root, [folder], single)
    shards = [tmp_path / f"shard{k}" for k in (1, 2, 3)]
    for k, shard in enumerate(shards, 1):
        run(root, [folder], shard, shard=f"{k}/3")
    assert sorted(len(list((s / "results").iterdir())) for s in shards) == [1, 1, 2]
    with pytest.raises(BatchError, match="shard 1/3, not 2/3"):
        run(root, [folder], shards[0], resume=True, shard="2/3")
    from autograder.grade.batch import merge

    with pytest.raises(BatchError, match="'ref_a' is in both"):
        merge([shards[0], shards[0]], out=tmp_path / "bad", root=root)
    with pytest.raises(BatchError, match=r"shard\(s\) 3/3 missing"):  # its students would vanish, exit 0
        merge(shards[:2], out=tmp_path / "bad", root=root)
    with pytest.raises(BatchError, match="is a whole batch, not a shard"):
        merge([single], out=tmp_path / "bad", root=root)
    assert not (tmp_path / "bad").exists()
    (shards[1] / "grading.log").write_text("2026-11-28T10:00:00Z ERROR [stub_c] a traceback\n")
    merged = tmp_path / "merged"
    s = merge(shards, out=merged, root=root)
    # the shards' staff logs come along (a traceback left in a shard's folder is lost to the staff)
    assert (merged / "grading.log").read_text() == (f"# {shards[1] / 'grading.log'} (merged)\n"
                                                    "2026-11-28T10:00:00Z ERROR [stub_c] a traceback\n")
    assert (merged / "grading.log").stat().st_mode & 0o777 == 0o600
    assert len(s.results) == 4
    assert (merged / "gradebook.csv").read_bytes() == (single / "gradebook.csv").read_bytes()
    names = sorted(p.name for p in (single / "results").iterdir())
    assert names == sorted(p.name for p in (merged / "results").iterdir()) and len(names) == 4
    for n in names:
        assert (merged / "results" / n).read_bytes() == (single / "results" / n).read_bytes(), n
    assert run(root, [folder], merged, resume=True).graded == 0  # a merged batch resumes like any other


def test_an_out_folder_inside_the_submissions_folder_is_not_a_student(root, tmp_path):
    """`grade ... subs --out subs/grades`: the out folder was graded as a student `grades` (no_submission,
    0 points, in the exports) on the next run. Is it left out, on a first run and on a --resume?"""
    folder = subs(tmp_path / "s", "ref_a", "stub_b")
    out = folder / "grades"
    run(root, [folder], out)
    assert sorted(rows(out)) == ["ref_a", "stub_b"]
    assert run(root, [folder], out, resume=True).graded == 0
    assert sorted(rows(out)) == ["ref_a", "stub_b"]
    export = tmp_path / "export"  # a Gradescope export: the out folder beside submission_<id>/ keeps its layout
    (export / "submission_1").mkdir(parents=True)
    (export / "submission_1" / A.student_file).write_text(A.solution_file.read_text())
    (export / "submission_metadata.yml").write_text(
        "submission_1:\n  :submitters:\n  - :name: Dan Wu\n    :sid: '1004'\n    :email: dan@uni.edu\n")
    run(root, [export], export / "grades")
    assert run(root, [export], export / "grades", resume=True).graded == 0
    assert sorted(rows(export / "grades")) == ["dan@uni.edu"]


def test_a_roster_given_on_resume_is_recorded_or_refused(root, tmp_path):
    """A roster added on `--resume`: with the same ids, the e-mails and late marks never reached the gradebook
    (the results were reused as journaled); with ids it changes (alice -> alice@uni.edu), the batch held both
    rows for every student, exit 0. Is the identity re-recorded without regrading, and an id change refused?"""
    folder, out = subs(tmp_path / "s", "ref_a", "stub_b"), tmp_path / "out"
    run(root, [folder], out)
    same_ids = tmp_path / "roster.csv"
    same_ids.write_text("file,student,email,late\nref_a.py,ref_a,ann@uni.edu,yes\nstub_b.py,stub_b,bo@uni.edu,no\n")
    s = run(root, [folder], out, resume=True, roster=same_ids)
    assert s.graded == 0 and s.reused == 2
    by = rows(out)
    assert sorted(by) == ["ref_a", "stub_b"] and by["ref_a"]["email"] == "ann@uni.edu" and by["ref_a"]["late"] == "yes"
    before = (out / "journal.jsonl").read_bytes()
    new_ids = tmp_path / "roster2.csv"
    new_ids.write_text("file,email\nref_a.py,ann@uni.edu\nstub_b.py,bo@uni.edu\n")
    with pytest.raises(BatchError, match=r"another student id than when they were graded \('ref_a' is now "
                                         r"'ann@uni.edu'.*Grade into a new --out"):
        run(root, [folder], out, resume=True, roster=new_ids)
    assert (out / "journal.jsonl").read_bytes() == before


def test_roster_rows_that_match_nothing_are_said(root, tmp_path):
    """A misspelt roster pattern left its student without e-mail or sid, silently. Is each row that matched no
    submission named in a warning, and does a pattern naming one of a Canvas student's several files match?"""
    folder = tmp_path / "canvas"
    folder.mkdir()
    (folder / "parkerin_1005_5005_cnn_numpy.py").write_text(A.solution_file.read_text())
    (folder / "parkerin_1005_5006_notes.txt").write_text("my notes")
    roster = tmp_path / "roster.csv"
    roster.write_text("file,email\nparkerin_1005_5005_cnn_numpy.py,erin@uni.edu\nLeecarol_*,carol@uni.edu\n")
    s = run(root, [folder], tmp_path / "out", roster=roster)
    assert rows(tmp_path / "out")["parkerin"]["email"] == "erin@uni.edu"
    (warning,) = [w for w in s.warnings if "roster" in w]
    assert "1 row(s) match no submission in the paths given" in warning and "line 3 (Leecarol_*)" in warning


def test_a_resume_given_some_submissions_says_nothing_of_the_others_roster_rows(root, tmp_path):
    """`--resume --regrade stub_b` given only stub_b's file warned that ref_a's roster row matched no submission,
    though ref_a is in the batch with that row's identity. Is the warning kept for a row that matches nothing?"""
    folder, out = subs(tmp_path / "s", "ref_a", "stub_b"), tmp_path / "out"
    roster = tmp_path / "roster.csv"
    roster.write_text("file,email\nref_a.py,ann@uni.edu\nstub_b.py,bo@uni.edu\n")
    run(root, [folder], out, roster=roster)
    s = run(root, [folder / "stub_b.py"], out, regrade=("bo@uni.edu",), roster=roster)
    assert s.graded == 1 and not [w for w in s.warnings if "roster" in w], s.warnings
    assert rows(out)["ann@uni.edu"]["email"] == "ann@uni.edu"
    roster.write_text("file,email\nref_a.py,ann@uni.edu\nstub_b.py,bo@uni.edu\nLeecarol_*,carol@uni.edu\n")
    s = run(root, [folder / "stub_b.py"], out, regrade=("bo@uni.edu",), roster=roster)
    (warning,) = [w for w in s.warnings if "roster" in w]
    assert "1 row(s)" in warning and "line 4 (Leecarol_*)" in warning
