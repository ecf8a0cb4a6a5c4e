"""Does `doctor` measure the guarantees honestly on this machine?"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder import doctor
from autograder.core.assignment import REPO_ROOT
from autograder.sandbox import backends

needs_bwrap = pytest.mark.skipif(backends.bwrap_status()[0] is None,
                                 reason="bubblewrap not installed (or cannot create its namespaces here)")


@needs_bwrap
def test_bwrap_guarantees_all_hold():
    rows = [r for r in doctor.probe_backend("bwrap") if r.guarantee != "warning"]
    assert len(rows) >= 10
    failed = [f"{r.guarantee}: {r.detail}" for r in rows if not r.holds]
    if backends.bwrap_status()[0] == "userns" and backends.os.geteuid() == 0:
        failed = [f for f in failed if not f.startswith("runs as an unprivileged uid")]
    assert not failed


@needs_bwrap
def test_a_venv_reached_through_a_symlinked_folder_still_hides_the_forbidden_packages(tmp_path):
    """The grader's venv reached through a symlink (``/opt/venv -> /data/venv``): the worker imports from
    the real path only, where the forbidden packages are covered (mounted at the alias too, scipy could be
    imported from there)."""
    link = tmp_path / "venv-link"
    link.symlink_to(os.path.realpath(sys.prefix), target_is_directory=True)
    code = ("from autograder import doctor; r = {r.guarantee: r for r in doctor.probe_backend('bwrap')}"
            "['forbidden packages absent']; print(r.holds, r.detail)")
    p = subprocess.run([str(link / "bin" / Path(sys.executable).name), "-c", code], cwd=REPO_ROOT,
                       capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and p.stdout.startswith("True "), p.stdout + p.stderr[-2000:]


def test_process_backend_reports_its_weaknesses():
    """Does the process backend enforce time and memory, and admit it cannot hide the grader's files?"""
    rows = {r.guarantee: r for r in doctor.probe_backend("process") if r.guarantee != "warning"}
    assert rows["worker starts"].holds and rows["timeout enforced"].holds and rows["memory cap enforced"].holds
    assert rows["grader files unreadable"].holds is False  # honest: nothing hides them
    assert rows["detached processes killed"].holds


@pytest.mark.slow
def test_main_prints_a_table_and_returns_zero(capsys):
    assert doctor.main() == 0
    out = capsys.readouterr().out
    assert "grading would use" in out and "network blocked" in out


def test_userns_restriction_is_explained(monkeypatch, tmp_path):
    """Is the Ubuntu AppArmor user-namespace restriction recognised and explained?"""
    fake = tmp_path / "apparmor_restrict_unprivileged_userns"
    fake.write_text("1\n")
    real = backends.Path

    def fake_path(p, *a):
        return real(fake) if str(p).endswith("apparmor_restrict_unprivileged_userns") else real(p, *a)
    monkeypatch.setattr(backends, "Path", fake_path)
    assert "AppArmor" in backends.userns_restriction()


def test_require_names_each_failed_guarantee():
    """Does `doctor --require` (Gradescope's setup.sh) refuse a failed or unmeasured guarantee, and the
    process backend, each with what was measured?"""
    ok = doctor.Row("bwrap", "timeout enforced", True, "timeout after 3.0 s")
    bad = doctor.Row("bwrap", "network blocked", False, "internet: connected")
    assert doctor.required_failures("bwrap", {"timeout enforced": ok}) == []
    failed = doctor.required_failures("bwrap", {"timeout enforced": ok, "network blocked": bad, "memory cap enforced": None})
    assert failed == ["network blocked does not hold on bwrap: internet: connected",
                      "memory cap enforced does not hold on bwrap: not measured"]
    assert "UNSAFE process" in doctor.required_failures("process", {"timeout enforced": ok})[0]


@pytest.mark.slow
def test_require_refuses_the_process_backend(capsys):
    assert doctor.main(backend="process", require=True) == 1
    out = capsys.readouterr().out
    assert "REQUIRED: grading would use the UNSAFE process backend" in out
    assert "REQUIRED: network blocked does not hold on process" in out


@pytest.mark.skipif(not backends.uid_status()[0], reason=f"uid backend unavailable: {backends.uid_status()[1]}")
def test_uid_guarantees_all_hold():
    """Do the uid backend's isolation guarantees hold, its own rows (seccomp, sealing) included?
    (Timing rows are left to the other tests: a loaded machine can make the 1 s memory probe time out.)"""
    rows = {r.guarantee: r for r in doctor.probe_backend("uid") if r.guarantee != "warning"}
    for name in ("seccomp filter (no sockets, ptrace, exec)", "grader files sealed from other users",
                 "network blocked", "grader files unreadable", "results dir unwritable", "grader processes unkillable",
                 "runs as an unprivileged uid", "fork bomb bounded", "detached processes killed"):
        assert rows[name].holds, f"{name}: {rows[name].detail}"


@needs_bwrap
def test_bwrap_rows_prove_the_per_submission_budgets_and_hidden_packages():
    """Does doctor's bwrap column show the memory budget of all processes, the scratch cap and the
    forbidden packages' absence (each measured, with the mechanism named)?"""
    rows = {r.guarantee: r for r in doctor.probe_backend("bwrap") if r.guarantee != "warning"}
    for name in ("memory bounded per submission", "scratch space capped", "forbidden packages absent"):
        assert rows[name].holds, f"{name}: {rows[name].detail}"
    assert "watchdog" in rows["memory bounded per submission"].detail
    assert "scipy: denied" in rows["forbidden packages absent"].detail


def test_forbidden_packages_come_from_the_assignments():
    names = doctor.forbidden_packages()
    assert "torch" in names and "scipy" in names
