"""What can the worker see and touch? (bwrap: nothing of the grader; process: UNSAFE, and says so)"""
import os
import socket
from pathlib import Path

import pytest

from autograder.sandbox import WorkerSession

from .conftest import FAST, make_session, needs_bwrap

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def canary(tmp_path):
    path = tmp_path / "canary.txt"
    path.write_text("hidden expected values")
    os.chmod(path, 0o644)
    os.chmod(tmp_path, 0o755)
    return path


@needs_bwrap
def test_bwrap_hides_files_outside_scratch(submission, canary):
    """Can a bwrap worker read neither a world-readable file outside its scratch dir nor the repo?"""
    with make_session(submission, "bwrap") as s:
        for path in (canary, REPO / "pyproject.toml", REPO / "autograder" / "sandbox" / "session.py"):
            r = s.call("read", str(path))
            assert r.status == "error" and "FileNotFoundError" in r.error, (path, r)
        assert s.call("read", "/etc/passwd").value.count("\n") <= 3  # the generated one
        assert s.call("read", "cnn_numpy.py").ok  # its own copy, in scratch


@needs_bwrap
def test_bwrap_has_no_network(submission):
    """Is even the grader's own loopback listener unreachable from a bwrap worker?"""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        with make_session(submission, "bwrap") as s:
            r = s.call("connect", "127.0.0.1", listener.getsockname()[1])
            assert r.ok and r.value != 0
    finally:
        listener.close()


@needs_bwrap
def test_bwrap_runs_unprivileged_without_warnings(submission):
    with make_session(submission, "bwrap") as s:
        assert s.backend == "bwrap" and s.info.uid not in (None, 0)
        assert not any("UNSAFE" in w for w in s.warnings)


@needs_bwrap
def test_auto_picks_bwrap_and_says_why(submission):
    with WorkerSession(submission, "cnn_numpy", limits=FAST, need_torch=False) as s:
        assert s.backend == "bwrap" and s.info.reason.startswith("auto:")


def test_process_backend_is_labelled_unsafe(submission):
    """Does every process-backend session carry an UNSAFE warning (and say why the uid is kept)?"""
    with make_session(submission, "process") as s:
        assert s.backend == "process" and any(w.startswith("UNSAFE") for w in s.warnings)
        if os.geteuid() == 0 and s.info.uid == 0:
            assert any("uid drop unavailable" in w for w in s.warnings)


def test_worker_environment_is_clean(submission, monkeypatch):
    """Is the grader's environment (seeds, tokens) kept out of the worker, and BLAS pinned to 1 thread?"""
    monkeypatch.setenv("AUTOGRADER_SECRET_SEED", "12345")
    with make_session(submission, "process") as s:
        r = s.call("read", "/proc/self/environ")
        assert r.ok and "12345" not in r.value and "OMP_NUM_THREADS=1" in r.value


def test_unknown_backend_is_refused(submission):
    with pytest.raises(ValueError):
        WorkerSession(submission, "cnn_numpy", backend="docker")
