"""Process-table helpers of the trusted parent: find and kill everything a worker left behind.

Linux only (reads ``/proc``). Nothing here trusts the worker: a process is found by its parent
chain, its uid (when the session has a uid of its own) or its cgroup, never by something it says.
"""
from __future__ import annotations

import os
import re
import signal
import time


def proc_table() -> dict[int, tuple[int, int]]:
    """``{pid: (ppid, real uid)}`` of every visible process."""
    out: dict[int, tuple[int, int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            uid = os.stat(f"/proc/{name}").st_uid  # the owner of /proc/PID is the euid
        except (OSError, ValueError, IndexError):
            continue
        out[int(name)] = (ppid, uid)
    return out


def descendants(root: int, table: dict[int, tuple[int, int]] | None = None) -> set[int]:
    table = proc_table() if table is None else table
    children: dict[int, list[int]] = {}
    for pid, (ppid, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = set(), [root]
    while todo:
        for c in children.get(todo.pop(), []):
            if c not in out:
                out.add(c)
                todo.append(c)
    return out


def pids_of_uid(uid: int, table: dict[int, tuple[int, int]] | None = None) -> set[int]:
    table = proc_table() if table is None else table
    return {pid for pid, (_, u) in table.items() if u == uid}


def find_cmdline(token: str) -> list[int]:
    """Pids whose command line contains ``token`` (tests and doctor: "did the grandchild survive?")."""
    hits = []
    needle = token.encode()
    for name in os.listdir("/proc"):
        if name.isdigit() and int(name) != os.getpid():
            try:
                with open(f"/proc/{name}/cmdline", "rb") as f:
                    if needle in f.read():
                        hits.append(int(name))
            except OSError:
                pass
    return hits


def _kill(pid: int, sig: int = signal.SIGKILL) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def kill_worker_tree(root: int, *, uid: int | None = None, cgroup=None, rounds: int = 200) -> int:
    """Kill ``root`` (the worker, or bwrap) and everything it started; return how many extra
    processes were killed.

    The root is stopped first and killed last: the worker is a child subreaper (process backend),
    so while it exists, orphans of killed children re-parent to it and the next round finds them.
    ``uid`` (a uid owned by this session alone) and ``cgroup`` catch processes that escaped the tree.
    """
    _kill(root, signal.SIGSTOP)
    killed: set[int] = set()
    for _ in range(rounds):
        table = proc_table()
        found = descendants(root, table)
        if uid is not None and uid != 0:
            found |= pids_of_uid(uid, table)
        if cgroup is not None:
            found |= set(cgroup.pids())
        found.discard(root)
        found.discard(os.getpid())
        alive_now = {p for p in found if alive(p)}
        if not alive_now:
            break
        for p in alive_now:
            _kill(p)
        killed |= alive_now
        time.sleep(0.005)
    try:
        os.killpg(root, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    _kill(root)
    return len(killed)


def orphaned_entries(folders, name: "re.Pattern[str]", pid_group: str | int):
    """``(entry, match)`` for each entry of ``folders`` whose name matches ``name`` with the pid of its maker in
    group ``pid_group``, a process that no longer runs (``alive``; never this process): what a killed
    process left behind. A folder that cannot be listed is skipped."""
    for folder in folders:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            m = name.fullmatch(entry.name)
            if m is not None and int(m.group(pid_group)) != os.getpid() and not alive(int(m.group(pid_group))):
                yield entry, m


def alive(pid: int) -> bool:
    """True unless the process is gone or a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
        return stat[stat.rindex(b")") + 2:stat.rindex(b")") + 3] != b"Z"
    except (OSError, ValueError):
        return False
