"""The release pipeline on the real assignments: fresh starter code, deterministic bundles, a
student bundle with no secrets, an otter zip that plain ``otter run`` grades like we do."""
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.release import main as release
from autograder.verify import check_bundle

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_starter_code_is_fresh(assignment):
    """Does `release --check` pass, i.e. is the committed starter_code/ what the solutions generate?"""
    done = subprocess.run([sys.executable, "-m", "autograder", "release", assignment, "--check"],
                          cwd=REPO_ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_reports_stale_starter(repo_copy):
    """Does `release --check` notice a hand-edited starter file?"""
    a = load_assignment(ASSIGNMENTS[0], repo_copy)
    path = a.starter_dir / a.student_file
    original = path.read_text()
    path.write_text(original + "\n# hand edit\n")
    try:
        assert release(a.name, check=True, root=repo_copy).stale == [path.relative_to(repo_copy).as_posix()]
    finally:
        path.write_text(original)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_release_is_deterministic_and_bundle_is_clean(repo_copy, assignment):
    """Is the student bundle byte-identical on rebuild, and free of solution lines and hidden cases?"""
    release(assignment, root=repo_copy)
    a = load_assignment(assignment, repo_copy)
    first = (a.dist_dir / "student.zip").read_bytes()
    release(assignment, root=repo_copy)
    assert (a.dist_dir / "student.zip").read_bytes() == first
    verdict = check_bundle(a, a.dist_dir / "student.zip")
    assert verdict.ok, verdict.detail
    names = zipfile.ZipFile(a.dist_dir / "student.zip").namelist()
    assert f"{a.name}/{a.student_file}" in names and f"{a.name}/{a.name}.ipynb" in names
    assert not [n for n in names if "/reference/" in n or "/sandbox/" in n or "/mutants/" in n]


def test_bundle_leak_check_can_fail(repo_copy):
    """Does the leak check catch a solution line smuggled into the bundle?"""
    a = load_assignment(ASSIGNMENTS[0], repo_copy)
    release(a.name, root=repo_copy)
    bundle = a.dist_dir / "student.zip"
    with zipfile.ZipFile(bundle, "a") as zf:
        zf.writestr(f"{a.name}/leak.py", a.solution_file.read_text())
    verdict = check_bundle(a, a.dist_dir / "student.zip")
    assert not verdict.ok and "solution line" in verdict.detail


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_otter_run_scores_reference_full_and_stubs_zero(repo_copy, tmp_path, assignment):
    """Does plain `otter run` on the otter zip give the reference full marks and the stubs 0?"""
    a = load_assignment(assignment, repo_copy)
    release(a.name, root=repo_copy)
    scores = {}
    for label, src in (("reference", a.solution_file), ("starter", a.starter_dir / a.student_file)):
        sub = tmp_path / label / a.student_file
        sub.parent.mkdir()
        shutil.copy(src, sub)
        out = tmp_path / f"out-{label}"
        out.mkdir()
        done = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(a.dist_dir / "otter-autograder.zip"),
                               "-o", str(out), str(sub)], capture_output=True, text=True, cwd=tmp_path)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        import json
        tests = json.loads((out / "results.json").read_text())["tests"]
        scores[label] = (sum(t.get("score") or 0 for t in tests), sum(t.get("max_score") or 0 for t in tests))
    assert scores["reference"] == (a.points, a.points)
    assert scores["starter"] == (0, a.points)
