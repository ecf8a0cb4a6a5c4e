"""Are memory, scratch space and time budgets of the whole submission (not of one process), is
cleanup impossible to defeat, and are forbidden packages absent from every package folder?"""
import os
import shutil
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import CRASH, TIMEOUT, Limits, WorkerSession, backends, budget, site_dirs

from .conftest import BACKENDS, needs_bwrap

SUB = textwrap.dedent('''
    import os, select, sys, tempfile, time

    def spread(n, mb, wait_s):
        """n children of mb MB each; answers once they all hold it, after wait_s more seconds."""
        r, w = os.pipe()
        for _ in range(n):
            if os.fork() == 0:
                try:
                    hoard = b"x" * (mb * 2**20)
                    os.write(w, b"1")
                    time.sleep(60 + 0 * len(hoard))
                finally:
                    os._exit(0)
        got, t0 = b"", time.monotonic()
        while len(got) < n and time.monotonic() - t0 < 12:
            if select.select([r], [], [], 0.5)[0]:
                got += os.read(r, n)
        time.sleep(wait_s)
        return f"{len(got)} of {n} held"

    def fill(mb, chunk_mb=4):
        written, n = 0, 0
        block = b"x" * 2**20
        try:
            while written < mb:
                folder = "." if n % 2 == 0 else tempfile.gettempdir()
                with open(os.path.join(folder, f"fill{n}.bin"), "wb") as f:
                    for _ in range(chunk_mb):
                        f.write(block)
                        written += 1
                n += 1
        except OSError as e:
            return f"stopped after {written} MB: errno {e.errno}"
        return f"wrote {written} MB"

    def where():
        return {"cwd": os.getcwd(), "tmpdir": tempfile.gettempdir()}

    def nap(s):
        time.sleep(s)
        return s

    def burn(threads, seconds):
        """CPU time of this process per second of wall clock while ``threads`` threads spin (hashlib releases
        the GIL on large buffers, so they run in parallel where CPUs allow)."""
        import hashlib
        import threading

        stop = time.monotonic() + seconds
        def spin():
            data = b"x" * 2**22
            while time.monotonic() < stop:
                hashlib.sha256(data).digest()
        cpu0, t0 = time.process_time(), time.monotonic()
        workers = [threading.Thread(target=spin) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        return (time.process_time() - cpu0) / (time.monotonic() - t0)

    def import_from_everywhere(name, paths):
        sys.meta_path[:] = [f for f in sys.meta_path if "Forbidden" not in type(f).__name__]
        sys.path[:0] = paths
        try:
            module = __import__(name)
        except BaseException as e:
            return f"denied: {type(e).__name__}: {e}"
        return f"imported from {module.__file__}"
''')


@pytest.fixture(scope="module")
def sub(tmp_path_factory):
    path = tmp_path_factory.mktemp("budget") / "cnn_numpy.py"
    path.write_text(SUB)
    return path


def session(sub, backend, **limits):
    kw = dict(call_timeout_s=20.0, memory_mb=512, max_restarts=5)
    kw.update(limits)
    return WorkerSession(sub, "cnn_numpy", backend=backend, limits=Limits(**kw), need_torch=False,
                         forbidden_imports=("scipy",))


# ----------------------------------------------------------------------------------------------
# memory: all the submission's processes together

@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("mechanism", ["both", "watchdog-only"])
def test_memory_spread_over_children_is_one_budget(sub, backend, mechanism, monkeypatch):
    """Do 3 children of 220 MB (each under the 512 MB per-process cap) cost the call, with a message
    saying the processes together exceeded 512 MB, with and without a memory cgroup?"""
    if mechanism == "watchdog-only":
        monkeypatch.setattr(budget.WorkerCgroups, "create", classmethod(lambda cls, n, m, **kw: None))
    with session(sub, backend) as s:
        r = s.call("spread", 3, 220, 8.0)
        assert r.status == CRASH, r
        assert "processes together exceeded 512 MB" in r.error, r.error
        assert s.call("nap", 0).ok  # a fresh worker answers the next call


def test_kernel_limit_holds_without_the_watchdog(sub, monkeypatch):
    """With the watchdog off, does the memory cgroup (where one can be created) keep the children's
    total near the budget and say so?"""
    if budget.memory_mechanism(512)[0] != "cgroup":
        pytest.skip("no writable memory cgroup here")
    monkeypatch.setattr(budget.MemoryWatch, "over", lambda self, now=None: 0)
    with session(sub, "process", memory_mb=256, max_scratch_bytes=2**20) as s:
        limit = budget.cgroup_memory_bytes(s.limits)
        r = s.call("spread", 4, 150, 1.0)  # 600 MB wanted, the kernel allows ~450 MB
        assert (r.status == CRASH and "together" in r.error) or "together" in r.note, r
        assert limit < 600 * 2**20


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_submission_s_threads_get_one_cpu(sub, backend):
    """Budgets are wall clock: a submission spinning threads would slow the one graded beside it into its
    time limits (helper-18's finding 3). Does the CPU quota (``Limits.cpus``, 1 by default) hold its threads
    together to about one CPU?"""
    if "no CPU quota" in budget.cpu_mechanism(1.0):
        pytest.skip("no writable cgroup with the cpu controller here")
    if (os.cpu_count() or 1) < 2:
        pytest.skip("one CPU: nothing to take from a neighbour")
    with session(sub, backend) as s:
        r = s.call("burn", 4, 3.0)
        assert r.ok, r
        assert r.value < 1.15, f"4 spinning threads used {r.value:.2f} CPUs"


def test_members_and_totals_are_measured_from_proc():
    """Does the watchdog count a child's memory (RSS, and PSS past the budget)?"""
    import subprocess

    child = subprocess.Popen([sys.executable, "-c", "import time; b = b'x' * (64 * 2**20); print('ready', flush=True); "
                              "time.sleep(30)"], stdout=subprocess.PIPE, text=True)
    try:
        assert child.stdout.readline() == "ready\n"  # allocated (a fixed sleep was too short on a loaded machine)
        w = budget.MemoryWatch(os.getpid(), 10 * 2**20, interval_s=0)
        assert child.pid in w.members()
        total = w.total()
        assert total > 64 * 2**20, total
        assert w.over() > 0
        assert budget.MemoryWatch(os.getpid(), 100 * 2**30, interval_s=0).over() == 0
    finally:
        child.kill()
        child.wait()


# ----------------------------------------------------------------------------------------------
# scratch space

@pytest.mark.parametrize("backend", BACKENDS)
def test_scratch_space_is_capped(sub, backend):
    """Is the working folder + TMPDIR capped as a whole: bwrap a 16 MB tmpfs (ENOSPC), otherwise a
    folder the parent measures (crash past the cap)?"""
    with session(sub, backend, max_scratch_bytes=16 * 2**20) as s:
        where = s.call("where").value
        assert where["cwd"] == where["tmpdir"]
        r = s.call("fill", 64)
        if backend == "bwrap":
            assert r.ok and r.value.startswith("stopped after") and "errno 28" in r.value, r
            assert int(r.value.split()[2]) <= 16
        else:
            assert r.status == CRASH and "scratch files exceeded 16 MB" in r.error, r
        assert s.call("nap", 0).ok


# ----------------------------------------------------------------------------------------------
# time: one deadline for the whole submission

@pytest.mark.parametrize("backend", BACKENDS)
def test_calls_stop_at_the_submission_deadline(sub, backend):
    """Is each call cut at the submission's deadline (not its own 20 s limit), and is the next
    refused, both saying the budget ran out?"""
    with session(sub, backend) as s:
        s.deadline, s.budget_s = time.monotonic() + 3.0, 3.0
        assert s.call("nap", 1.0).value == 1.0
        t0 = time.monotonic()
        r = s.call("nap", 10.0)
        assert r.status == TIMEOUT and "used up its 3 s time budget" in r.error, r
        assert time.monotonic() - t0 < 3.0
        assert time.monotonic() <= s.deadline + 0.5
        r = s.call("nap", 0)
        assert r.status == TIMEOUT and r.error.startswith("not run: the submission used up its 3 s"), r


def test_deadline_is_taken_from_the_constructor(sub):
    with WorkerSession(sub, "cnn_numpy", backend="process", need_torch=False,
                       deadline=time.monotonic() + 30, budget_s=30) as s:
        assert s.budget_s == 30 and s._budgeted(10.0) == (10.0, False)
        assert s._budgeted(100.0)[1] is True


# ----------------------------------------------------------------------------------------------
# cleanup

def _undeletable(top: Path, depth: int, outside: Path) -> None:
    """A chain ``depth`` folders deep, a file and a symlink to ``outside`` in each, then mode 000
    from the bottom up; with another owner where we are root."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    fds = [fd]
    for i in range(depth):
        with open(os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as f:
            f.write("x")
        if i % 100 == 0:
            os.symlink(str(outside), "link", dir_fd=fd)
        os.mkdir("d", dir_fd=fd)
        fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        fds.append(fd)
    for fd in reversed(fds[1:]):
        if os.geteuid() == 0:
            os.fchown(fd, 3_999_999, 3_999_999)
        os.fchmod(fd, 0)
    for fd in fds:
        os.close(fd)


def test_remove_tree_defeats_deep_mode_000_chains(tmp_path):
    """Is a 1,500-deep chain of mode-000 folders (another uid's, where we are root) removed, without
    following its symlinks out, where shutil.rmtree fails?"""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    for name in ("mine", "control"):
        (tmp_path / name).mkdir()
        _undeletable(tmp_path / name, 1500, outside)
    with pytest.raises((RecursionError, OSError)):  # the bug this replaces: RecursionError (or PermissionError)
        shutil.rmtree(tmp_path / "control")
    assert budget.remove_tree(tmp_path / "mine") is True
    assert not (tmp_path / "mine").exists()
    assert (outside / "keep.txt").read_text() == "keep"
    assert budget.remove_tree(tmp_path / "control") is True


def test_remove_tree_never_raises(tmp_path):
    assert budget.remove_tree(None) is True
    assert budget.remove_tree(tmp_path / "nothing") is True
    (tmp_path / "file").write_text("x")
    assert budget.remove_tree(tmp_path / "file") is True and not (tmp_path / "file").exists()


@pytest.mark.parametrize("where", ["install_worker_files", "process_plan"])
def test_private_folder_removed_when_the_session_cannot_start(sub, tmp_path, monkeypatch, where):
    """Does a failure inside WorkerSession.__init__ (copying the worker's files, building the plan)
    leave no private or scratch folder behind?"""
    def broken(*a, **k):
        raise OSError("disk on fire")
    monkeypatch.setattr(backends, where, broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    with pytest.raises(OSError, match="disk on fire"):
        WorkerSession(sub, "cnn_numpy", backend="process", need_torch=False)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("backend", BACKENDS)
def test_session_leaves_nothing_in_the_temporary_folder(sub, monkeypatch, backend):
    """Are the session's scratch and private folders gone after close (files written included)?"""
    tmp = Path(tempfile.mkdtemp(prefix="agtest-budget-", dir="/tmp"))
    os.chmod(tmp, 0o755)  # the process backend's dropped uid must reach its scratch folder
    try:
        monkeypatch.setattr(tempfile, "tempdir", str(tmp))
        with session(sub, backend) as s:
            assert s.call("fill", 4).ok
            assert len(list(tmp.iterdir())) == 2  # ag-private-*, ag-scratch-*
        assert list(tmp.iterdir()) == []
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------------------------
# forbidden packages

def _installed(name: str) -> list[str]:
    return [d for d in site_dirs.candidate_dirs() if os.path.exists(os.path.join(d, name))]


@needs_bwrap
def test_forbidden_package_absent_from_every_package_folder(sub):
    """With the import hook removed and every host package folder (base prefix, system
    dist-packages) first on sys.path, is scipy still impossible to import under bwrap?"""
    if not _installed("scipy"):
        pytest.skip("scipy is not installed anywhere here: nothing to hide")
    with session(sub, "bwrap") as s:
        r = s.call("import_from_everywhere", "scipy", site_dirs.candidate_dirs())
    assert r.ok and r.value.startswith("denied"), r


def test_control_the_process_backend_does_not_hide_it(sub):
    """Control: without bwrap, the same attack imports scipy (so the test above can fail)."""
    if not _installed("scipy"):
        pytest.skip("scipy is not installed anywhere here")
    with session(sub, "process") as s:
        r = s.call("import_from_everywhere", "scipy", site_dirs.candidate_dirs())
    assert r.ok and r.value.startswith("imported"), r


def test_unused_package_folders_are_covered():
    """Is every package folder the worker does not import from (a venv's base prefix, system
    dist-packages) covered, and no folder of the grader's own sys.path?"""
    mounted = ["/usr", *backends.python_paths()]
    covered, hidden = site_dirs.plan(("scipy", "torch"), mounted)
    needed = site_dirs.grader_path()
    assert not set(covered) & set(needed)
    if sys.prefix != sys.base_prefix:  # in a venv without system site packages
        cfg = Path(sys.prefix, "pyvenv.cfg").read_text()
        if "include-system-site-packages = false" in cfg:
            base = [d for d in site_dirs.candidate_dirs() if d.startswith(os.path.realpath(sys.base_prefix))
                    and d.endswith("-packages")]
            assert base and all(d in covered for d in base), (base, covered)
    for name in ("scipy", "torch"):
        for d in needed:
            if os.path.isdir(os.path.join(d, name)):
                assert (name, "dir", os.path.join(d, name)) in hidden


def test_a_killed_batch_s_empty_cgroups_are_removed():
    """A worker's cgroups are removed by its session; a kill -9 leaves them (one per controller and worker,
    for good). Are those of processes that no longer run removed (``remove_orphan_cgroups``, run when a batch
    starts), and those of a running process left alone?"""
    import subprocess
    import uuid

    parents = [p for p in budget.cgroup_parents() if os.access(p, os.W_OK)]
    if not parents:
        pytest.skip("no writable cgroup here")
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        made = {}
        for who, pid in (("dead", dead.pid), ("live", live.pid)):
            made[who] = parents[0] / f"autograder-{pid}-{uuid.uuid4().hex[:8]}"
            made[who].mkdir()
        removed = budget.remove_orphan_cgroups()
        assert made["dead"] in removed and not made["dead"].exists()
        assert made["live"].exists() and made["live"] not in removed
    finally:
        live.kill()
        live.wait()
        for path in made.values():
            if path.exists():
                path.rmdir()
