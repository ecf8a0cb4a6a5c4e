"""The ``uid`` backend (root in a container that refuses namespaces): does it run a submission, and
do its guarantees hold — network denied by seccomp, grader files sealed, grader processes out of
reach, the results folder unwritable, every process of the uid swept? Skipped with
``backends.uid_status()``'s reason where it cannot run (not root; an interpreter under a folder
other users cannot traverse, e.g. ``/root``: .ci/run runs ``chmod o+x /root``)."""
import os
import shutil
import socket
import stat
import subprocess
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from autograder.sandbox import Limits, WorkerSession, backends, budget, procs

from .conftest import needs_uid

pytestmark = needs_uid
REPO = Path(__file__).resolve().parents[2]

SUBMISSION = textwrap.dedent('''
    import os, socket, sys, time

    def add(a, b):
        return a + b

    def whoami():
        return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": list(os.getgroups())}

    def connect(family, host, port):
        try:
            s = socket.socket(getattr(socket, family), socket.SOCK_STREAM)
        except OSError as e:
            return f"socket denied: {type(e).__name__}"
        s.settimeout(2)
        return f"connect_ex: {s.connect_ex((host, port))}"

    def read(path):
        try:
            with open(path, "rb") as f:
                return f"read {len(f.read())} bytes"
        except OSError as e:
            return f"denied: {type(e).__name__}"

    def listdir(path):
        try:
            return sorted(os.listdir(path))
        except OSError as e:
            return f"denied: {type(e).__name__}"

    def write(directory):
        try:
            with open(os.path.join(directory, "pwned.json"), "w") as f:
                f.write('{"score": 100}')
            return "wrote"
        except OSError as e:
            return f"denied: {type(e).__name__}"

    def kill(pid, sig):
        try:
            os.kill(pid, sig)
            return "signalled"
        except OSError as e:
            return f"denied: {type(e).__name__}"

    def ptrace(pid):
        import ctypes
        libc = ctypes.CDLL(None, use_errno=True)
        rc = libc.ptrace(16, pid, 0, 0)  # PTRACE_ATTACH
        return [rc, ctypes.get_errno()]

    def run(argv):
        import subprocess
        try:
            return subprocess.run(argv, capture_output=True).returncode
        except OSError as e:
            return f"denied: {type(e).__name__}"

    def detach(name):
        """Leave the worker's tree: clear its child-subreaper flag, then setsid double fork; the
        grandchild (re-parented outside the worker) renames itself and sleeps (no exec needed)."""
        import ctypes
        ctypes.CDLL(None).prctl(36, 0, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER off
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                with open("/proc/self/comm", "w") as f:
                    f.write(name)
                time.sleep(300)
            os._exit(0)
        os.waitpid(pid, 0)
        with open(f"/tmp/{name}", "w") as f:  # a file in a shared folder, left behind
            f.write("left behind")
        return "detached"
''')


@pytest.fixture(scope="module")
def sub(tmp_path_factory):
    path = tmp_path_factory.mktemp("uidsub") / "cnn_numpy.py"
    path.write_text(SUBMISSION)
    return path


@pytest.fixture
def exposed():
    """A folder every user can reach, with a world-readable canary and a world-writable results dir:
    what the uid backend must seal (pytest's own tmp_path is under a 0700 folder: no test there)."""
    d = Path(tempfile.mkdtemp(prefix="ag-uidtest-", dir=backends.uid_base_dir()))
    os.chmod(d, 0o755)
    (d / "canary.txt").write_text("SECRET reference answer\n")
    os.chmod(d / "canary.txt", 0o644)
    (d / "results").mkdir()
    os.chmod(d / "results", 0o777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def no_landlock(monkeypatch):
    """The sealing alone (as on a kernel without Landlock): Landlock would hide the test's folders anyway."""
    monkeypatch.setattr(backends, "UID_LANDLOCK", False)


def session(path, **kw):
    kw.setdefault("limits", Limits(call_timeout_s=5.0, memory_mb=512, max_processes=32))
    return WorkerSession(path, "cnn_numpy", backend="uid", need_torch=False, **kw)


def test_uid_runs_a_submission_as_its_own_uid(sub):
    """Does a uid session import and call the submission as an unprivileged uid of its own, no groups?"""
    with session(sub) as s:
        assert s.backend == "uid" and s.import_status.ok and not s.grader_error
        assert s.call("add", 2, 3).value == 5
        who = s.call("whoami").value
        assert who["uid"] == who["euid"] == s.info.uid >= 3_000_000
        assert who["gid"] == who["uid"] and who["groups"] == []
        assert s.worker_info["seccomp"]


def test_network_is_denied_by_seccomp(sub):
    """Is socket() refused (IPv4 and IPv6), so even the grader's loopback listener gets nothing?"""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    try:
        with session(sub) as s:
            assert s.call("connect", "AF_INET", "127.0.0.1", port).value == "socket denied: PermissionError"
            assert s.call("connect", "AF_INET6", "::1", port).value == "socket denied: PermissionError"
            assert s.call("ptrace", os.getpid()).value[0] == -1
            assert s.call("run", ["/bin/true"]).value == "denied: PermissionError"  # execve denied
        with pytest.raises(socket.timeout):
            listener.accept()
    finally:
        listener.close()


def test_grader_files_are_sealed_and_unreadable(sub, exposed, no_landlock):
    """Is a world-readable grader file, in a folder every user can reach, unreadable once the session
    protects it (mode bits changed, verified as the uid), and are the engine checkout's reference,
    hidden tests and history unreadable?
    (Control: without ``protect`` the same uid reads it: the test can fail.)"""
    canary = exposed / "canary.txt"
    with session(sub) as s:
        assert s.call("read", str(canary)).value.startswith("read "), "control: a world-readable file"
    with session(sub, protect=(exposed,)) as s:
        assert s.call("read", str(canary)).value.startswith("denied")
        assert s.call("listdir", str(exposed)).value.startswith("denied")
        ref = REPO / "solutions" / "a1_numpy_cnn" / "cnn_numpy.py"
        assert s.call("read", str(ref)).value == "denied: PermissionError"
        hidden = REPO / "assignments" / "a1_numpy_cnn" / "tests"
        assert s.call("listdir", str(hidden)).value == "denied: PermissionError"
        git = REPO / ".git"  # a folder, or a file in a git worktree
        assert s.call("read" if git.is_file() else "listdir", str(git)).value == "denied: PermissionError"
        assert s.call("add", 1, 1).value == 2  # and the interpreter still runs
    assert stat.S_IMODE(os.stat(exposed).st_mode) & 0o007 == 0
    assert stat.S_IMODE(os.stat(canary).st_mode) == 0o644  # only the folder needed sealing


def test_results_dir_is_unwritable(sub, exposed, no_landlock):
    """Can the worker write neither into a protected results folder (even one left 0777) nor next
    to its own worker code?"""
    results = exposed / "results"
    with session(sub) as s:
        assert s.call("write", str(results)).value == "wrote", "control: a world-writable folder"
    (results / "pwned.json").unlink()
    with session(sub, protect=(results,)) as s:
        assert s.call("write", str(results)).value.startswith("denied")
        assert s.call("write", str(s._private / "worker")).value.startswith("denied")
    assert list(results.iterdir()) == []


def test_landlock_hides_every_world_readable_file_but_its_own(sub, exposed):
    """Where the kernel has Landlock: is a world-readable file outside the worker's paths (the
    canary, not protected; another checkout of the course) unreadable, /tmp unwritable, while its
    scratch, /etc and /dev/null still work?"""
    with session(sub) as s:
        if not str(s.worker_info.get("landlock")).startswith("ABI"):
            pytest.skip(f"no Landlock here: {s.worker_info.get('landlock')}")
        assert s.call("read", str(exposed / "canary.txt")).value == "denied: PermissionError"
        assert s.call("write", str(exposed / "results")).value == "denied: PermissionError"
        assert s.call("write", "/tmp").value == "denied: PermissionError"
        assert s.call("read", "/etc/hostname").value.startswith("read")
        assert s.call("write", ".").value == "wrote"  # its scratch
        assert s.call("read", "/dev/null").value == "read 0 bytes"
        assert not [w for w in s.warnings if "Landlock" in w]


def test_killing_a_grader_process_is_denied(sub):
    """Can the worker signal neither a grader-side process nor the grading process itself?"""
    decoy = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        with session(sub) as s:
            assert s.call("kill", decoy.pid, 9).value == "denied: PermissionError"
            assert s.call("kill", os.getpid(), 9).value == "denied: PermissionError"
            assert s.call("kill", -1, 9).value in ("signalled", "denied: ProcessLookupError")  # only its own
            assert decoy.poll() is None
    finally:
        decoy.kill()
        decoy.wait()


def _alive_of(uid):
    return [p for p in procs.pids_of_uid(uid) if procs.alive(p)]


def test_processes_and_files_of_the_uid_are_swept_at_close(sub, monkeypatch, no_landlock):
    """Without a pids cgroup: is a detached (setsid, double-forked) grandchild, which left the
    worker's process tree, killed with the worker, and its file in /tmp removed?"""
    monkeypatch.setattr(backends.PidsCgroup, "create", classmethod(lambda cls, n: None))
    monkeypatch.setattr(budget.WorkerCgroups, "create", classmethod(lambda cls, n, m, **kw: None))  # the worker's cgroups
    name = f"agu{os.getpid() % 10**6}{int(time.time()) % 1000}"[:15]
    with session(sub) as s:
        assert s.call("detach", name).value == "detached"
        uid = s.info.uid
        time.sleep(0.2)
        alive = _alive_of(uid)
        assert len(alive) >= 2, "the worker and its detached grandchild should both be running"
        outside = set(alive) - procs.descendants(s._proc.pid) - {s._proc.pid}
        assert outside, "the grandchild should have left the worker's process tree"
        assert Path(f"/tmp/{name}").exists()
    assert _alive_of(uid) == []
    assert not Path(f"/tmp/{name}").exists()


def test_processes_left_by_a_call_are_swept_at_once(sub, no_landlock):
    """With a pids cgroup (where writable): is the worker restarted, the uid's processes and files
    swept, right after the call that left a process running, and does the next call work?"""
    if not backends.cgroup_available():
        pytest.skip("no writable pids cgroup here")
    name = f"agv{os.getpid() % 10**6}{int(time.time()) % 1000}"[:15]
    with session(sub) as s:
        r = s.call("detach", name)
        uid = s.info.uid
        assert r.value == "detached" and "left 1 process" in r.note, r
        assert _alive_of(uid) == [] and not Path(f"/tmp/{name}").exists()
        assert s.call("add", 1, 1).value == 2 and s.info.uid != uid  # a fresh uid per incarnation


def test_a_worker_that_cannot_load_seccomp_is_a_grader_error(sub, monkeypatch):
    """Fail closed: a worker whose seccomp filter cannot load must not run the submission, and the
    session must report a grader error (not the student's 0)."""
    real = backends.install_worker_files

    def broken(private):
        real(private)
        w = private / "worker" / "worker.py"
        w.write_text(w.read_text().replace("import pyseccomp as sc", "import pyseccomp_missing as sc"))
    monkeypatch.setattr(backends, "install_worker_files", broken)
    with session(sub) as s:
        assert s.grader_error and "seccomp" in s.import_status.error
        assert s.call("add", 1, 1).status == "crash"


def test_a_worker_that_skips_seccomp_is_a_grader_error(sub, monkeypatch):
    """Does the parent itself refuse a worker that started without confirming its filter?"""
    real = backends.install_worker_files

    def skipping(private):
        real(private)
        w = private / "worker" / "worker.py"
        text = w.read_text()
        assert 'if self.cfg.get("seccomp"):' in text
        w.write_text(text.replace('if self.cfg.get("seccomp"):', "if False:"))
    monkeypatch.setattr(backends, "install_worker_files", skipping)
    with session(sub) as s:
        assert s.grader_error and "seccomp" in s.import_status.error


def test_seal_keeps_the_interpreter_reachable(tmp_path):
    """Does sealing a folder that holds a kept path (a venv) leave it traverse-only, seal its other
    entries, keep the venv readable, and does ``verify_sealed`` catch what is still readable?"""
    d = Path(tempfile.mkdtemp(prefix="ag-sealtest-", dir=backends.uid_base_dir()))
    try:
        os.chmod(d, 0o755)
        for sub_dir in ("venv", "solutions", "venv/lib"):
            (d / sub_dir).mkdir()
            os.chmod(d / sub_dir, 0o755)
        for f in ("solutions/ref.py", "notes.txt", "venv/lib/mod.py"):
            (d / f).write_text("x")
            os.chmod(d / f, 0o644)
        uid = backends.session_uid()
        unsealed = [("f", str(d / "notes.txt")), ("d", str(d / "solutions"))]
        assert len(backends.verify_sealed(uid, unsealed)) == 2  # the check can fail
        nodes = backends.seal_from_other(d, [str(d / "venv")])
        assert stat.S_IMODE(os.stat(d).st_mode) == 0o751
        assert stat.S_IMODE(os.stat(d / "solutions").st_mode) == 0o750
        assert stat.S_IMODE(os.stat(d / "notes.txt").st_mode) == 0o640
        assert stat.S_IMODE(os.stat(d / "venv").st_mode) == 0o755
        assert backends.verify_sealed(uid, nodes) == []
        p = subprocess.run(["cat", str(d / "venv/lib/mod.py")], user=uid, group=uid, extra_groups=[],
                           capture_output=True)
        assert p.returncode == 0 and p.stdout == b"x"
        with pytest.raises(backends.SandboxUnavailable):  # the folder the worker needs cannot be sealed
            backends.seal_from_other(d / "venv", [str(d / "venv")])
    finally:
        shutil.rmtree(d, ignore_errors=True)
