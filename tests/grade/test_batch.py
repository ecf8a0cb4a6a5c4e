"""The grade verb end to end: outputs, refusal to clobber, and kill -9 then --resume."""
import csv
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.core.testfiles import load_test_files
from autograder.grade.batch import BatchError
from autograder.grade.batch import main as grade
from autograder.verify.mutants import load_mutants

A = load_assignment("a1_numpy_cnn")


def make_submissions(folder: Path, n_mutants: int) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    reference = A.solution_file.read_text()
    (folder / "ref_student.py").write_text(reference)
    (folder / "stub_student.py").write_text((A.starter_dir / A.student_file).read_text())
    for m in load_mutants(A.mutants_dir)[:n_mutants]:
        (folder / f"{m.name}.py").write_text(m.apply(reference))
    return folder


@pytest.mark.slow
def test_outputs_of_a_batch(tmp_path):
    """Does a batch write Gradescope results, feedback, the gradebook and a report with its plots?"""
    subs = make_submissions(tmp_path / "subs", 2)
    # the reference with a line that reaches for interpreter internals: flagged, same score
    (subs / "flagged_student.py").write_text("import gc\n_ = len(gc.get_objects())\n" + A.solution_file.read_text())
    s = grade("a1_numpy_cnn", [subs], out=tmp_path / "out", jobs=2, progress=False)
    out = tmp_path / "out"
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == sorted(p.stem for p in subs.iterdir())
    assert list(rows[0])[:3] == ["student", "total", "max"] and list(rows[0])[-2:] == ["status", "flags"]
    by = {r["student"]: r for r in rows}
    assert float(by["ref_student"]["total"]) == A.points and float(by["stub_student"]["total"]) == 0
    assert by["flagged_student"]["total"] == by["ref_student"]["total"]  # a flag never changes a score
    # named as handed in (the file the TA opens), not as graded (cnn_numpy.py)
    assert by["flagged_student"]["flags"] == ("flagged_student.py:1: imports the garbage collector (gc: reaching "
                                              "other objects); flagged_student.py:2: uses interpreter internals "
                                              "(gc.get_objects)")
    assert [r["student"] for r in rows if r["flags"]] == ["flagged_student"] and s.flagged == ["flagged_student"]
    assert "flags" not in (out / "results" / "flagged_student.json").read_text()  # for the staff only
    # private folder, read-only files, and the journal's hashes are those of the files
    assert stat.S_IMODE(out.stat().st_mode) == 0o700
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o444 for p in (out / "results").iterdir())
    for line in (out / "journal.jsonl").read_text().splitlines():
        for rel, sha in json.loads(line).get("files", {}).items():  # the batch line records none
            assert hashlib.sha256((out / rel).read_bytes()).hexdigest() == sha, rel
    assert not s.tampered and not any("TAMPERED" in w for w in s.warnings)
    res = json.loads((out / "results" / "ref_student.json").read_text())
    assert res["score"] == A.points
    assert len(res["tests"]) == sum(len(tf.cases) for tf in load_test_files(A.tests_dir))
    assert "What to fix" in (out / "feedback" / "stub_student.md").read_text()
    html = (out / "report.html").read_text()
    assert "score_histogram.png" in html and "pass_rate.png" in html and "question_means.png" in html
    review = html[html.index('<h2 id="review">'):html.index('<h2 id="errors">')]
    assert "flagged_student.py:2: uses interpreter internals" in review
    assert "ref_student" not in review
    for png in ("score_histogram.png", "pass_rate.png"):
        assert (out / png).read_bytes().startswith(b"\x89PNG")
    assert s.graded == 5 and not s.grader_errors


def test_existing_batch_is_not_clobbered(tmp_path):
    """Without --resume, does grading into a folder holding a batch refuse, changing nothing?"""
    (tmp_path / "journal.jsonl").write_text("precious\n")
    with pytest.raises(BatchError, match="--resume"):
        grade("a1_numpy_cnn", [tmp_path], out=tmp_path, progress=False)
    assert (tmp_path / "journal.jsonl").read_text() == "precious\n"


def _alive(pid: int) -> bool:
    """Does ``pid`` run (a zombie does not)?"""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.slow
def test_kill_9_then_resume_gives_the_same_gradebook(tmp_path):
    """A batch killed with kill -9 mid-way and resumed: same gradebook as an uninterrupted run, and the
    submissions already journaled are not graded again. The killed batch leaves its temporary folders
    (copies of the submissions, the in-flight session's folders); the resumed batch removes them."""
    subs = make_submissions(tmp_path / "subs", 6)
    cmd = [sys.executable, "-m", "autograder", "grade", "a1_numpy_cnn", str(subs), "-j", "1"]
    full = subprocess.run(cmd + ["--out", str(tmp_path / "full")], capture_output=True, text=True, cwd=REPO_ROOT)
    assert full.returncode == 0, full.stderr[-2000:]

    tmp = tmp_path / "tmp"  # the batches' temporary folder: what the killed one leaves is seen here
    tmp.mkdir()
    env = {**os.environ, "TMPDIR": str(tmp)}
    out = tmp_path / "killed"
    proc = subprocess.Popen(cmd + ["--out", str(out)], cwd=REPO_ROOT, start_new_session=True, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    journal = out / "journal.jsonl"

    def journaled() -> int:  # student lines (the batch line at the start of each run is not one)
        return sum('"student": ' in line for line in journal.read_text().splitlines()) if journal.exists() else 0

    deadline = time.time() + 120
    while time.time() < deadline and journaled() < 3:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = journaled()
    assert 3 <= before < 8, "the batch should have been killed mid-way"
    assert not (out / "gradebook.csv").exists()
    orphans = sorted(p.name for p in tmp.glob("ag-*"))
    assert any(name.startswith(f"ag-batch-{proc.pid}-") for name in orphans), orphans
    # the fork server's folder: in /tmp, as this TMPDIR is too long for a socket's path (autograder.grade.pool)
    pool_folders = list(Path("/tmp").glob(f"ag-pool-{proc.pid}-*"))
    assert pool_folders, "the killed batch's fork server folder should be left in /tmp"
    makers = {int(name.split("-")[2]) for name in orphans}  # the batch's and its grading process's
    deadline = time.time() + 60  # the grading process dies with the fork server it came from (PDEATHSIG)
    while time.time() < deadline and any(_alive(pid) for pid in makers):
        time.sleep(0.1)

    resumed = subprocess.run(cmd + ["--out", str(out), "--resume"], capture_output=True, text=True, cwd=REPO_ROOT,
                             env=env)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    assert not [p.name for p in tmp.glob("ag-*")], "the killed batch's temporary folders are still there"
    assert not [p for p in pool_folders if p.exists()], "the killed batch's fork server folder is still there"
    assert f"ag-batch-{proc.pid}-" in resumed.stderr  # the TA is told what was removed
    assert f"graded {8 - before} submission(s), {before} from the journal, in" in resumed.stdout
    assert (out / "gradebook.csv").read_text() == (tmp_path / "full" / "gradebook.csv").read_text()
    assert "TAMPERED" not in resumed.stderr  # files of the submission killed in flight are not tampering


@pytest.mark.parametrize("device, message", [("cuda", "CUDA is not available"), ("gpu", "must be cpu, cuda")])
def test_unavailable_device_is_refused_clearly(tmp_path, device, message):
    """Is --device cuda on a machine without CUDA refused before anything is graded or written?"""
    import torch
    if device == "cuda" and torch.cuda.is_available():
        pytest.skip("this machine has CUDA: the GPU path is exercised by the GPU tests instead")
    with pytest.raises(BatchError, match=message):
        grade("a1_numpy_cnn", [A.solution_file], out=tmp_path / "out", device=device, progress=False)
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_a_reference_that_loses_points_here_refuses_the_batch(tmp_path):
    """A grading environment where the reference loses points (here: a per-call time limit no machine
    meets, as a slow or loaded grader meets a training budget) would charge every student for it with
    status ok. Is the batch refused before anything is written, naming the lost cases, and does
    --no-reference-check grade anyway?"""
    import shutil

    root = tmp_path / "repo"
    for name in ("assignments", "solutions"):
        shutil.copytree(REPO_ROOT / name / A.name, root / name / A.name,
                        ignore=shutil.ignore_patterns("__pycache__", "mutants"))
    toml = root / "assignments" / A.name / "assignment.toml"
    toml.write_text(toml.read_text().replace("call_timeout_s = 10.0", "call_timeout_s = 0.001"))
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(A.solution_file.read_text())
    with pytest.raises(BatchError) as refused:
        grade(A.name, [subs], out=tmp_path / "out", jobs=1, progress=False, root=root)
    message = str(refused.value)
    assert "the reference solution scores 0/92 here" in message and "nothing was graded" in message, message
    assert "q01_sizes/" in message and "--no-reference-check" in message
    assert not (tmp_path / "out").exists()
    s = grade(A.name, [subs], out=tmp_path / "out", jobs=1, progress=False, root=root, reference_check=False)
    assert s.reference == "" and s.results[0].score < A.points  # what every student would have got


@pytest.mark.slow
def test_the_reference_check_passes_and_is_reported(tmp_path):
    """In a sound environment the reference check passes and says so (and a resume with nothing to
    grade does not run it again)."""
    subs = tmp_path / "subs"
    subs.mkdir()
    (subs / "alice.py").write_text(A.solution_file.read_text())
    s = grade(A.name, [subs], out=tmp_path / "out", jobs=1, progress=False)
    assert s.reference.startswith(f"{A.points:g}/{A.points:g} in ") and s.results[0].score == A.points
    again = grade(A.name, [subs], out=tmp_path / "out", jobs=1, progress=False, resume=True)
    assert again.reference == "" and again.graded == 0


def test_grading_processes_see_the_environment_of_now(monkeypatch, tmp_path):
    """Each grading process sees the batch's environment as it is when its pool starts (a course secret or
    ``AG_BWRAP`` set between two batches), also in what the engine reads at import (``AUTOGRADER_ROOT``):
    the fork server's children would otherwise see the server's older one (this test failed in session 5
    until the environment was passed, and with the engine imported before it was)."""
    import pydoc

    from autograder.grade.batch import _graded

    monkeypatch.setenv("AG_TEST_MARKER", "first")
    assert dict(_graded({"k": ("AG_TEST_MARKER",)}, 1, os.getenv)) == {"k": "first"}
    monkeypatch.setenv("AG_TEST_MARKER", "second")
    monkeypatch.setenv("AUTOGRADER_ROOT", str(tmp_path))
    assert dict(_graded({"k": ("AG_TEST_MARKER",)}, 1, os.getenv)) == {"k": "second"}
    assert dict(_graded({"k": ("autograder.core.assignment.REPO_ROOT",)}, 1, pydoc.locate)) == {"k": tmp_path}
    monkeypatch.delenv("AG_TEST_MARKER")
    assert dict(_graded({"k": ("AG_TEST_MARKER",)}, 1, os.getenv)) == {"k": None}


def _class_with_a_grader_bug(tmp_path: Path, bug: dict[str, str], students) -> tuple[Path, Path]:
    """``(root, submissions)``: a copy of A1 whose first case runs ``bug[student]`` (a statement) for those
    students, and a folder of ``students`` each handing in the reference."""
    import shutil

    root = tmp_path / "repo"
    for name in ("assignments", "solutions"):
        shutil.copytree(REPO_ROOT / name / A.name, root / name / A.name,
                        ignore=shutil.ignore_patterns("__pycache__", "mutants"))
    test = root / "assignments" / A.name / "tests" / "q01_sizes.py"
    text = test.read_text()
    anchor = '    f = student("conv_output_size", conv_output_size)\n'
    assert anchor in text
    injected = "".join(f'    if __import__("autograder.checks").checks.get_context().student == {who!r}:\n'
                       f"        {statement}\n" for who, statement in bug.items())
    test.write_text(text.replace(anchor, anchor + injected, 1))
    subs = tmp_path / "subs"
    subs.mkdir()
    for who in students:
        (subs / f"{who}.py").write_text(A.solution_file.read_text())
    return root, subs


@pytest.mark.slow
def test_a_grader_error_in_one_case_is_no_score(tmp_path):
    """A test bug hit by some students' inputs only (here: one case raises for bob) passes the reference
    check. bob's gradebook row, results, feedback and report said 'ok' with the other cases' points as his
    score (only the console and export said grader error). Is his status grader_error everywhere, with no
    total, and alice's untouched?"""
    root, subs = _class_with_a_grader_bug(tmp_path, {"bob": "None.clamp()"}, ("alice", "bob"))
    out = tmp_path / "out"
    s = grade(A.name, [subs], out=out, jobs=1, progress=False, root=root)
    assert s.reference.startswith(f"{A.points:g}/") and s.grader_errors == ["bob"]
    rows = {r["student"]: r for r in csv.DictReader((out / "gradebook.csv").open())}
    assert (rows["bob"]["status"], rows["bob"]["total"]) == ("grader_error", "")
    assert (rows["alice"]["status"], rows["alice"]["total"]) == ("ok", f"{A.points:g}")
    results = json.loads((out / "results" / "bob.json").read_text())
    assert results["extra_data"]["status"] == "grader_error"
    feedback = (out / "feedback" / "bob.md").read_text()
    assert "Score: 91" not in feedback and "grader error" in feedback
    # the staff keep the traceback (the terminal scrolls): in grading.log, naming bob, the test file, the case
    # and the line that raised; never in what bob is shown
    log = (out / "grading.log").read_text()
    assert "[bob]" in log and "[alice]" not in log and "q01_sizes.py" in log and "None.clamp()" in log
    assert "AttributeError" in log and "None.clamp" not in feedback + json.dumps(results)


def test_the_batchs_own_errors_are_in_the_staff_log(tmp_path):
    """A grading process that died under bob, and carol's grading that raised out of the engine, were told
    only on the terminal (the second without its traceback). Are both in grading.log, naming them (and not
    alice), carol's with the line that raised?"""
    bug = {"bob": '__import__("os").kill(__import__("os").getpid(), 9)', "carol": "raise SystemExit(7)"}
    root, subs = _class_with_a_grader_bug(tmp_path, bug, ("alice", "bob", "carol"))
    out = tmp_path / "out"
    s = grade(A.name, [subs], out=out, jobs=1, sandbox="in-process", progress=False, root=root)
    assert sorted(s.grader_errors) == ["bob", "carol"]
    log = (out / "grading.log").read_text()
    assert "a grading process died" in log and "[alice]" not in log, log
    assert "[bob] the grading process died while grading bob alone" in log, log
    assert "[carol] grading carol failed: SystemExit: 7" in log and "raise SystemExit(7)" in log, log


def test_a_flag_names_the_file_graded_inside_a_folder_or_zip(tmp_path):
    """A flag said `alice (graded as cnn_numpy.py):1` for a folder holding only cnn_final.py: the TA looked for
    a file that is not there. Does it name the file graded, inside the folder and inside the zip?"""
    subs = tmp_path / "subs"
    (subs / "alice").mkdir(parents=True)
    flagged = "import gc\n" + A.solution_file.read_text()
    (subs / "alice" / "cnn_final.py").write_text(flagged)
    with zipfile.ZipFile(subs / "carol.zip", "w") as z:
        z.writestr("src/cnn_numpy.py", flagged)
    grade("a1_numpy_cnn", [subs], out=tmp_path / "out", jobs=1, sandbox="in-process", progress=False)
    by = {r["student"]: r["flags"] for r in csv.DictReader((tmp_path / "out" / "gradebook.csv").open())}
    assert by["alice"].startswith("alice/cnn_final.py:1: imports the garbage collector"), by
    assert by["carol"].startswith("carol.zip: src/cnn_numpy.py:1: imports the garbage collector"), by
