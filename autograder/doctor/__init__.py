"""``doctor``: prove, on this machine, which sandbox guarantees hold.

Runs the hostile sample submission (``samples/hostile_submission.py``) through every sandbox backend
of ``backends.REGISTRY`` that can start here and prints one row per guarantee: the grader's files and the network are out
of reach, the results dir cannot be written, other processes cannot be signalled, the worker runs
as an unprivileged uid, the assignments' forbidden packages cannot be imported even with the import
hook removed, timeouts / memory caps / fork bombs are enforced, detached processes die with the
session, memory is one budget for all the submission's processes and scratch space is capped. Every probe is *attempted* and judged by the trusted parent, never assumed.

The ``uid`` backend (root without namespaces) is probed too, with rows of its own: its seccomp
filter, its Landlock confinement, and the sealing of the grader's files (a world-readable canary in
a folder every user can reach, which the session must seal before its worker starts).

Returns non-zero when grading would refuse (no bwrap and no uid: only the unsafe ``process``
backend is left) or no backend can run a submission at all, and (``require=True``, the Gradescope
``setup.sh``) when any guarantee fails on the backend grading would use.
"""
from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.core.assignment import AssignmentError, load_assignment
from autograder.core.calls import CRASH, OK, TIMEOUT, Limits
from autograder.sandbox import WorkerSession, backends, budget, procs, site_dirs

PROBE = Path(__file__).resolve().parent / "samples" / "hostile_submission.py"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Row:
    """One guarantee as measured on one backend."""

    backend: str
    guarantee: str
    holds: bool | None
    """True / False; None = could not be measured."""
    detail: str


def probe_backend(backend: str, *, timeout_s: float = 3.0, memory_mb: int = 384) -> list[Row]:
    """Run every probe through ``backend`` and judge the results."""
    rows: list[Row] = []

    def add(name, holds, detail):
        rows.append(Row(backend, name, holds, detail))

    # uid: in a folder every user can reach, so that only the session's sealing (and Landlock) hides it
    work = Path(tempfile.mkdtemp(prefix="ag-doctor-", dir=backends.get(backend).session_base()))
    os.chmod(work, 0o755)
    canary = work / "canary_solution.py"
    canary.write_text("SECRET = 'reference answer'\n")
    os.chmod(canary, 0o644)  # world-readable on purpose: only the sandbox may hide it
    results = work / "results"
    results.mkdir()
    os.chmod(results, 0o777)  # even a world-writable results folder must be out of the worker's reach
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = listener.getsockname()[1]
    decoy = subprocess.Popen(["sleep", "300"], stdin=subprocess.DEVNULL, start_new_session=True)
    token = f"3600.{secrets.randbelow(10**9):09d}"
    limits = Limits(call_timeout_s=timeout_s, memory_mb=memory_mb, max_processes=32, max_restarts=100)
    forbidden = forbidden_packages()
    try:
        s = WorkerSession(PROBE, "hostile_submission", backend=backend, limits=limits, need_torch=False,
                          forbidden_imports=forbidden, protect=(work,))
    except Exception as e:  # noqa: BLE001
        add("worker starts", False, f"{type(e).__name__}: {e}")
        _cleanup(work, listener, decoy)
        return rows
    try:
        if s.import_status is None or s.import_status.status != OK:
            add("worker starts", False, s.import_status.error if s.import_status else "no worker")
            return rows
        add("worker starts", True, f"{s.info.reason}" + (f"; {len(s.warnings)} warning(s)" if s.warnings else ""))
        if backend == "uid":
            sc, ll = s.worker_info.get("seccomp"), s.worker_info.get("landlock")
            add("seccomp filter (no sockets, ptrace, exec)", bool(sc), str(sc or "not loaded"))
            add("filesystem confined (Landlock)", str(ll).startswith("ABI"),
                str(ll) if ll else "not requested")
            mode = os.stat(work).st_mode & 0o777
            add("grader files sealed from other users", not mode & 0o007,
                f"this probe's folder now mode {mode:o}; {len(getattr(s, 'sealed', []))} path(s) sealed and "
                "checked as the uid (the probe's folder, the engine checkout's solutions/, assignments/, dist/, .git)")

        who = s.call("whoami").value or {}
        uid_map = who.get("uid_map", "").split()
        outer = int(uid_map[1]) if len(uid_map) >= 2 and uid_map[0] == str(who.get("uid")) else who.get("uid")
        if uid_map[:1] == ["0"] and uid_map[1:2] == ["0"]:
            outer = who.get("uid")
        add("runs as an unprivileged uid", who.get("uid") not in (0, None) and outer != 0,
            f"uid {who.get('uid')} inside" + (f", uid {outer} outside (user namespace)" if outer != who.get("uid") else ""))

        r1 = s.call("try_connect", "127.0.0.1", port).value
        r2 = s.call("try_connect", "1.1.1.1", 53).value
        add("network blocked", str(r1).startswith("denied") and str(r2).startswith("denied"),
            f"grader's loopback port: {r1}; internet: {r2}")

        r1 = s.call("try_read", str(canary)).value
        sol = REPO / "solutions"
        r2 = s.call("try_list", str(sol)).value if sol.is_dir() else "denied: (no solutions/ here)"
        add("grader files unreadable", str(r1).startswith("denied") and str(r2).startswith("denied"),
            f"canary outside scratch: {r1}; {sol}: {r2}")

        r = s.call("try_write", str(results)).value
        add("results dir unwritable", str(r).startswith("denied") and not (results / "pwned.json").exists(), str(r))

        add(*_forbidden_row(s, forbidden))

        r1 = s.call("try_kill", decoy.pid, 15).value
        time.sleep(0.05)
        r2 = s.call("try_signal_parent").value
        add("grader processes unkillable", decoy.poll() is None and str(r1).startswith("denied"),
            f"kill(decoy pid {decoy.pid}): {r1}; signal 0 to parent: {r2}")

        t0 = time.monotonic()
        r = s.call("spin")
        el = time.monotonic() - t0
        after = s.call("whoami")
        add("timeout enforced", r.status == TIMEOUT and el < timeout_s + 2 and after.ok,
            f"{r.status} after {el:.1f} s (limit {timeout_s:g} s); next call: {after.status}")

        r = s.call("hog", memory_mb * 2)
        add("memory cap enforced", r.status == CRASH and "memory" in r.error.lower(),
            f"allocating {memory_mb * 2} MB: {r.status}: {r.error[:80]}")

        t0 = time.monotonic()
        r = s.call("fork_bomb")
        after = s.call("whoami")
        bounded = r.status == OK and str(r.value).startswith("fork failed") or r.status in (CRASH, "error")
        add("fork bomb bounded", bounded and after.ok,
            f"{r.status}: {r.value or r.error} in {time.monotonic() - t0:.1f} s; {r.note or 'no cleanup note'}; "
            f"next call: {after.status}")

        r = s.call("detach", token)
    finally:
        s.close()
        time.sleep(0.1)
    if rows and rows[0].holds:
        left = procs.find_cmdline(token)
        for pid in left:  # don't leave it running just because the guarantee failed
            try:
                os.kill(pid, 9)
            except OSError:
                pass
        add("detached processes killed", not left and r.status == OK,
            f"setsid double-fork grandchild: {'survived' if left else 'gone'} after the session ({r.status})")
        for w in s.warnings:
            add("warning", None, w)
        for name, holds, detail in _budget_rows(backend):
            add(name, holds, detail)
    _cleanup(work, listener, decoy)
    return rows


def forbidden_packages(root: Path = REPO) -> tuple[str, ...]:
    """The forbidden imports of every assignment under ``root/assignments`` (A1: torch, scipy, ...);
    ``("torch", "scipy")`` where there is none."""
    names: list[str] = []
    for toml in sorted((root / "assignments").glob("*/assignment.toml")):
        try:
            names += load_assignment(toml.parent.name, root).forbidden_imports
        except AssignmentError:
            continue
    return tuple(dict.fromkeys(names)) or ("torch", "scipy")


def _forbidden_row(s: WorkerSession, names: tuple[str, ...]) -> tuple[str, bool, str]:
    """Each forbidden package, imported inside the sandbox with the worker's import hook removed and
    every package folder of the host (base interpreter, system dist-packages) added to ``sys.path``."""
    paths = site_dirs.candidate_dirs()
    parts, holds = [], True
    for name in names:
        r = s.call("import_hidden", name, paths)
        got = str(r.value) if r.ok else f"{r.status}: {r.error[:80]}"
        where = [d for d in paths if os.path.exists(os.path.join(d, name))]
        on_host = f"on the host in {', '.join(where)}" if where else "not installed on the host"
        holds = holds and r.ok and got.startswith("denied")
        parts.append(f"{name}: {got.split(':')[0] if got.startswith('denied') else got} ({on_host})")
    detail = "; ".join(parts) + " [import hook removed, host package folders on sys.path]"
    return "forbidden packages absent", holds, detail


def _budget_rows(backend: str, memory_mb: int = 384, scratch_mb: int = 16) -> list[tuple[str, bool, str]]:
    """Memory and scratch space are budgets of the whole submission: measured with a fresh session."""
    rows = []
    limits = Limits(call_timeout_s=8.0, memory_mb=memory_mb, max_scratch_bytes=scratch_mb * 2**20, max_restarts=10)
    _, mechanism = budget.memory_mechanism(memory_mb)
    try:
        s = WorkerSession(PROBE, "hostile_submission", backend=backend, limits=limits, need_torch=False)
    except Exception as e:  # noqa: BLE001
        return [("memory bounded per submission", False, f"{type(e).__name__}: {e}")]
    with s:
        n, mb = 3, memory_mb // 2  # each child under the per-process cap, together over the budget
        r = s.call("hog_children", n, mb)
        after = s.call("whoami")
        held = (r.status == CRASH and "together" in r.error) or "together" in r.note
        rows.append(("memory bounded per submission", held and after.ok,
                     f"{mechanism}. {n} children x {mb} MB: {r.status}: {r.error or r.value}"
                     + (f"; {r.note}" if r.note else "") + f"; next call: {after.status}"))
        r = s.call("fill_scratch", 4 * scratch_mb)
        if backends.get(backend).scratch_capped:
            got = str(r.value) if r.ok else ""
            held = got.startswith("stopped") and "errno 28" in got  # ENOSPC: the tmpfs is full
            how = f"a {scratch_mb} MB tmpfs"
        else:
            held = r.status == CRASH and "scratch" in r.error
            how = f"a {scratch_mb} MB folder checked by the parent"
        rows.append(("scratch space capped", held,
                     f"{how}; writing {4 * scratch_mb} MB: {r.status}: {r.value or r.error}"))
    return rows


def _cleanup(work, listener, decoy):
    listener.close()
    decoy.kill()
    decoy.wait()
    shutil.rmtree(work, ignore_errors=True)


def main(*, backend: str = "auto", require: bool = False) -> int:
    """Probe the sandbox backends and print a table of guarantees.

    backend: ``"auto"`` (probe every backend, report which one grading would pick) or a name of
        ``backends.REGISTRY`` (probe only that one).
    require: also fail unless every guarantee holds on the backend grading would use (and that
        backend is not ``process``); each failure is printed as ``REQUIRED: ...`` with its reason.
    Returns 0 when at least one backend runs submissions (and, with ``require``, every guarantee of
    the chosen one holds), 1 otherwise.
    """
    from rich.console import Console
    from rich.table import Table

    console = Console()
    for name, b in backends.REGISTRY.items():
        console.print(f"{name}: {b.availability()}")
        for line in b.details():
            console.print(f"  {line}")
    for name, text in limit_mechanisms().items():
        console.print(f"limits, {name}: {text}")
    kind, detail = budget.memory_mechanism(Limits().memory_mb)
    console.print(f"limits, memory per submission ({kind}): {detail}")
    console.print(f"limits, CPU per submission: {budget.cpu_mechanism(Limits().cpus)}")
    refused = False
    try:
        chosen, reason = backends.choose(backend)
        console.print(f"grading would use: [bold]{chosen}[/bold] ({reason})")
    except backends.SandboxUnavailable as e:
        console.print(f"[red]grading would refuse: {e}[/red]")
        refused = True
    except ValueError as e:
        console.print(f"[red]{e}[/red]")
        return 1
    names = [name for name, b in backends.REGISTRY.items() if backend in ("auto", name) and b.status()[0]]
    table = Table(title="sandbox guarantees on this machine")
    table.add_column("guarantee")
    for b in names:
        table.add_column(b)
    results: dict[str, dict[str, Row]] = {}
    order: list[str] = []
    warnings: list[Row] = []
    for b in names:
        for row in probe_backend(b):
            if row.guarantee == "warning":
                warnings.append(row)
                continue
            results.setdefault(row.guarantee, {})[b] = row
            if row.guarantee not in order:
                order.append(row.guarantee)
    for g in order:
        cells = []
        for b in names:
            row = results[g].get(b)
            if row is None:
                cells.append("-")
            else:
                mark = {True: "[green]yes[/green]", False: "[red]NO[/red]", None: "?"}[row.holds]
                cells.append(f"{mark} {row.detail}")
        table.add_row(g, *cells)
    console.print(table)
    for w in warnings:
        console.print(f"[yellow]{w.backend}: {w.detail}[/yellow]")
    working = [b for b in names if results.get("worker starts", {}).get(b) and results["worker starts"][b].holds]
    if not working:
        console.print("[red]no sandbox backend can run submissions on this machine[/red]")
        return 1
    if require and not refused:
        # the chosen backend's own rows (the others' extra rows, e.g. uid's seccomp, are not its guarantees)
        failed = required_failures(chosen, {g: rows[chosen] for g, rows in results.items() if chosen in rows})
        for line in failed:
            console.print(f"[red]REQUIRED: {line}[/red]", soft_wrap=True)
        return 1 if failed else 0
    return 1 if refused else 0


def limit_mechanisms() -> dict[str, str]:
    """How memory and processes are bounded here (one line each, for ``doctor``)."""
    cgroup = backends.cgroup_available()
    return {"memory": "RLIMIT_AS per worker process (RLIMIT_DATA with CUDA)",
            "processes": "RLIMIT_NPROC on the worker's own uid (bwrap as root, uid)"
                         + ("; a pids cgroup (pids.max) per worker" if cgroup else "; no writable pids cgroup here")}


def required_failures(chosen: str, rows: dict[str, Row | None]) -> list[str]:
    """What ``doctor --require`` refuses: the UNSAFE ``process`` backend, or any guarantee of the
    chosen backend that did not hold (or was listed but not measured: None), each with its detail."""
    failed = [] if backends.get(chosen).isolates else [f"grading would use the UNSAFE {chosen} backend (no isolation)"]
    failed += [f"{g} does not hold on {chosen}: {row.detail if row else 'not measured'}"
               for g, row in rows.items() if row is None or row.holds is not True]
    return failed
