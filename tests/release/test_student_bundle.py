"""The student bundle states its environment and offers only the student's verb (issue 13 item 6)."""
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import SETUP_COMMAND
from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.release import ReleaseError
from autograder.release import main as release
from autograder.release.environment import TORCH_CPU_INDEX, pins

ASSIGNMENTS = ("a1_numpy_cnn", "a2_torch_cnn")
PY310 = Path("/root/.pyenv/versions/3.10.13/bin/python")


@pytest.fixture(scope="module")
def bundles(repo_copy, tmp_path_factory):
    """Each assignment's student.zip, released from a copy of the repository, unzipped: name -> folder."""
    out = {}
    for name in ASSIGNMENTS:
        dist = tmp_path_factory.mktemp(f"dist-{name}")
        release(name, root=repo_copy, dist=dist)
        with zipfile.ZipFile(dist / "student.zip") as zf:
            zf.extractall(dist / "unzipped")
        out[name] = dist / "unzipped" / name
    return out


def _cli(folder: Path, *args, python=sys.executable, env=None):
    return subprocess.run([str(python), *args], cwd=folder, capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_bundle_pins_what_students_need(bundles, assignment):
    """Is requirements.txt the repo's pins of the assignment's student packages (A1 without torch), and does
    README.md open with the one set-up command (and, for torch, where the CPU build comes from)?"""
    folder = bundles[assignment]
    a = load_assignment(assignment)
    req = (folder / "requirements.txt").read_text()
    repo = pins((REPO_ROOT / "requirements.txt").read_text())
    lines = [line for line in req.splitlines() if line and not line.startswith("#")]
    assert lines and all(line in repo.values() and re.search(r"==\d", line) for line in lines)
    assert len(lines) == len(a.options.student_packages)
    assert ("torch" in pins(req)) == (assignment == "a2_torch_cnn")
    readme = (folder / "README.md").read_text()
    assert readme.index("## Set-up") < readme.index("## Questions")
    assert f"```bash\n{SETUP_COMMAND}\n```" in readme
    assert (TORCH_CPU_INDEX in readme) == (assignment == "a2_torch_cnn")


def test_unpinned_student_package_is_refused(repo_copy, tmp_path):
    """Does release refuse a student package that requirements.txt does not pin, naming it and the files?"""
    a = load_assignment("a1_numpy_cnn", repo_copy)
    toml = a.source_dir / "assignment.toml"
    original = toml.read_text()
    toml.write_text(original.replace('student_packages = ["numpy",', 'student_packages = ["numpy", "pandas",'))
    try:
        with pytest.raises(ReleaseError, match=r"assignment.toml: student package 'pandas' is not pinned in "
                                               r".*requirements.txt \(no line"):
            release(a.name, root=repo_copy, dist=tmp_path)
    finally:
        toml.write_text(original)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_bundle_cli_offers_only_check(bundles, assignment):
    """Does the bundle's `python -m autograder` list only `check`, and refuse the staff verbs?"""
    folder = bundles[assignment]
    helped = _cli(folder, "-m", "autograder", "--help")
    commands = helped.stdout.split("Commands:")[1].split()
    assert helped.returncode == 0 and "check" in commands
    assert not {"grade", "release", "verify", "doctor", "demo"} & set(commands), helped.stdout
    grade = _cli(folder, "-m", "autograder", "grade", assignment, ".", "--out", "x")
    assert grade.returncode == 2 and "No such command 'grade'" in grade.stderr


def test_bundle_check_refuses_scipy_from_its_own_config(bundles):
    """In the bundle (no assignment.toml), does check still refuse `import scipy` in the grader's words?"""
    folder = bundles["a1_numpy_cnn"]
    sub = folder.parent / "scipy-sub"
    sub.mkdir(exist_ok=True)
    (sub / "cnn_numpy.py").write_text("import scipy\n" + (folder / "cnn_numpy.py").read_text())
    done = _cli(folder, "-m", "autograder", "check", "a1_numpy_cnn", str(sub / "cnn_numpy.py"))
    text = " ".join(done.stdout.split())
    assert done.returncode == 1
    assert ("cnn_numpy.py could not be imported: ImportError: cnn_numpy.py imports scipy, which this assignment "
            "does not allow (not allowed: jax, scipy, tensorflow, torch)") in text


def test_missing_package_names_the_set_up(bundles):
    """Without the set-up's packages (here: rich made unimportable), is it one line naming the package and
    the set-up command, exit 2, instead of a traceback?"""
    folder = bundles["a1_numpy_cnn"]
    code = ("import runpy, sys; sys.modules['rich'] = None; "
            "sys.argv = ['autograder', 'check', 'a1_numpy_cnn', 'cnn_numpy.py']; "
            "runpy.run_module('autograder', run_name='__main__', alter_sys=True)")
    done = _cli(folder, "-c", code)
    assert done.returncode == 2, done.stderr
    assert "the Python package 'rich' is not installed" in done.stderr and SETUP_COMMAND in done.stderr
    assert "Traceback" not in done.stderr


def test_python_older_than_3_11_is_one_message(bundles):
    """On Python < 3.11, does `python -m autograder` say which Python it needs before importing tomllib?"""
    folder = bundles["a1_numpy_cnn"]
    code = ("import sys; sys.version_info = (3, 10, 13, 'final', 0); sys.argv = ['-m']; import autograder")
    done = _cli(folder, "-c", code)
    assert done.returncode == 2 and "autograder needs Python >= 3.11" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr and SETUP_COMMAND in done.stderr
    if PY310.is_file():  # a real 3.10 where this machine has one
        done = _cli(folder, "-m", "autograder", "check", "a1_numpy_cnn", "cnn_numpy.py", python=PY310)
        assert done.returncode == 2 and "but this is Python 3.10" in done.stderr and "Traceback" not in done.stderr
