"""Are an assignment's [support] files found where the grader needs them, and nowhere else?"""
import pytest

from autograder.checks import GradingContext, helper, inworker, parent_support, use_context, worker_support
from autograder.checks.remote import helper_function
from autograder.grade.proxies import HELPERS_FILE, helper_copy

WORKER = '''\
def twice(_module, fn, x):
    return fn(fn(x))


def build(_module, cls, seed):
    return ("assignment build", seed)
'''


@pytest.fixture
def support(tmp_path):
    (tmp_path / "inworker.py").write_text(WORKER)
    (tmp_path / "hidden.py").write_text("SECRET_LABELS = [3, 1, 4]\n")
    return tmp_path


def test_worker_helpers_resolve_assignment_first(support):
    """In-process, does helper() find the assignment's helper, prefer it to the generic one of the same
    name, and fall back to autograder/checks/inworker.py?"""
    with use_context(GradingContext(worker_support_path=support / "inworker.py")):
        assert worker_support().twice(None, lambda v: v + 1, 1) == 3
        assert helper("twice", "inc", abs, lambda v: v * 10, 2) == 200
        assert helper("build", "Net", abs, object, 7) == ("assignment build", 7)
        assert helper_function("new_ctx") is inworker.new_ctx


def test_unknown_helper_is_the_authors_error(support):
    """Is an unknown helper a LookupError (a grader error), not a failure blamed on the student?"""
    for ctx in (GradingContext(), GradingContext(worker_support_path=support / "inworker.py")):
        with use_context(ctx), pytest.raises(LookupError, match="no worker helper 'twise'"):
            helper("twise", "inc", abs, 1)


def test_parent_support_only_where_declared(support):
    """Does parent_support() load the declared file in this process, and fail loudly without one (the
    student bundle has none)?"""
    with use_context(GradingContext(parent_support_path=support / "hidden.py")):
        assert parent_support().SECRET_LABELS == [3, 1, 4]
    with use_context(GradingContext(assignment="hw")), pytest.raises(RuntimeError, match="only the grader has it"):
        parent_support()
    with use_context(GradingContext()):
        assert worker_support() is None


def test_helper_copy_maps_each_name_to_its_random_module(support):
    """Does the engine copy both helper files under random names and route each helper to its file, the
    assignment's names winning?"""
    files, where, folder = helper_copy(support / "inworker.py")
    try:
        generic, mine = (f.stem for f in files)
        assert [f.read_text() for f in files] == [HELPERS_FILE.read_text(), WORKER]
        assert generic != mine and all(n.startswith("_h") and len(n) == 34 for n in (generic, mine))
        assert where["twice"] == mine and where["build"] == mine and where["new_ctx"] == generic
        assert "np" not in where  # imports are not helpers
        files2, _, folder2 = helper_copy()
        assert len(files2) == 1 and files2[0].stem not in (generic, mine)
    finally:
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(folder2, ignore_errors=True)
