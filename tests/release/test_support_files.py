"""Does each bundle carry exactly the [support] files it needs (docs/authoring.md, section 4)?"""
import json
import zipfile

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.release import main as release

WITH_SUPPORT = sorted(n for n in (p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))
                      if load_assignment(n).support.parent or load_assignment(n).support.worker)


@pytest.mark.parametrize("assignment", WITH_SUPPORT)
def test_bundles_carry_the_support_files_they_need(repo_copy, tmp_path, assignment):
    """Student bundle: the worker file only (never the parent: hidden data); Gradescope and otter zips: both."""
    a = load_assignment(assignment, repo_copy)
    release(assignment, root=repo_copy, dist=tmp_path / "dist", starter=tmp_path / "starter")
    with zipfile.ZipFile(tmp_path / "dist" / "student.zip") as z:
        student = set(z.namelist())
        config = json.loads(z.read(f"{a.name}/autograder/student/assignment.json"))
    with zipfile.ZipFile(tmp_path / "dist" / "autograder.zip") as z:
        gradescope = set(z.namelist())
    with zipfile.ZipFile(tmp_path / "dist" / "otter-autograder.zip") as z:
        otter = set(z.namelist())
        context = json.loads(z.read("files/reference/context.json"))
    if a.support.parent:
        assert not any(n.endswith(a.support.parent.rsplit("/", 1)[-1]) for n in student)
        assert f"assignments/{a.name}/{a.support.parent}" in gradescope
        assert f"files/reference/{a.support.parent}" in otter and context["parent_support"] == a.support.parent
    if a.support.worker:
        assert f"{a.name}/{a.support.worker}" in student and config["worker_support"] == a.support.worker
        assert f"assignments/{a.name}/{a.support.worker}" in gradescope
        assert f"files/reference/{a.support.worker}" in otter and context["worker_support"] == a.support.worker
