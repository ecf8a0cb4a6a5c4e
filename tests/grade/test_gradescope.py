"""The Gradescope autograder zip, run as Gradescope would: run_autograder in a /autograder-like tree."""
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder.build import main as release
from autograder.core.assignment import load_assignment

@pytest.fixture(scope="module")
def gradescope_zip(repo_copy):
    release("a1_numpy_cnn", root=repo_copy)
    return load_assignment("a1_numpy_cnn", repo_copy)


def run_autograder(a, tmp_path, submission: Path | None, break_source=False):
    base = tmp_path / "autograder"
    for sub in ("source", "submission", "results"):
        (base / sub).mkdir(parents=True)
    with zipfile.ZipFile(a.dist_dir / "autograder.zip") as zf:
        zf.extractall(base / "source")
        assert {"setup.sh", "run_autograder"} <= set(zf.namelist())
        assert zf.getinfo("run_autograder").external_attr >> 16 & 0o111
    if break_source:
        (base / "source" / "gradescope.json").unlink()
    if submission is not None:
        shutil.copy(submission, base / "submission" / a.student_file)
    (base / "submission_metadata.json").write_text(json.dumps({"users": [{"email": "ada@example.edu"}]}))
    env = {"PATH": os.environ["PATH"], "GRADESCOPE_ROOT": str(base), "GRADESCOPE_PYTHON": sys.executable}
    done = subprocess.run(["bash", str(base / "source" / "run_autograder")], env=env, capture_output=True, text=True)
    return done, json.loads((base / "results" / "results.json").read_text())


@pytest.mark.slow
def test_reference_full_marks_and_stub_zero(gradescope_zip, tmp_path):
    """Does run_autograder give the reference full marks and the stub 0, in Gradescope's format?"""
    a = gradescope_zip
    done, ref = run_autograder(a, tmp_path / "ref", a.solution_file)
    assert done.returncode == 0, done.stderr[-2000:]
    assert ref["score"] == a.points
    assert {"name", "score", "max_score", "visibility", "status", "output"} <= set(ref["tests"][0])
    done, stub = run_autograder(a, tmp_path / "stub", a.starter_dir / a.student_file)
    assert stub["score"] == 0 and all(t["status"] == "failed" for t in stub["tests"])
    assert "not implemented" in stub["tests"][0]["output"]


def test_missing_submission_gets_a_message(gradescope_zip, tmp_path):
    done, res = run_autograder(gradescope_zip, tmp_path, None)
    assert res["score"] == 0 and "cnn_numpy.py" in res["output"]


def test_grader_failure_still_writes_results(gradescope_zip, tmp_path):
    """When our side breaks, is a results.json still written, saying it is a grader error?"""
    done, res = run_autograder(gradescope_zip, tmp_path, gradescope_zip.solution_file, break_source=True)
    assert done.returncode == 1
    assert res["score"] == 0 and "Grader error" in res["output"] and "not your fault" in res["output"]
