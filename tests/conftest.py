"""Shared fixtures, and the order and grouping of tests under ``pytest -n``."""
import re
import shutil

import pytest
from xdist.scheduler import LoadScopeScheduling

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


# -- scheduling under ``pytest -n 2`` --------------------------------------------------------------------
#: Tests that share a costly fixture, by node id: each group runs whole on one xdist worker, which builds the
#: fixture once. (xdist's own ``xdist_group`` marks do nothing under pytest 9: xdist 3.8 renames node ids
#: through an attribute pytest no longer reads.)
SHARED_FIXTURE_GROUPS = [
    # one backend's two batches (get_runs): the hostile class, then the honest pair alone
    re.compile(r"^tests/adversarial/test_adversarial\.py::\w+\[(?P<group>bwrap@\w+|bwrap|uid|process)[\]-]"),
    # the image built by setup.sh (gradescope_image)
    re.compile(r"^(?P<group>tests/grade/test_gradescope\.py)::(test_setup_sh_builds_a_safe_image|test_gradescope_run_)"),
    # a module-scoped batch, bundle or dataset shared by the module's tests
    re.compile(r"^(?P<group>tests/(export/test_export|export/test_canvas_import|release/test_student_bundle"
               r"|datasets/test_loaders)\.py)::"),
]


class SharedFixtureScheduling(LoadScopeScheduling):
    """xdist's scheduling by work unit: a unit is a group of ``SHARED_FIXTURE_GROUPS`` or a single test. A
    worker takes the next unit when it has at most two tests left, in the order of the collection: groups
    first (largest first), then ``pytest_collection_modifyitems``' order."""

    def _split_scope(self, nodeid: str) -> str:
        for pattern in SHARED_FIXTURE_GROUPS:
            m = pattern.match(nodeid)
            if m:
                return f"group:{m.group('group')}"
        return nodeid


def pytest_xdist_make_scheduler(config, log):
    if config.getvalue("dist") == "load":  # ``-n N`` alone
        return SharedFixtureScheduling(config, log)
    return None


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items):
    """Slow tests first (whole modules: a module's order, and so its module-scoped fixtures, are kept).
    Under ``pytest -n 2`` (``SharedFixtureScheduling``) a worker takes the next test when it is free, in
    this order: the long ones start early and the short ones fill the end, instead of one worker finishing
    a long test alone."""
    def module(item):
        return item.nodeid.split("::")[0]

    slow_modules = {module(item) for item in items if item.get_closest_marker("slow")}
    items.sort(key=lambda item: module(item) not in slow_modules)
