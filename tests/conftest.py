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


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Slow tests first (whole modules: a module's order, and so its module-scoped fixtures, are kept).
    Under ``pytest -n 2 --dist loadgroup`` (pyproject.toml) a worker takes the next test when it is free,
    in this order: the long ones start early and the short ones fill the end, instead of one worker
    finishing a long test alone (the groups of ``xdist_group`` marks go first, largest first)."""
    def module(item):
        return item.nodeid.split("::")[0]

    slow_modules = {module(item) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: module(item) not in slow_modules)
