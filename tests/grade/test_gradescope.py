"""The Gradescope autograder zip, run as Gradescope runs it.

* Fast tests: the zip's ``run_autograder`` in a ``/autograder``-like tree, with this checkout's
  interpreter (``GRADESCOPE_PYTHON``).
* The image test (slow, root): the zip's own ``setup.sh``, unmodified, as root in a temporary root
  (``AG_PREFIX``) with its real apt-get/pip/useradd/chmod, then ``run_autograder`` on the reference,
  a buggy sample and the hostile sample, as Gradescope would (root, cwd ``/autograder``). This is the
  test that would have caught "every student scores 0" (issue 9): ``setup.sh`` made the worker's code
  unreadable to the sandbox user, and the old tests never ran ``setup.sh``.
"""
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.release import main as release
from autograder.sandbox import backends
from autograder.verify.mutants import load_mutants

HOSTILE = REPO_ROOT / "examples" / "submissions" / "mallory_hostile.py"
METADATA = {"users": [{"email": "ada@example.edu", "name": "Ada"}]}
STUDENT = "ada@example.edu"  # what intake.student_id makes of the e-mail: also the local grade's file stem


@pytest.fixture(scope="module")
def gradescope_zip(repo_copy):
    release("a1_numpy_cnn", root=repo_copy)
    return load_assignment("a1_numpy_cnn", repo_copy)


# ---------------------------------------------------------------------------------------------
# what Gradescope accepts (https://gradescope-autograders.readthedocs.io/en/latest/specs/)

TOP_KEYS = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
            "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
TEST_KEYS = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data"}
VISIBILITY = {"hidden", "after_due_date", "after_published", "visible"}


def layout_errors(data: dict, points: float) -> list[str]:
    """Why Gradescope would reject or misread ``data`` as results.json for an assignment worth ``points``."""
    errors = [f"unknown top-level key {k!r}" for k in set(data) - TOP_KEYS]
    json.dumps(data, allow_nan=False)  # NaN/inf are not JSON
    tests = data.get("tests", [])
    if "score" not in data and not all("score" in t for t in tests):
        errors.append("no top-level score and a test without one")
    for key in ("visibility", "stdout_visibility"):
        if key in data and data[key] not in VISIBILITY:
            errors.append(f"{key} {data[key]!r}")
    for t in tests:
        errors += [f"test {t.get('name')!r}: unknown key {k!r}" for k in set(t) - TEST_KEYS]
        if t.get("visibility", "visible") not in VISIBILITY or t.get("status", "failed") not in ("passed", "failed"):
            errors.append(f"test {t.get('name')!r}: visibility/status {t.get('visibility')!r}/{t.get('status')!r}")
        if not 0 <= t["score"] <= t["max_score"]:
            errors.append(f"test {t.get('name')!r}: score {t['score']} outside [0, {t['max_score']}]")
    if tests and not math.isclose(sum(t["max_score"] for t in tests), points):
        errors.append(f"the tests' max_score add up to {sum(t['max_score'] for t in tests)}, not {points}")
    if tests and not math.isclose(data["score"], sum(t["score"] for t in tests)):
        errors.append(f"score {data['score']} is not the sum of the tests' scores")
    return errors


def assert_grader_error(res: dict, points: float | None) -> None:
    """A grader error as the student must see it: said plainly, and no total score shown
    (``points`` None: the grader could not even tell the assignment's points)."""
    errors = layout_errors(res, points or 0.0)
    assert not errors, errors
    assert res["output"].startswith("GRADER ERROR (not your fault)")
    notice, *graded = res["tests"]
    assert notice["visibility"] == "visible" and notice["max_score"] == 0 and "not your fault" in notice["output"]
    # Gradescope shows no total score while a test is not visible: a grader error must not read as a 0
    assert graded and all(t["visibility"] == "after_published" for t in graded)
    assert res["extra_data"]["status"] == "grader_error" and res["stdout_visibility"] == "hidden"


# ---------------------------------------------------------------------------------------------
# fast: run_autograder with this checkout's interpreter

def run_autograder(a, tmp_path, submission: Path | None, config: dict | None = None, env: dict | None = None,
                   secret: str | None = None):
    base = tmp_path / "autograder"
    for sub in ("source", "submission", "results"):
        (base / sub).mkdir(parents=True)
    with zipfile.ZipFile(a.dist_dir / "autograder.zip") as zf:
        zf.extractall(base / "source")
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
        assert zf.getinfo("setup.sh").external_attr >> 16 & 0o111
    if secret is not None:
        (base / "source" / "course_secret").write_text(secret + "\n")
    gs_json = base / "source" / "gradescope.json"
    if config is None:
        gs_json.unlink()
    elif config:
        gs_json.write_text(json.dumps({**json.loads(gs_json.read_text()), **config}))
    if submission is not None:
        shutil.copy(submission, base / "submission" / a.student_file)
    (base / "submission_metadata.json").write_text(json.dumps(METADATA))
    env = {"PATH": os.environ["PATH"], "GRADESCOPE_ROOT": str(base), "GRADESCOPE_PYTHON": sys.executable,
           **(env or {})}
    done = subprocess.run(["bash", str(base / "source" / "run_autograder")], env=env, capture_output=True,
                          text=True, cwd=base)
    return done, json.loads((base / "results" / "results.json").read_text())


@pytest.mark.slow
def test_reference_full_marks_and_stub_zero(gradescope_zip, tmp_path):
    """Does run_autograder give the reference full marks and the stub 0, in Gradescope's format?"""
    a = gradescope_zip
    done, ref = run_autograder(a, tmp_path / "ref", a.solution_file, config={})
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert ref["score"] == a.points and not layout_errors(ref, a.points)
    assert {"name", "score", "max_score", "visibility", "status", "output"} <= set(ref["tests"][0])
    assert f"graded {STUDENT}: {a.points:g}/{a.points:g}" in done.stdout and "course secret: not set" in done.stdout
    done, stub = run_autograder(a, tmp_path / "stub", a.starter_dir / a.student_file, config={})
    assert done.returncode == 0
    assert stub["score"] == 0 and all(t["status"] == "failed" for t in stub["tests"] if t["max_score"] > 0)
    assert "not implemented" in stub["tests"][0]["output"] and not layout_errors(stub, a.points)


@pytest.mark.slow
def test_check_reference_fails_an_image_where_the_reference_loses_points(gradescope_zip, tmp_path):
    """setup.sh's last step (``--check-reference``): the reference graded as a submission. Does it pass in
    a sound image, and fail (exit 1, naming the lost cases) where a time limit the machine cannot meet would
    cost every student points?"""
    a = gradescope_zip
    source = tmp_path / "source"
    with zipfile.ZipFile(a.dist_dir / "autograder.zip") as zf:
        zf.extractall(source)
    argv = [sys.executable, "-m", "autograder.grade.gradescope", "--check-reference", str(source)]
    env = {**os.environ, "PYTHONPATH": str(source)}
    ok = subprocess.run(argv, capture_output=True, text=True, cwd=source, env=env)
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    assert f"reference check: the reference scores {a.points:g}/{a.points:g} in this image" in ok.stdout
    toml = source / "assignments" / a.name / "assignment.toml"
    toml.write_text(toml.read_text().replace("call_timeout_s = 10.0", "call_timeout_s = 0.001"))
    bad = subprocess.run(argv, capture_output=True, text=True, cwd=source, env=env)
    assert bad.returncode == 1, bad.stdout[-2000:] + bad.stderr[-2000:]
    assert f"REFERENCE CHECK FAILED: the reference scores 0/{a.points:g} in this image" in bad.stdout
    assert "Lost: q01_sizes" in bad.stdout, bad.stdout[-2000:]


@pytest.mark.slow
def test_course_secret_file_reaches_the_grader(gradescope_zip, tmp_path):
    """A ``course_secret`` file added to the zip becomes AG_COURSE_SECRET for the grader (Gradescope
    has no environment settings); hidden inputs change with it, the reference still gets full marks."""
    a = gradescope_zip
    done, ref = run_autograder(a, tmp_path, a.solution_file, config={}, secret="s3cret-of-the-course")
    assert done.returncode == 0 and ref["score"] == a.points, done.stdout[-2000:]
    assert "course secret: set" in done.stdout and "s3cret" not in done.stdout + json.dumps(ref)


def test_missing_submission_gets_a_message(gradescope_zip, tmp_path):
    """A missing file is the student's error (named, scored 0, exit 0), not a grader error."""
    done, res = run_autograder(gradescope_zip, tmp_path, None, config={})
    assert done.returncode == 0
    assert res["score"] == 0 and "cnn_numpy.py" in res["output"] and "GRADER ERROR" not in res["output"]


def test_grader_failure_still_writes_results(gradescope_zip, tmp_path):
    """When our side breaks (no gradescope.json), is a results.json still written, saying it is a grader
    error, with no total score shown, the cause on stdout and exit status 1?"""
    a = gradescope_zip
    done, res = run_autograder(a, tmp_path, a.solution_file, config=None)
    assert done.returncode == 1
    assert_grader_error(res, None)
    assert "GRADER ERROR: FileNotFoundError" in done.stdout and "gradescope.json" in done.stdout


def test_sandbox_unavailable_is_a_grader_error_with_its_cause(gradescope_zip, tmp_path):
    """The sandbox cannot start (bwrap named, none works): every case is a grader error, the student
    is told it is not their fault and sees no total, stdout names the cause, exit status 1."""
    a = gradescope_zip
    done, res = run_autograder(a, tmp_path, a.solution_file, config={"sandbox": "bwrap"}, env={"AG_BWRAP": ""})
    assert done.returncode == 1, done.stdout[-3000:]
    assert_grader_error(res, a.points)
    assert all("Grader error" in t["output"] for t in res["tests"][1:])
    assert "GRADER ERROR for ada@example.edu" in done.stdout
    assert "bwrap backend unavailable" in done.stdout  # the cause, for the staff
    assert "bwrap backend unavailable" not in json.dumps(res)  # not for the student


# ---------------------------------------------------------------------------------------------
# slow, root: the zip's own setup.sh in a temporary root, then run_autograder as Gradescope runs it

def _sh(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, **kw)


@pytest.fixture(scope="module")
def gradescope_image(gradescope_zip):
    """``<tmp>/autograder/source`` = the zip; ``setup.sh`` run unmodified as root with AG_PREFIX=<tmp>."""
    if os.geteuid() != 0:
        pytest.skip("setup.sh runs as root (Gradescope runs it so; CI runs the suite as root)")
    had_user = _sh(["id", "-u", "cnn-student"]).returncode == 0
    prefix = Path(tempfile.mkdtemp(prefix="ag-gradescope-root-", dir="/tmp"))
    os.chmod(prefix, 0o755)  # like "/": every uid may traverse it (the venv lies below it)
    src = prefix / "autograder" / "source"
    src.mkdir(parents=True)
    with zipfile.ZipFile(gradescope_zip.dist_dir / "autograder.zip") as zf:
        zf.extractall(src)
    t0 = time.monotonic()
    setup = _sh(["bash", str(src / "setup.sh")], cwd=src,
                env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/root"), "AG_PREFIX": str(prefix)})
    took = time.monotonic() - t0
    print(f"\nsetup.sh took {took:.0f} s (pip's cache: {os.environ.get('HOME', '/root')}/.cache/pip)")
    try:
        assert setup.returncode == 0, f"setup.sh failed:\n{setup.stdout[-4000:]}\n{setup.stderr[-4000:]}"
        shutil.copy(src / "run_autograder", prefix / "autograder" / "run_autograder")  # as Gradescope does
        yield prefix, setup, gradescope_zip
    finally:
        shutil.rmtree(prefix, ignore_errors=True)
        if not had_user:
            _sh(["userdel", "cnn-student"])


def gradescope_run(prefix: Path, a, submission: Path, env: dict | None = None):
    """One Gradescope run: a fresh submission and results folder, then ``/autograder/run_autograder``."""
    base = prefix / "autograder"
    for name in ("submission", "results"):
        shutil.rmtree(base / name, ignore_errors=True)
        (base / name).mkdir()
    shutil.copy(submission, base / "submission" / a.student_file)
    (base / "submission_metadata.json").write_text(json.dumps(METADATA))
    env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME": "/root",
           "AG_PREFIX": str(prefix), **(env or {})}
    done = _sh(["bash", str(base / "run_autograder")], cwd=base, env=env, timeout=600)
    return done, json.loads((base / "results" / "results.json").read_text())


def local_grade(a, submission: Path, tmp_path: Path) -> dict:
    """``python -m autograder grade`` of the same file under the same student id (same hidden inputs)."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    f = tmp_path / f"{STUDENT}.py"
    shutil.copy(submission, f)
    done = _sh([sys.executable, "-m", "autograder", "grade", a.name, str(f), "--out", str(tmp_path / "out")],
               cwd=REPO_ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads((tmp_path / "out" / "results" / f"{STUDENT}.json").read_text())


def tree_digest(root: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def as_sandbox_user(*argv):
    return _sh(["setpriv", "--reuid=cnn-student", "--regid=cnn-student", "--clear-groups", "--", *argv], cwd="/")


@pytest.mark.slow
def test_setup_sh_builds_a_safe_image(gradescope_image):
    """setup.sh: Python >= 3.11, CPU torch, the unprivileged user, secrets root-only, doctor --require passed."""
    prefix, setup, a = gradescope_image
    venv_py = prefix / "opt" / "cnn-autograder" / "bin" / "python"
    assert "setup.sh: Python: " in setup.stdout and "doctor --require" in setup.stdout and "setup.sh: done" in setup.stdout
    assert "grading would use: bwrap" in setup.stdout or "grading would use: uid" in setup.stdout
    assert "REQUIRED" not in setup.stdout
    assert f"reference check: the reference scores {a.points:g}/{a.points:g} in this image" in setup.stdout
    version = _sh([str(venv_py), "-c", "import sys, torch; print(sys.version_info >= (3, 11), torch.version.cuda)"])
    assert version.stdout.split() == ["True", "None"], version
    # the sandbox user can run the venv, and can read nothing under /autograder
    ok = as_sandbox_user(str(venv_py), "-s", "-c", "import numpy, torch")
    assert ok.returncode == 0, ok.stderr
    source = prefix / "autograder" / "source"
    for secret in (source / "solutions" / a.name / a.student_file, source / "assignments" / a.name / "tests",
                   source / "gradescope.json", source / "assignments" / a.name / "assignment.toml"):
        assert secret.exists()
        denied = as_sandbox_user("ls", "-l", str(secret))
        assert denied.returncode != 0 and "Permission denied" in denied.stderr, (secret, denied.stdout)


@pytest.mark.slow
def test_gradescope_run_reference_buggy_and_hostile(gradescope_image, tmp_path):
    """The must-show test: reference full marks, a known bug the same score as local `grade`, the
    hostile sample 0, in Gradescope's format, and nothing under /autograder/source changed."""
    prefix, _, a = gradescope_image
    source_before = tree_digest(prefix / "autograder" / "source")

    done, ref = gradescope_run(prefix, a, a.solution_file)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert ref["score"] == a.points and not layout_errors(ref, a.points), layout_errors(ref, a.points)
    assert ref["extra_data"]["backend"] in ("bwrap", "uid")

    mutant = next(m for m in load_mutants(a.solution_dir / "mutants") if m.name == "conv2d_missing_bias")
    buggy = tmp_path / "buggy.py"
    buggy.write_text(mutant.apply(a.solution_file.read_text()))
    done, gs = gradescope_run(prefix, a, buggy)
    assert done.returncode == 0, done.stdout[-3000:]
    local = local_grade(a, buggy, tmp_path / "local")
    assert 0 < gs["score"] < a.points and not layout_errors(gs, a.points)
    assert gs["score"] == local["score"]
    assert [(t["name"], t["score"], t["status"]) for t in gs["tests"]] == \
        [(t["name"], t["score"], t["status"]) for t in local["tests"]]

    done, hostile = gradescope_run(prefix, a, HOSTILE)
    assert done.returncode == 0, done.stdout[-3000:]
    assert hostile["score"] == 0 and not layout_errors(hostile, a.points)
    assert hostile["extra_data"]["status"] == "ok"  # graded (and scored 0), not a grader error
    assert tree_digest(prefix / "autograder" / "source") == source_before


@pytest.mark.slow
def test_gradescope_run_unreadable_venv_is_a_grader_error(gradescope_image):
    """The class of bug issue 9 found (the sandbox user cannot read what the worker needs): every case a
    grader error, the cause ("Permission denied") on stdout, the student told, exit status 1."""
    prefix, _, a = gradescope_image
    venv = prefix / "opt" / "cnn-autograder"
    mode = venv.stat().st_mode
    os.chmod(venv, 0o700)
    try:
        done, res = gradescope_run(prefix, a, a.solution_file)
    finally:
        os.chmod(venv, mode)
    assert done.returncode == 1, done.stdout[-3000:]
    assert_grader_error(res, a.points)
    assert "GRADER ERROR for ada@example.edu" in done.stdout
    # the cause, in the worker's own words (python runs, but cannot see the venv's site-packages)
    assert "could not start" in done.stdout and "No module named 'numpy'" in done.stdout, done.stdout[-3000:]


@pytest.mark.slow
@pytest.mark.skipif("uid" not in backends.BACKENDS,
                    reason="TODO(issue 9 item 2): the uid backend has not landed; then this runs the image "
                           "with bwrap hidden (AG_BWRAP=''), as in a container that refuses namespaces")
def test_gradescope_run_without_bwrap_uses_uid(gradescope_image):
    """In a container where bwrap cannot run: doctor --require still passes (uid tier), the reference
    gets full marks and the hostile sample 0, under the uid backend."""
    prefix, _, a = gradescope_image
    env = {"AG_BWRAP": ""}
    src = prefix / "autograder" / "source"
    doctor = _sh([str(prefix / "opt" / "cnn-autograder" / "bin" / "python"), "-m", "autograder", "doctor", "--require"],
                 cwd=src, env={"PATH": os.environ["PATH"], "PYTHONPATH": str(src), **env})
    assert doctor.returncode == 0, doctor.stdout[-3000:]
    done, ref = gradescope_run(prefix, a, a.solution_file, env)
    assert done.returncode == 0 and ref["score"] == a.points and ref["extra_data"]["backend"] == "uid", done.stdout[-3000:]
    done, hostile = gradescope_run(prefix, a, HOSTILE, env)
    assert done.returncode == 0 and hostile["score"] == 0 and hostile["extra_data"]["backend"] == "uid"
