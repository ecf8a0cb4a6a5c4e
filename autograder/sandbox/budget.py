"""Per-submission budgets the trusted parent enforces on a worker and everything it starts.

``Limits.memory_mb`` is one budget for ALL of a submission's processes together, not per process
(``RLIMIT_AS`` per process stays as a backstop): 32 processes of 2 GB each would otherwise hold 64 GB.
Two mechanisms, so that one always holds:

* the kernel: a memory cgroup of the worker incarnation (and a CPU quota, ``Limits.cpus``) (cgroup v2 ``memory.max`` + ``pids.max`` in one
  group; cgroup v1 ``memory.limit_in_bytes`` (+ ``memory.memsw.limit_in_bytes``) in the memory
  hierarchy, beside the existing pids cgroup), created where the cgroup filesystem is writable;
* the parent's watchdog (``MemoryWatch``), on every backend, while it waits for a reply: it sums the
  resident memory of the session's processes (found from ``/proc`` by cgroup, process tree and uid,
  never by anything the worker says) and kills the worker when the total is past the budget. The
  cheap ``statm`` RSS is read first; only when that sum is over the budget is the proportional size
  (``Pss`` in ``smaps_rollup``, which does not count pages shared after ``fork`` twice) read to decide.

Scratch space: under ``bwrap`` it is a size-capped tmpfs (``backends.bwrap_plan``); for the other
backends a folder on the host, bounded per file by ``RLIMIT_FSIZE`` and in total by ``scratch_usage``,
which the parent checks while it waits (and kills past the cap).

``remove_tree`` removes a scratch folder whatever the submission left in it (1,000s of levels deep,
mode 000 folders, files of the sandbox uid), one directory descriptor at a time, and never raises.
"""
from __future__ import annotations

import errno
import logging
import os
import re
import stat
import subprocess
import time
import uuid
from pathlib import Path

from autograder.sandbox import procs

log = logging.getLogger(__name__)
PAGE = os.sysconf("SC_PAGE_SIZE")
CGROUP_ROOT = Path("/sys/fs/cgroup")
#: The period of a cgroup's CPU quota (the kernel's default): ``Limits.cpus`` CPUs = that many periods' time each.
CPU_PERIOD_US = 100_000


# ----------------------------------------------------------------------------------------------
# cgroups: pids + memory of one worker incarnation

def _write(path: Path, value: str) -> None:
    with open(path, "w") as f:
        f.write(value)


def _own_v1_path(controller: str) -> str:
    """This process's cgroup in the v1 hierarchy of ``controller`` (``/`` when unknown)."""
    try:
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, ctrls, path = line.split(":", 2)
            if controller in ctrls.split(","):
                return path or "/"
    except (OSError, ValueError):
        pass
    return "/"


def _v2_controllers() -> set[str]:
    try:
        return set((CGROUP_ROOT / "cgroup.subtree_control").read_text().split())
    except OSError:
        return set()


class WorkerCgroups:
    """The cgroups one worker incarnation joins (between fork and exec): a pids cgroup (fork bombs),
    a memory cgroup (all its processes together) and a CPU quota (``Limits.cpus``: its threads cannot take
    the CPU of the submission graded beside it). Same interface as ``backends.PidsCgroup`` (``pids``,
    ``allow``, ``join_self``, ``remove``), plus ``oom_kills``, ``memory_mechanism`` and ``cpu_mechanism``."""

    def __init__(self, dirs: list[Path], pids_dir: Path | None, memory_dir: Path | None, memory_files: tuple,
                 cpu_dir: Path | None = None, cpu_files: tuple = ()):
        self.dirs, self.pids_dir, self.memory_dir = dirs, pids_dir, memory_dir
        self.memory_files = memory_files  # the limit files written, for doctor
        self.cpu_dir, self.cpu_files = cpu_dir, cpu_files
        self._oom0 = self.oom_kills()

    @classmethod
    def create(cls, max_pids: int, memory_bytes: int, cpus: float = 0.0) -> "WorkerCgroups | None":
        """Whatever of pids + memory (+ a quota of ``cpus`` CPUs when > 0) can be created here (None when
        none can)."""
        name = f"autograder-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        quota = f"{max(1000, int(cpus * CPU_PERIOD_US))} {CPU_PERIOD_US}" if cpus > 0 else ""
        controllers = _v2_controllers()
        if {"pids", "memory"} <= controllers and os.access(CGROUP_ROOT, os.W_OK):
            path = CGROUP_ROOT / name
            try:
                path.mkdir()
                _write(path / "pids.max", str(max_pids))
                _write(path / "memory.max", str(memory_bytes))
                files = ["memory.max"]
                if (path / "memory.swap.max").exists():
                    _write(path / "memory.swap.max", "0")
                    files.append("memory.swap.max")
                cpu = ()
                if quota and "cpu" in controllers:
                    try:  # a quota the parent does not allow costs the quota only, not the memory and pids limits
                        _write(path / "cpu.max", quota)
                        cpu = ("cpu.max",)
                    except OSError as e:
                        log.info("no CPU quota in %s: %s", path, e)
                return cls([path], path, path, tuple(files), path if cpu else None, cpu)
            except OSError as e:
                log.info("cgroup v2 %s unusable: %s", path, e)
                _rmdir(path)
        from autograder.sandbox.backends import PidsCgroup  # the pids cgroup as before (v1 or v2)

        pids = PidsCgroup.create(max_pids)
        memory, files = _v1_group("memory", name, [("memory.limit_in_bytes", str(memory_bytes), True),
                                                   ("memory.memsw.limit_in_bytes", str(memory_bytes), False)])
        # the quota only below this process's own cpu group: at the root it would escape a limit set above us
        cpu, cpu_files = _v1_group("cpu", name, [("cpu.cfs_period_us", str(CPU_PERIOD_US), True),
                                                 ("cpu.cfs_quota_us", quota.split()[0], True)], root_too=False) \
            if quota else (None, ())
        dirs = [d for d in (pids.path if pids else None, memory, cpu) if d is not None]
        if not dirs:
            return None
        return cls(dirs, pids.path if pids else None, memory, files, cpu, cpu_files)

    def pids(self) -> list[int]:
        out: set[int] = set()
        for d in self.dirs:
            try:
                out |= {int(x) for x in (d / "cgroup.procs").read_text().split()}
            except (OSError, ValueError):
                pass
        return sorted(out)

    def join_self(self) -> None:
        """Called in the child between fork and exec (``preexec_fn``): only os.open/os.write."""
        for d in self.dirs:
            fd = os.open(str(d / "cgroup.procs"), os.O_WRONLY)
            try:
                os.write(fd, b"0")
            finally:
                os.close(fd)

    def oom_kills(self) -> int:
        """How many processes the kernel killed for this cgroup's memory limit (v2 ``memory.events``,
        v1 ``memory.oom_control``); ``failcnt`` is not used: the kernel reclaims cache before it kills."""
        if self.memory_dir is None:
            return 0
        for fname in ("memory.events", "memory.oom_control"):
            try:
                for line in (self.memory_dir / fname).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
            except (OSError, ValueError):
                continue
        return 0

    def oom_killed(self) -> bool:
        return self.oom_kills() > self._oom0

    def remove(self) -> None:
        for d in self.dirs:
            _rmdir(d)

    @property
    def cpu_mechanism(self) -> str:
        if self.cpu_dir is None:
            return ""
        return f"CPU quota ({', '.join(self.cpu_files)} under {self.cpu_dir.parent})"

    @property
    def memory_mechanism(self) -> str:
        if self.memory_dir is None:
            return ""
        return f"memory cgroup ({', '.join(self.memory_files)} under {self.memory_dir.parent})"


def _v1_group(controller: str, name: str, settings: list[tuple[str, str, bool]], *, root_too: bool = True
              ) -> tuple[Path | None, tuple]:
    """A cgroup v1 group ``name`` of ``controller`` below this process's own (so limits above still apply),
    else (``root_too``) below the root, with each ``(file, value, required)`` of ``settings`` written (an
    optional file only where it exists: swap accounting); ``(its path, the files written)``, or ``(None, ())``."""
    root = CGROUP_ROOT / controller
    if not (root / "cgroup.procs").exists():
        return None, ()
    own = root / _own_v1_path(controller).lstrip("/")
    for parent in dict.fromkeys([own, root] if root_too else [own]):
        path = parent / name
        try:
            path.mkdir()
        except OSError:
            continue
        try:
            files = []
            for fname, value, required in settings:
                if required or (path / fname).exists():
                    _write(path / fname, value)
                    files.append(fname)
            return path, tuple(files)
        except OSError as e:
            log.info("cgroup v1 %s %s unusable: %s", controller, path, e)
            _rmdir(path)
    return None, ()


def _rmdir(path: Path) -> None:
    for _ in range(50):  # the kernel drops dead tasks asynchronously: a busy cgroup frees soon
        try:
            path.rmdir()
            return
        except FileNotFoundError:
            return
        except OSError as e:
            if e.errno != errno.EBUSY:
                return
            time.sleep(0.02)


#: what the kernel limit allows beyond ``memory_mb`` and the tmpfs folders: page cache, kernel memory
CGROUP_SLACK_BYTES = 128 * 2**20
#: the size of bwrap's private /tmp (``backends.bwrap_plan``)
TMP_TMPFS_BYTES = 64 * 2**20


def cgroup_memory_bytes(limits) -> int:
    """The memory cgroup's hard limit: the processes' budget (``memory_mb``, which the watchdog holds
    them to with a clear message), plus the tmpfs folders whose pages the kernel charges to the
    cgroup (bwrap's /scratch and /tmp, each size-capped), plus slack for page cache and kernel memory.
    A limit of exactly ``memory_mb`` makes the kernel reclaim the worker's own code pages near the
    cap and thrash (a 1 s call then times out) instead of failing the allocation."""
    return limits.memory_mb * 2**20 + limits.max_scratch_bytes + TMP_TMPFS_BYTES + CGROUP_SLACK_BYTES


def memory_mechanism(memory_mb: int) -> tuple[str, str]:
    """``(kind, detail)`` of what bounds a submission's memory here: ``"cgroup"`` (kernel limit +
    watchdog) or ``"watchdog"`` (the parent's watchdog only), each with ``RLIMIT_AS`` per process. For doctor."""
    cg = WorkerCgroups.create(8, memory_mb * 2**20)
    try:
        if cg is not None and cg.memory_dir is not None:
            return "cgroup", (f"{memory_mb} MB for all processes together: the parent's watchdog (sum of their "
                              f"memory from /proc), and a kernel limit ({cg.memory_mechanism}: the budget + the "
                              "tmpfs folders + slack); RLIMIT_AS per process")
    finally:
        if cg is not None:
            cg.remove()
    return "watchdog", (f"{memory_mb} MB for all processes together: the parent's watchdog only (sum of their "
                        "memory from /proc, no writable memory cgroup here); RLIMIT_AS per process")


_CGROUP_NAME = re.compile(r"autograder-(\d+)-[0-9a-f]{8}")


def cgroup_parents() -> list[Path]:
    """Where this engine makes its cgroups: the v2 root, and each v1 hierarchy's root and this process's
    own group in it (``WorkerCgroups.create``, ``backends.PidsCgroup``)."""
    out = [CGROUP_ROOT]
    for controller in ("pids", "memory", "cpu"):
        root = CGROUP_ROOT / controller
        out += [root, root / _own_v1_path(controller).lstrip("/")]
    return [p for p in dict.fromkeys(out) if (p / "cgroup.procs").exists()]


def remove_orphan_cgroups() -> list[Path]:
    """Remove the empty cgroups ``autograder-<pid>-*`` of processes that no longer run (a killed batch's
    workers' groups: the kernel keeps an empty group until it is removed); return them. A group that still
    holds a process, or whose maker runs, is left alone."""
    removed = []
    for entry, _ in procs.orphaned_entries(cgroup_parents(), _CGROUP_NAME, 1):
        try:
            os.rmdir(entry.path)  # fails (EBUSY) while a process is in it
        except OSError:
            continue
        removed.append(Path(entry.path))
    return removed


def cpu_mechanism(cpus: float) -> str:
    """What bounds a submission's CPU here (one line, for ``doctor``): a cgroup quota of ``cpus`` CPUs, or
    nothing (its threads then compete with the submission graded beside it; its budgets are wall clock)."""
    if cpus <= 0:
        return "no CPU quota (Limits.cpus = 0)"
    cg = WorkerCgroups.create(8, 64 * 2**20, cpus=cpus)
    try:
        if cg is not None and cg.cpu_dir is not None:
            return f"{cpus:g} CPU(s) for all the submission's processes and threads together: a {cg.cpu_mechanism}"
    finally:
        if cg is not None:
            cg.remove()
    return ("no CPU quota (no writable cgroup with the cpu controller here): a submission's threads compete with "
            "the one graded beside it; grade with --jobs 1 where that matters")


# ----------------------------------------------------------------------------------------------
# the parent's watchdog

def tree_pids(root: int) -> set[int]:
    """``root`` and its descendants, from ``/proc/PID/task/TID/children`` (cheap); falls back to a
    full process-table scan where that file does not exist."""
    out, todo = {root}, [root]
    while todo:
        pid = todo.pop()
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/children") as f:
                    kids = [int(x) for x in f.read().split()]
            except FileNotFoundError:
                if pid == root and tid == str(root):
                    return {root} | procs.descendants(root)
                continue
            except (OSError, ValueError):
                continue
            for k in kids:
                if k not in out:
                    out.add(k)
                    todo.append(k)
    return out


def rss_bytes(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


def pss_bytes(pid: int) -> int:
    """Proportional set size (pages shared with other processes counted by share); RSS when unreadable."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
            for line in f:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return rss_bytes(pid)


class MemoryWatch:
    """Sums the memory of one session's processes; ``over()`` says when the total passed the budget.

    The session's processes: the members of its cgroups, when it has some; else the worker's process
    tree, plus (every ``uid_every`` checks, a full /proc scan) every process of the session's own uid."""

    def __init__(self, root: int, budget_bytes: int, *, cgroup=None, uid: int | None = None,
                 interval_s: float = 0.2, uid_every: int = 5):
        self.root, self.budget, self.cgroup, self.uid = root, budget_bytes, cgroup, uid
        self.interval_s, self.uid_every = interval_s, uid_every
        self.next_check = 0.0
        self.checks = 0
        self.peak = 0

    def members(self) -> set[int]:
        if self.cgroup is not None:
            found = set(self.cgroup.pids())
            if found:
                return found
        found = tree_pids(self.root)
        if self.uid is not None and self.uid != 0 and self.checks % self.uid_every == 0:
            found |= procs.pids_of_uid(self.uid)
        return found

    def total(self) -> int:
        """The session's memory now: the RSS sum, or the PSS sum when the RSS sum is over the budget."""
        members = self.members() - {os.getpid()}
        total = sum(rss_bytes(p) for p in members)
        if total > self.budget:
            total = sum(pss_bytes(p) for p in members)
        self.peak = max(self.peak, total)
        return total

    def over(self, now: float | None = None) -> int:
        """0, or the total (bytes) when it is past the budget; checks at most every ``interval_s``."""
        now = time.monotonic() if now is None else now
        if now < self.next_check:
            return 0
        self.next_check = now + self.interval_s
        total = self.total()
        self.checks += 1
        return total if total > self.budget else 0


def scratch_usage(path: Path | str, max_entries: int) -> tuple[int, int]:
    """``(bytes allocated, entries)`` under ``path`` (no symlinks followed, the walk stops after
    ``max_entries`` entries: the caller treats that as over the cap)."""
    used, entries = 0, 0
    todo = [str(path)]
    while todo and entries <= max_entries:
        try:
            it = os.scandir(todo.pop())
        except OSError:
            continue
        with it:
            for e in it:
                entries += 1
                try:
                    st = e.stat(follow_symlinks=False)
                except OSError:
                    continue
                used += st.st_blocks * 512
                if stat.S_ISDIR(st.st_mode):
                    todo.append(e.path)
                if entries > max_entries:
                    break
    return used, entries


# ----------------------------------------------------------------------------------------------
# removal that no submission can defeat

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


def _open_dir(name: str, dir_fd: int | None) -> int:
    """Open a directory without following symlinks; a mode-000 one is made 0700 first (through an
    ``O_PATH`` descriptor of that very inode, so a swapped-in symlink is never followed)."""
    try:
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)
    except PermissionError:
        pfd = os.open(name, os.O_PATH | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=dir_fd)
        try:
            os.chmod(f"/proc/self/fd/{pfd}", 0o700)
        finally:
            os.close(pfd)
        return os.open(name, _DIR_FLAGS, dir_fd=dir_fd)


def _remove_iteratively(path: str) -> list[str]:
    """Depth-first removal holding ONE directory descriptor at a time (a 10,000-deep chain needs no
    recursion and no path longer than a name); returns the errors, raises nothing it can catch."""
    errors: list[str] = []
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return errors
    if not stat.S_ISDIR(st.st_mode):
        os.unlink(path)
        return errors
    fd = _open_dir(path, None)
    names: list[str] = []  # the path from ``path`` down to the directory ``fd`` is
    skipped: list[set[str]] = [set()]  # per level: entries that could not be removed
    try:
        while True:
            child = None
            with os.scandir(fd) as it:
                for e in it:
                    if e.name in skipped[-1]:
                        continue
                    try:
                        is_dir = e.is_dir(follow_symlinks=False)
                    except OSError:
                        is_dir = False
                    if is_dir:
                        child = e.name
                        break
                    try:
                        os.unlink(e.name, dir_fd=fd)
                    except FileNotFoundError:
                        pass
                    except OSError as exc:
                        errors.append(f"{'/'.join(names + [e.name])}: {exc.strerror}")
                        skipped[-1].add(e.name)
            if child is not None:
                try:
                    cfd = _open_dir(child, fd)
                except OSError as exc:
                    errors.append(f"{'/'.join(names + [child])}: {exc.strerror}")
                    skipped[-1].add(child)
                    continue
                os.close(fd)
                fd = cfd
                names.append(child)
                skipped.append(set())
                continue
            if not names:  # back at the top, and it is empty (or only holds what could not go)
                break
            parent = os.open("..", _DIR_FLAGS, dir_fd=fd)
            os.close(fd)
            fd = parent
            name = names.pop()
            skipped.pop()
            try:
                os.rmdir(name, dir_fd=fd)
            except OSError as exc:
                errors.append(f"{'/'.join(names + [name])}: {exc.strerror}")
                skipped[-1].add(name)
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except OSError as exc:
        errors.append(f"{path}: {exc.strerror}")
    return errors


def remove_tree(path: Path | str | None, *, what: str = "scratch folder") -> bool:
    """Remove ``path`` and everything in it; True when it is gone. Never raises: a submission's
    leftovers must not turn its score into a grader error. Falls back to ``rm -rf --one-file-system``
    and logs what is left."""
    if path is None:
        return True
    path = str(path)
    try:
        errors = _remove_iteratively(path)
    except Exception as exc:  # noqa: BLE001 - logged; the fallback below tries again
        errors = [f"{type(exc).__name__}: {exc}"]
    if not os.path.lexists(path):
        return True
    try:
        subprocess.run(["rm", "-rf", "--one-file-system", "--", path], capture_output=True, timeout=120,
                       stdin=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError) as exc:
        errors.append(f"rm -rf: {exc}")
    if os.path.lexists(path):
        log.error("could not remove the %s %s: %s", what, path, "; ".join(errors[:5]) or "unknown reason")
        return False
    return True
