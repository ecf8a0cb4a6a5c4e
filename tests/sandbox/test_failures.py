"""Does a hang, exit, crash, OOM, fork bomb or protocol attack cost that call only?"""
import os
import secrets
import time

import pytest

from autograder.sandbox import backends, budget, procs

from .conftest import BACKENDS, make_session


@pytest.fixture(params=BACKENDS)
def backend(request):
    return request.param


def test_timeout_is_enforced_and_the_session_recovers(submission, backend):
    """Is an infinite loop stopped within timeout + 2 s, and does the next call run in a fresh,
    re-imported worker?"""
    with make_session(submission, backend) as s:
        pid_before = s.get("INCARNATION").value
        t0 = time.monotonic()
        r = s.call("spin")
        assert r.status == "timeout" and "2 s" in r.error
        assert time.monotonic() - t0 < s.limits.call_timeout_s + 2
        r = s.call("add", 1, 2)
        assert r.ok and r.value == 3 and r.duration_s < 1  # the restart is not charged to the call
        assert s.restarts == 1 and s.get("INCARNATION").value != pid_before


@pytest.mark.parametrize("fn, reason", [("do_exit", "sys.exit(3)"), ("hard_exit", "exited with status 7"),
                                        ("memory_bomb", "memory")])
def test_exits_and_oom_cost_one_call(submission, backend, fn, reason):
    """Do sys.exit, os._exit and an allocation over the memory cap give 'crash' with a reason, and
    does the following call succeed?"""
    with make_session(submission, backend) as s:
        r = s.call(fn)
        assert r.status == "crash" and reason in r.error, r
        assert s.call("add", 2, 3).value == 5


def test_exception_costs_nothing(submission, backend):
    with make_session(submission, backend) as s:
        assert s.call("boom").status == "error"
        assert s.call("add", 1).value == 1 and s.restarts == 0


def test_print_before_crash_is_kept(submission, backend):
    with make_session(submission, backend) as s:
        r = s.call("print_then_crash")
        assert r.status == "crash" and "last words" in r.output


def test_garbage_on_the_protocol_pipe_crashes_that_call_only(submission, backend):
    """Is garbage written to the reply pipe a clean 'crash' of that call (never an exception in the
    parent), and a frame claiming 1 TB too?"""
    with make_session(submission, backend) as s:
        r = s.call("write_garbage")
        assert r.status == "crash" and "protocol" in r.error
        r = s.call("fake_frame")
        assert r.status == "crash" and "protocol" in r.error
        assert s.call("add", 1, 1).value == 2


def test_ten_megabytes_of_print(submission, backend):
    """Does printing 10 MB work, with only a capped tail kept?"""
    with make_session(submission, backend) as s:
        r = s.call("big_print")
        assert r.ok and r.value == "printed"
        assert r.output_bytes > 10_000_000 and r.output.endswith("THE END\n") and len(r.output) <= 2048
        assert len(s.output_tail) <= s.limits.max_output_bytes
        assert s.call("add", 1, 1).value == 2


def _fork_bomb_is_bounded(backend):
    if backend == "uid":  # always a uid of its own: RLIMIT_NPROC applies
        return True
    if backend == "bwrap" and backends.bwrap_status()[0] == "root":
        return True
    if backends.cgroup_available():
        return True
    return os.geteuid() != 0 or backends.uid_drop_status()[0]


def test_fork_bomb_is_bounded_and_the_batch_continues(submission, backend):
    """Does a fork bomb hit the process limit (not the machine), and does the next call work?"""
    if not _fork_bomb_is_bounded(backend):
        pytest.skip("root without a pids cgroup or uid drop: fork bombs are bounded only by the timeout")
    with make_session(submission, backend) as s:
        r = s.call("fork_bomb")
        assert (r.ok and str(r.value).startswith("fork failed")) or r.status in ("timeout", "crash"), r
        r2 = s.call("add", 1, 1)
        assert r2.value == 2, r2


@pytest.mark.parametrize("cgroup", [True, False], ids=["cgroup", "no-cgroup"])
def test_detached_grandchild_does_not_survive_the_session(submission, backend, cgroup, monkeypatch):
    """Is a setsid double-forked grandchild killed by the end of the session, with and without a
    pids cgroup (PID namespace / subreaper + process-tree walk)?"""
    if backend == "uid":
        pytest.skip("the uid backend's seccomp filter denies exec (no `sleep` grandchild): "
                    "tests/sandbox/test_uid.py checks its sweep of detached processes")
    if not cgroup:
        monkeypatch.setattr(budget.WorkerCgroups, "create", classmethod(lambda cls, n, m, **kw: None))
    token = f"3600.{secrets.randbelow(10**9):09d}"
    with make_session(submission, backend) as s:
        assert s.call("detach", token).value == "detached"
        scratch = s._scratch
        if not cgroup:
            for _ in range(100):  # the grandchild execs sleep after detach() returns
                if procs.find_cmdline(token):
                    break
                time.sleep(0.02)
            assert procs.find_cmdline(token), "the grandchild should be running while the session is open"
    time.sleep(0.1)
    assert procs.find_cmdline(token) == []
    assert scratch is None or not scratch.exists()


def test_max_restarts(submission):
    from autograder.sandbox import Limits
    with make_session(submission, "process", limits=Limits(call_timeout_s=2, memory_mb=512, max_restarts=1)) as s:
        assert s.call("hard_exit").status == "crash"
        assert s.call("hard_exit").status == "crash"
        r = s.call("add", 1, 1)
        assert r.status == "crash" and "1 times" in r.error


def test_stale_handle_after_restart(submission, backend):
    """Is a Handle from before a restart refused as 'crash' rather than silently pointing elsewhere?"""
    with make_session(submission, backend) as s:
        h = s.call("make_model").value
        s.call("hard_exit")
        r = s.call_method(h, "forward", 1.0)
        assert r.status == "crash" and "lost" in r.error
        r = s.call("use_model", h, 1.0)
        assert r.status == "crash" and "lost" in r.error


def test_closed_stdout_does_not_spin_the_parent(tmp_path, backend):
    """Does a worker that closes its stdout/stderr and then loops still time out, without the parent
    burning CPU on the closed pipe?"""
    path = tmp_path / "cnn_numpy.py"
    path.write_text("import os\ndef f():\n    os.close(1)\n    os.close(2)\n    while True:\n        pass\n"
                    "def g():\n    return 1\n")
    with make_session(path, backend) as s:
        t0, c0 = time.monotonic(), time.process_time()
        assert s.call("f").status == "timeout"
        assert time.process_time() - c0 < 0.5 * (time.monotonic() - t0)
        assert s.call("g").value == 1
