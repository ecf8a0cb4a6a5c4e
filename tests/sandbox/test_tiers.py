"""Which backend does ``auto`` pick, and does it refuse (naming the fix for this machine) when only the
unsafe ``process`` backend is left? bwrap is hidden with ``AG_BWRAP=""`` (``bwrap_choice`` is cached
per process: the cache is cleared around each test)."""
import os
from pathlib import Path

import pytest

from autograder.sandbox import available_backends, backends

from .conftest import needs_uid


@pytest.fixture
def no_bwrap(monkeypatch):
    monkeypatch.setenv("AG_BWRAP", "")
    backends.bwrap_choice.cache_clear()
    yield
    backends.bwrap_choice.cache_clear()


@pytest.fixture
def uid_fails(monkeypatch):
    why = "/root is mode 700: the interpreter is not readable by other users (test)"
    monkeypatch.setattr(backends, "uid_status", lambda: (False, why))
    return why


def test_sandbox_unavailable_is_a_value_error():
    assert issubclass(backends.SandboxUnavailable, ValueError)


@needs_uid
def test_auto_picks_uid_when_bwrap_is_hidden(no_bwrap):
    """As root with no bwrap, does auto pick uid (not process), and say why?"""
    name, reason = backends.choose("auto")
    assert name == "uid" and "bwrap unavailable" in reason and "uid works" in reason


def test_auto_refuses_rather_than_process_and_names_the_uid_reason(no_bwrap, uid_fails, monkeypatch):
    """Root, no bwrap, uid unusable: does auto raise SandboxUnavailable with the uid's reason, while
    the process backend stays available when named?"""
    monkeypatch.setattr(backends.os, "geteuid", lambda: 0)
    with pytest.raises(backends.SandboxUnavailable) as e:
        backends.choose("auto")
    assert uid_fails in str(e.value) and "process" in str(e.value)
    assert backends.choose("process")[0] == "process"
    with pytest.raises(backends.SandboxUnavailable, match="uid backend unavailable"):
        backends.choose("uid")
    with pytest.raises(backends.SandboxUnavailable, match="bwrap backend unavailable"):
        backends.choose("bwrap")


def test_refusal_names_pip_when_no_bwrap_is_installed(no_bwrap, uid_fails):
    """bwrap not installed at all: does the message name `pip install -r requirements.txt`?"""
    with pytest.raises(backends.SandboxUnavailable, match=r"pip install -r requirements\.txt"):
        backends.choose("auto")


def test_refusal_names_apparmor_fixes_for_a_non_root_user(monkeypatch, uid_fails):
    """Not root, a bwrap that AppArmor blocks: does the message name the apt package, the sysctl and root?"""
    monkeypatch.setattr(backends.os, "geteuid", lambda: 1000)
    monkeypatch.setattr(backends, "bwrap_candidates", lambda: [("bundled", "/nonexistent/bwrap")])
    monkeypatch.setattr(backends, "bwrap_status", lambda: (None, "bwrap with a user namespace failed"))
    monkeypatch.setattr(backends, "userns_restriction", lambda: "AppArmor blocks unprivileged user namespaces")
    with pytest.raises(backends.SandboxUnavailable) as e:
        backends.choose("auto")
    msg = str(e.value)
    assert "apt-get install bubblewrap" in msg and "kernel.apparmor_restrict_unprivileged_userns=0" in msg
    assert "as root" in msg


def test_available_backends_lists_every_tier():
    out = available_backends()
    assert list(out) == ["bwrap", "uid", "process"]
    assert out["uid"].startswith("unavailable") != backends.uid_status()[0]


def test_uid_status_explains_an_unreadable_interpreter(tmp_path, monkeypatch):
    """Does uid_status name the folder that hides the interpreter, its mode, and the fix?"""
    locked = tmp_path / "home"
    (locked / "venv" / "bin").mkdir(parents=True)
    os.chmod(locked, 0o700)
    monkeypatch.setattr(backends.sys, "executable", str(locked / "venv" / "bin" / "python"))
    monkeypatch.setattr(backends.os, "geteuid", lambda: 0)
    backends.uid_status.cache_clear()
    try:
        ok, why = backends.uid_status()
    finally:
        backends.uid_status.cache_clear()
    assert not ok and "is mode 700" in why and "/opt" in why
    first = why.split(" is mode")[0]
    assert Path(first) in [locked, *locked.parents]
