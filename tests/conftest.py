"""Shared fixtures."""
import shutil

import pytest

from autograder.core.assignment import REPO_ROOT

#: What `release` reads: a copy of these lets tests release without writing into the real tree.
RELEASE_INPUTS = ("assignments", "solutions", "starter_code", "autograder", "datasets", "requirements.txt")


@pytest.fixture(scope="session")
def repo_copy(tmp_path_factory):
    """A copy of the repository's release inputs (one per test process)."""
    root = tmp_path_factory.mktemp("repo")
    for name in RELEASE_INPUTS:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, root / name)
    return root
