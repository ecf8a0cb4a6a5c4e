"""The ``Backend`` interface and its registry: is a backend one class and one ``REGISTRY`` entry, read by
``auto``, the CLI's choices, ``available_backends`` and ``doctor``, and does each backend read a
worker's death (signal, exit status, out of memory) its own way?"""
import signal

import pytest
from click.testing import CliRunner

from autograder import cli
from autograder.core.errors import UsageError
from autograder.doctor import required_failures
from autograder.sandbox import available_backends, backends

from .conftest import make_session


class PlainBackend(backends.Backend):
    """A stand-in for a new backend (all a backend must define): the process backend's plan under a new
    name that ``auto`` may pick."""

    name = "plain"

    def status(self):
        return True, "plain works (test)"

    def plan(self, *, scratch, private, module_name, limits, device, uid, hidden_packages):
        return backends.process_plan(scratch=scratch, private=private, module_name=module_name, device=device,
                                     uid=uid)


@pytest.fixture
def plain(monkeypatch):
    """Register ``PlainBackend`` as the only backend ``auto`` can use (bwrap and uid report unusable)."""
    monkeypatch.setitem(backends.REGISTRY, "plain", PlainBackend())
    monkeypatch.setattr(backends, "bwrap_status", lambda: (None, "hidden by the test"))
    monkeypatch.setattr(backends, "uid_status", lambda: (False, "hidden by the test"))


def test_registry_order_is_strongest_first():
    assert list(backends.REGISTRY) == ["bwrap", "uid", "process"] == list(backends.BACKENDS)
    assert [b.isolates for b in backends.REGISTRY.values()] == [True, True, False]
    assert all(isinstance(b, backends.Backend) and b.name == n for n, b in backends.REGISTRY.items())


def test_unknown_backend_is_a_usage_error_naming_the_choices():
    with pytest.raises(UsageError, match=r"unknown sandbox backend 'vm': use auto, bwrap, uid, process"):
        backends.choose("vm")
    assert issubclass(backends.SandboxUnavailable, UsageError)


def test_a_new_backend_is_one_class_and_one_entry(plain, sub_file):
    """Registered, is the new backend picked by auto (after the stronger ones, which are unusable), named
    by available_backends, offered by the CLI, and does a session on it run the student's code?"""
    name, reason = backends.choose("auto")
    assert name == "plain"
    assert "bwrap unavailable (hidden by the test); uid unavailable (hidden by the test); plain works" in reason
    assert available_backends()["plain"] == "plain works (test)"
    assert "plain" in cli.SandboxChoice().choices
    help_text = CliRunner().invoke(cli.cli, ["doctor", "--help"]).output
    assert "auto|bwrap|uid|process|plain" in help_text
    with make_session(sub_file, "auto") as s:
        assert s.backend == "plain" and s.info.reason == reason
        r = s.call("add", 2, 3)
        assert r.ok and r.value == 5, r


def test_auto_refusal_lists_every_isolating_backend(plain, monkeypatch):
    monkeypatch.setattr(PlainBackend, "status", lambda self: (False, "plain is broken (test)"))
    monkeypatch.setattr(PlainBackend, "fix", lambda self, why: "repair plain")
    monkeypatch.setattr(backends.os, "geteuid", lambda: 0)
    monkeypatch.setattr(backends, "bwrap_candidates", lambda: [("system", "/usr/bin/bwrap")])
    with pytest.raises(backends.SandboxUnavailable) as e:
        backends.choose("auto")
    msg = str(e.value)
    assert "(bwrap: hidden by the test; uid: hidden by the test; plain: plain is broken (test))" in msg
    # root: bwrap offers no fix, uid's is its reason: the first backend that has a fix gives it
    assert msg.endswith("Fix: the uid backend cannot run: hidden by the test")


def test_doctor_requires_an_isolating_backend(plain):
    assert required_failures("plain", {}) == []
    assert required_failures("process", {}) == ["grading would use the UNSAFE process backend (no isolation)"]


@pytest.mark.parametrize("name, code, expected", [
    ("process", -signal.SIGKILL, "the worker died: killed (SIGKILL; out of memory, or a limit)"),
    ("process", 128 + signal.SIGKILL, "the worker exited with status 137"),
    ("uid", -signal.SIGXCPU, "the worker died: CPU time limit exceeded"),
    ("bwrap", 128 + signal.SIGSEGV, "the worker died: segmentation fault"),
    ("bwrap", 128 + signal.SIGUSR1, "the worker died: SIGUSR1"),
    ("bwrap", 3, "the worker exited with status 3"),
    ("bwrap", None, "the worker stopped answering (reply pipe closed)"),
])
def test_each_backend_reads_a_death_its_own_way(name, code, expected):
    """bwrap reports its child's death by signal N as exit status 128 + N; a process's own exit status
    137 is an exit, not a signal."""
    got = backends.get(name).death_reason(code, what="reply pipe closed", oom_killed=False, memory_message="OOM")
    assert got.startswith(expected), got


def test_out_of_memory_reads_as_the_memory_budget():
    got = backends.get("bwrap").death_reason(128 + signal.SIGKILL, what="x", oom_killed=True,
                                             memory_message="memory limit exceeded: 512 MB")
    assert got == "memory limit exceeded: 512 MB"


@pytest.fixture
def sub_file(submission):
    return submission
