"""Hostile submissions, graded end to end through ``grade`` under every available sandbox backend.

Each folder here is one attack: ``submission.py`` (or ``submission.ipynb``), or ``build.py`` with
``build(dest, case, ctx) -> Path`` (for a zip, a notebook, or a file that needs the test's canary
folder / port), and ``expected_outcome.json``::

    {
      "notes": "what the attack is",
      "backends": ["bwrap", "uid", "process"],  # where the grader is expected to stop it (graded only there)
      "earned_questions": ["q01_sizes"],  # optional: these questions score full marks, all others 0
      "min_score": 0, "max_score": 0,     # optional bounds on the total
      "status": "ok",                     # extra_data.status of the results JSON (default "ok"; or a list)
      "message_fragment": "...",          # optional: appears in the results JSON texts or the feedback
      "hidden_absent_fragment": "...",    # optional: appears in no hidden case's message (journal)
      "max_results_bytes": 262144,        # optional: the results JSON stays small
      "inert_outputs": "MARKER",          # optional: text carrying MARKER is inert in every output and
                                          # never a CLI warning (terminal and markup injection)
      "tamper_results": true,             # optional: the test rewrites results/<case>.json mid-batch
                                          # (and again before a --resume): reported and repaired
      "full_marks": true,                 # optional: the submission scores the maximum
      "max_student_wall_s": 75,           # optional: grading it took at most this long (journal's wall_s)
      "every_bwrap_binary": true,         # optional: also graded with each other working bwrap binary
      "nothing_left_in_temp": true,       # optional: the batch's temporary folder is empty afterwards
      "xfail": {"process": "why"}         # optional: a known engine bug, per backend (strict xfail)
    }

In a submission, the line ``# @@REFERENCE_Q01@@`` becomes the reference solution up to ``q01``'s last
function (correct copies that must still earn their points), ``# @@REFERENCE@@`` the whole reference,
and ``# @@ATTACK_KIT@@`` the code of ``attack_kit.py``.

bwrap binaries: ``bwrap`` grades with the binary the grader picks (system first, else the bundled
one); ``bwrap@system`` / ``bwrap@bundled`` (``AG_BWRAP`` set to that binary) grade the cases marked
``every_bwrap_binary`` with each OTHER binary that works here, so both run where both exist (CI).

The ``uid`` backend's batches run with every bwrap hidden (``AG_BWRAP=""``, in the grading processes
too): what is shown is uid alone, as in a container that refuses namespaces. It is skipped with
``backends.uid_status()``'s reason where it cannot run (not root; an interpreter other users cannot
read, e.g. under ``/root``: .ci/run allows traversal of ``/root``).

One batch per backend grades all its cases together with two honest submissions (the reference and
a mutant); a second batch grades the honest ones alone. The assignment is a copy of
``assignments/a1_numpy_cnn`` in a temporary root with short limits (2 s per call, 60 s per
submission, 1024 MB). Checks: every case's score/status/message; the honest results identical to the
honest-only batch (results, feedback, journal entry, gradebook row); no file outside the batch's
output changes (a canary folder, the temporary root, the repo's ``solutions/``, ``assignments/``,
``autograder/sandbox/``); the output folder holds only what the grader wrote; no process of the batch
outlives it (2 s grace); no TCP connection reaches a port the test listens on.

Debugging aid (not used in CI): ``AGADV_BACKENDS=in-process AGADV_CASES=numpy_patch,read_reference
pytest tests/adversarial`` grades the named cases with trusted in-process grading (no sandbox), which
must make the checks fail: that is how each check was seen to fail before being trusted. Never
name kill_parent, loop_at_import, detached_escape or fork_bomb there. ``AGADV_CASES`` alone grades
the named cases on every backend, listed there or not (to see what ``process`` lets through; the
escape cases then write next to the repo's worker code: delete ``autograder/sandbox/agadv_pwned_*``).
"""
from __future__ import annotations

import csv
import hashlib
import importlib.util
import io
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from autograder.grade import batch
from autograder.grade.pool import start_fork_server
from autograder.sandbox import backends
from autograder.verify.mutants import load_mutants

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
ASSIGNMENT = "a1_numpy_cnn"
HONEST = ("honest_reference", "honest_mutant")
MUTANT = "l2_pool_no_sqrt"
CASES = sorted(p.name for p in HERE.iterdir() if (p / "expected_outcome.json").is_file())
EXPECTED = {c: json.loads((HERE / c / "expected_outcome.json").read_text()) for c in CASES}
PWNED = b"AGADV-PWNED:"  # what the attacks write (attack_kit.py)
GRACE_S = 2.0
SANDBOX_UID_MIN = 3_000_000

HAVE_BWRAP = backends.bwrap_status()[0] is not None


def bwrap_binaries() -> dict[str, str]:
    """``{"system"/"bundled": path}`` of the bwrap binaries that work here, but the grader's own choice."""
    chosen = backends.bwrap_choice()[0]
    out = {}
    for label, exe in backends.bwrap_candidates():
        if exe != chosen and backends._probe_bwrap(exe)[0] is not None:
            out[label.split()[0]] = exe
    return out


OTHER_BWRAPS = bwrap_binaries() if HAVE_BWRAP else {}
UID_OK, UID_WHY = backends.uid_status()
BACKENDS = [b for b in os.environ.get("AGADV_BACKENDS", ",".join(["bwrap", "uid", "process"] + [
    f"bwrap@{k}" for k in OTHER_BWRAPS])).split(",") if b]


def base_backend(backend: str) -> str:
    """``bwrap@bundled`` -> ``bwrap``: the sandbox backend, whichever binary."""
    return backend.split("@")[0]


def _backend_params():
    out = []
    for b in BACKENDS:
        marks = []
        if base_backend(b) == "bwrap" and not HAVE_BWRAP:
            marks.append(pytest.mark.skip(reason=f"bwrap cannot run here: {backends.bwrap_status()[1]}"))
        if b == "uid" and not UID_OK:
            marks.append(pytest.mark.skip(reason=f"uid backend cannot run here: {UID_WHY}"))
        elif "@" in b and b.split("@")[1] not in OTHER_BWRAPS:
            marks.append(pytest.mark.skip(reason=f"no other working bwrap binary labelled {b.split('@')[1]!r} here"))
        out.append(pytest.param(b, id=b, marks=marks))
    return out


def cases_for(backend: str) -> list[str]:
    if os.environ.get("AGADV_CASES") or backend == "in-process":  # debugging aid: see the module docstring
        return [c for c in os.environ.get("AGADV_CASES", "").split(",") if c]
    return [c for c in CASES if base_backend(backend) in EXPECTED[c]["backends"]
            and ("@" not in backend or EXPECTED[c].get("every_bwrap_binary"))]


class bwrap_binary:
    """Within the block, the grader (and the spawned grading processes) use ``backend``'s binary."""

    def __init__(self, backend: str):
        self.exe = OTHER_BWRAPS.get(backend.split("@")[1]) if "@" in backend else None

    def __enter__(self):
        self.old = os.environ.get("AG_BWRAP")
        if self.exe:
            os.environ["AG_BWRAP"] = self.exe
            backends.bwrap_choice.cache_clear()

    def __exit__(self, *exc):
        if self.exe:
            if self.old is None:
                os.environ.pop("AG_BWRAP", None)
            else:
                os.environ["AG_BWRAP"] = self.old
            backends.bwrap_choice.cache_clear()


def tag(case: str) -> str:
    """What a hostile process of ``case`` renames itself to (``comm``, 15 bytes)."""
    return ("agadv" + case)[:15]


# ------------------------------------------------------------------------------------------------
# building the submissions

def reference_q01() -> str:
    src = (REPO / "solutions" / ASSIGNMENT / "cnn_numpy.py").read_text()
    cut = src.index("\ndef receptive_field(")
    return src[:cut].rstrip() + "\n"


def expand(text: str) -> str:
    text = text.replace("# @@ATTACK_KIT@@", (HERE / "attack_kit.py").read_text())
    text = text.replace("# @@REFERENCE@@", (REPO / "solutions" / ASSIGNMENT / "cnn_numpy.py").read_text())
    return text.replace("# @@REFERENCE_Q01@@", reference_q01())


def build_case(case: str, dest: Path, ctx: dict) -> Path:
    folder = HERE / case
    if (folder / "build.py").is_file():
        spec = importlib.util.spec_from_file_location(f"agadv_build_{case}", folder / "build.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module.build(dest, case, dict(ctx, expand=expand))
    if (folder / "submission.ipynb").is_file():
        path = dest / f"{case}.ipynb"
        shutil.copyfile(folder / "submission.ipynb", path)
        return path
    path = dest / f"{case}.py"
    path.write_text(expand((folder / "submission.py").read_text()))
    return path


def build_honest(dest: Path) -> list[Path]:
    ref = (REPO / "solutions" / ASSIGNMENT / "cnn_numpy.py").read_text()
    mutant = {m.name: m for m in load_mutants(REPO / "solutions" / ASSIGNMENT / "mutants")}[MUTANT]
    (dest / "honest_reference.py").write_text(ref)
    (dest / "honest_mutant.py").write_text(mutant.apply(ref))
    return [dest / "honest_reference.py", dest / "honest_mutant.py"]


def make_root(dest: Path) -> Path:
    """A copy of the assignment and its solution with short limits (2 s per call, 60 s per submission,
    1024 MB of memory per submission)."""
    root = dest / "agadv_root"
    shutil.copytree(REPO / "assignments" / ASSIGNMENT, root / "assignments" / ASSIGNMENT)
    shutil.copytree(REPO / "solutions" / ASSIGNMENT, root / "solutions" / ASSIGNMENT)
    toml = root / "assignments" / ASSIGNMENT / "assignment.toml"
    text = toml.read_text()
    text, n1 = re.subn(r"(?m)^call_timeout_s\s*=.*$", "call_timeout_s = 2.0", text)
    text, n2 = re.subn(r"(?m)^submission_timeout_s\s*=.*$", "submission_timeout_s = 60.0", text)
    text, n3 = re.subn(r"(?m)^memory_mb\s*=.*$", "memory_mb = 1024", text)
    assert n1 == n2 == n3 == 1, "assignment.toml's [limits] changed: update make_root"
    toml.write_text(text)
    return root


# ------------------------------------------------------------------------------------------------
# watching files, processes and the network

def tree_digest(*roots: Path) -> dict[str, str]:
    out = {}
    for root in roots:
        for p in sorted(Path(root).rglob("*")):
            if p.is_file() and "__pycache__" not in p.parts:
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def repo_intrusions(since: float) -> list[str]:
    """Files in the repo's solutions/, assignments/, autograder/sandbox/ that an attack created or wrote
    (other engineers edit these folders concurrently: only the attacks' own traces count)."""
    bad = []
    for top in ("solutions", "assignments", "autograder/sandbox"):
        for p in (REPO / top).rglob("*"):
            try:
                if p.is_file() and ("agadv" in p.name or (p.stat().st_mtime >= since and PWNED in p.read_bytes())):
                    bad.append(str(p))
            except OSError:
                pass
    return bad


@dataclass
class Proc:
    pid: int
    ppid: int
    start: int
    uid: int
    comm: str
    cmdline: bytes
    cwd: str


def proc_table() -> dict[int, Proc]:
    table = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        pid = int(name)
        try:
            stat = open(f"/proc/{pid}/stat", "rb").read()
            rest = stat[stat.rindex(b")") + 2:].split()
            if rest[0] == b"Z":
                continue
            uid = int(re.search(rb"^Uid:\s+(\d+)", open(f"/proc/{pid}/status", "rb").read(), re.M).group(1))
            comm = open(f"/proc/{pid}/comm", "rb").read().decode(errors="replace").strip()
            cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
            try:
                cwd = os.readlink(f"/proc/{pid}/cwd")
            except OSError:
                cwd = ""
            table[pid] = Proc(pid, int(rest[1]), int(rest[19]), uid, comm, cmdline, cwd)
        except (OSError, ValueError, AttributeError, IndexError):
            continue
    return table


def leftovers(before: dict[int, Proc], workdir: Path) -> list[Proc]:
    """Processes of this batch still alive: renamed by an attack (``agadv...``), running in or naming
    the batch's work folder (workers, bwrap), or orphaned sandbox uids that appeared during the batch."""
    me = {os.getpid()}
    table = proc_table()
    p = os.getpid()
    while p in table and p not in (0, 1):  # my ancestors
        me.add(p)
        p = table[p].ppid
    found = []
    for proc in table.values():
        if proc.pid in me:
            continue
        new = proc.pid not in before or before[proc.pid].start != proc.start
        if proc.comm.startswith("agadv") or b"agadv" in proc.cmdline.replace(b"tests/adversarial", b""):
            found.append(proc)
        elif new and (str(workdir) in proc.cwd or str(workdir).encode() in proc.cmdline):
            found.append(proc)
        elif new and proc.uid >= SANDBOX_UID_MIN:
            q = proc
            while q is not None and (q.uid >= SANDBOX_UID_MIN or q.comm == "bwrap") and q.ppid not in (0, 1):
                q = table.get(q.ppid)
            if q is None or q.ppid in (0, 1):  # nothing of a grader above it: an orphan
                found.append(proc)
    return found


def wait_leftovers(before, workdir) -> list[Proc]:
    deadline = time.monotonic() + GRACE_S
    while True:
        found = leftovers(before, workdir)
        if not found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


class Listener:
    """A TCP port on 127.0.0.1 that records every connection (the network case tries to reach it)."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("0.0.0.0", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.connections: list = []
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop:
            try:
                conn, addr = self.sock.accept()
            except OSError:
                continue
            self.connections.append(addr)
            conn.close()

    def close(self):
        self.stop = True
        self.thread.join(2)
        self.sock.close()


class Tamperer:
    """Someone who can write the output folder (not the student under bwrap or uid): rewrites
    ``results/<case>.json`` to full marks in place as soon as the grader has written it."""

    def __init__(self, out: Path, cases: list[str]):
        self.targets = {out / "results" / f"{c}.json": c for c in cases}
        self.done: dict[str, float] = {}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        while not self.stop.is_set() and len(self.done) < len(self.targets):
            for path, case in self.targets.items():
                if case not in self.done and path.is_file():
                    try:
                        self.rewrite(path)
                        self.done[case] = time.time()
                    except (OSError, ValueError, KeyError):
                        pass  # caught mid-replace: next round
            time.sleep(0.005)

    @staticmethod
    def rewrite(path: Path) -> None:
        data = json.loads(path.read_text())
        for t in data["tests"]:
            t.update(score=t["max_score"], status="passed", output="")
        data["score"] = sum(t["max_score"] for t in data["tests"])
        os.chmod(path, 0o644)  # the grader left it read-only: no obstacle to its owner or root
        path.write_text(json.dumps(data, indent=1) + "\n")

    def settle(self):
        """Let a rewrite of a file that exists land (the batch's final check must come after it)."""
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and any(p.is_file() and c not in self.done for p, c in self.targets.items()):
            time.sleep(0.005)

    def close(self):
        self.stop.set()
        self.thread.join(2)


# ------------------------------------------------------------------------------------------------
# one batch

@dataclass
class Run:
    backend: str
    out: Path
    students: list[str]
    paths: list[Path] = field(default_factory=list)
    tampered_at: dict = field(default_factory=dict)
    summary: object = None
    error: str = ""
    wall_s: float = 0.0
    leftovers: list = field(default_factory=list)
    temp_leftovers: list = field(default_factory=list)
    file_changes: list = field(default_factory=list)
    repo_changes: list = field(default_factory=list)
    connections: list = field(default_factory=list)

    def results(self, student: str) -> dict | None:
        p = self.out / "results" / f"{student}.json"
        return json.loads(p.read_text()) if p.is_file() else None

    def texts(self, student: str) -> str:
        data = self.results(student) or {}
        parts = [data.get("output", "")] + [t.get("output", "") for t in data.get("tests", [])]
        fb = self.out / "feedback" / f"{student}.md"
        return "\n".join(parts) + "\n" + (fb.read_text(errors="replace") if fb.is_file() else "")


def grade_batch(backend: str, paths: list[Path], workdir: Path, root: Path, canary: Path,
                listener: Listener) -> Run:
    out = workdir / "agadv_out"
    scratch = workdir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    students = [p.name.rsplit(".", 1)[0] for p in paths]
    run = Run(backend, out, students, list(paths))
    tamper = [s for s in students if EXPECTED.get(s, {}).get("tamper_results")]
    tamperer = Tamperer(out, tamper) if tamper else None
    real_verify = batch.verify_outputs

    def verify_after_the_tamperer(*args, **kwargs):
        if tamperer is not None:
            tamperer.settle()
        return real_verify(*args, **kwargs)

    watched = tree_digest(root, canary)
    before = proc_table()
    conns0 = len(listener.connections)
    since = time.time() - 1
    old_tmp = tempfile.tempdir
    start_fork_server()  # multiprocessing's socket folder (pymp-*) outside the scratch: not the batch's
    tempfile.tempdir = str(scratch)  # the batch's and the sandboxes' scratch folders go under workdir
    # (uid sessions: in /tmp instead, the first temporary folder their uid can traverse)
    old_bwrap = os.environ.get("AG_BWRAP")
    if backend == "uid":  # no bwrap anywhere: this process and the (spawned) grading processes
        os.environ["AG_BWRAP"] = ""
        backends.bwrap_choice.cache_clear()
    t0 = time.perf_counter()
    batch.verify_outputs = verify_after_the_tamperer
    try:
        with bwrap_binary(backend):
            run.summary = batch.main(ASSIGNMENT, paths, out=out, jobs=2, sandbox=base_backend(backend),
                                     progress=False, root=root)
    except BaseException as exc:  # noqa: BLE001 - reported by the checks, after the cleanup checks
        run.error = f"{type(exc).__name__}: {exc}"
    finally:
        tempfile.tempdir = old_tmp
        batch.verify_outputs = real_verify
        if tamperer is not None:
            tamperer.close()
            run.tampered_at = dict(tamperer.done)
        if backend == "uid":
            if old_bwrap is None:
                os.environ.pop("AG_BWRAP", None)
            else:
                os.environ["AG_BWRAP"] = old_bwrap
            backends.bwrap_choice.cache_clear()
    run.wall_s = time.perf_counter() - t0
    run.leftovers = wait_leftovers(before, workdir)
    run.temp_leftovers = sorted(str(p) for p in scratch.iterdir())  # sessions' scratch/private folders
    for p in run.leftovers:  # do not leave them running for the rest of the suite
        try:
            os.kill(p.pid, 9)
        except OSError:
            pass
    after = tree_digest(root, canary)
    run.file_changes = sorted(set(watched.items()) ^ set(after.items()))
    run.repo_changes = repo_intrusions(since)
    run.connections = listener.connections[conns0:]
    return run


@dataclass
class Env:
    root: Path
    canary: Path
    listener: Listener
    runs: dict = field(default_factory=dict)


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    base = tmp_path_factory.mktemp("agadv")
    canary = Path(tempfile.mkdtemp(prefix="agadv_canary_", dir="/tmp"))
    (canary / "canary.txt").write_text("must not change\n")
    listener = Listener()
    e = Env(make_root(base), canary, listener)
    yield e
    listener.close()
    shutil.rmtree(canary, ignore_errors=True)


def get_runs(backend: str, env: Env, tmp_path_factory) -> tuple[Run, Run]:
    """``(mixed, honest_only)`` batches of one backend, graded once per module."""
    if backend not in env.runs:
        base = tmp_path_factory.mktemp(f"agadv_{backend}")
        subs = base / "subs"
        subs.mkdir()
        ctx = {"canary": str(env.canary), "port": env.listener.port}
        honest = build_honest(subs)
        hostile = [build_case(c, subs, ctx) for c in cases_for(backend)]
        honest_dir = base / "honest_subs"
        honest_dir.mkdir()
        honest_only = build_honest(honest_dir)
        h = grade_batch(backend, honest_only, base / "honest", env.root, env.canary, env.listener)
        m = grade_batch(backend, honest + hostile, base / "mixed", env.root, env.canary, env.listener)
        print(f"\n[{backend}] honest-only batch {h.wall_s:.1f} s, mixed batch ({len(m.students)} "
              f"submissions) {m.wall_s:.1f} s")
        env.runs[backend] = (m, h)
    return env.runs[backend]


@pytest.fixture(scope="module", params=_backend_params())
def runs(request, env, tmp_path_factory):
    return get_runs(request.param, env, tmp_path_factory)


# ------------------------------------------------------------------------------------------------
# the checks

def _journal(out: Path) -> dict[str, list[dict]]:
    entries: dict[str, list[dict]] = {}
    path = out / "journal.jsonl"
    for line in path.read_text().splitlines() if path.is_file() else []:
        try:
            e = json.loads(line)
        except json.JSONDecodeError:
            entries.setdefault("<torn line>", []).append({"line": line})
            continue
        if e.get("kind") in ("outputs", "batch"):  # batch-wide lines (files' hashes; the run's assignment), not a student's entry
            continue
        result = e.get("result", {})
        for d in [e, result] + result.get("cases", []):  # timings (``*_s``) differ from run to run
            for k in [k for k in d if k.endswith("_s")]:
                del d[k]
        entries.setdefault(str(e.get("student")), []).append(e)
    return entries


def _raw_journal(out: Path) -> dict[str, dict]:
    """The journal's entries by student, timings included."""
    path = out / "journal.jsonl"
    entries = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return {str(e.get("student")): e for e in entries}


def _gradebook(out: Path) -> dict[str, list[str]]:
    path = out / "gradebook.csv"
    rows = [line.split(",") for line in path.read_text().splitlines()[1:]] if path.is_file() else []
    table: dict[str, list[str]] = {}
    for r in rows:
        table.setdefault(r[0], []).append(",".join(r))
    return table


def test_batch_completes_and_output_is_the_graders(runs):
    """Did the batch finish with a result for every submission, no grader error, and an output folder
    holding exactly what the grader writes (journal, gradebook and results agreeing)?"""
    mixed, honest = runs
    for run in (mixed, honest):
        assert not run.error, f"[{run.backend}] grade raised: {run.error}"
        graded_with = run.summary.backends - {"none"}  # "none": unreadable submissions, never run
        assert graded_with == {base_backend(run.backend)}, f"graded with {run.summary.backends}, not {run.backend}"
        known = {c for c in CASES if EXPECTED[c].get("xfail", {}).get(run.backend)}  # reported per case
        unknown = [s for s in run.summary.grader_errors if s not in known]
        assert not unknown, f"grader errors: {unknown}"
        expected = {f"{s}.json" for s in run.students}
        assert {p.name for p in (run.out / "results").iterdir()} == expected
        assert {p.name for p in (run.out / "feedback").iterdir()} == {f"{s}.md" for s in run.students}
        extra = {p.name for p in run.out.iterdir()} - {"results", "feedback", "gradebook.csv", "journal.jsonl",
                                                      "report.html", "score_histogram.png", "pass_rate.png",
                                                      "question_means.png", "grading.log"}
        assert not extra, f"unexpected files in the output folder: {extra}"
        journal, gradebook = _journal(run.out), _gradebook(run.out)
        assert set(journal) == set(run.students), "journal students differ from the batch's"
        assert set(gradebook) == set(run.students), "gradebook students differ from the batch's"
        for s in run.students:
            data = run.results(s)
            assert len(journal[s]) == 1 and len(gradebook[s]) == 1, f"{s}: duplicated journal/gradebook rows"
            assert journal[s][0]["score"] == data["score"], f"{s}: journal and results JSON disagree"
            assert float(gradebook[s][0].split(",")[1]) == data["score"], f"{s}: gradebook and results disagree"
        for p in run.out.rglob("*"):
            if p.is_file():
                assert PWNED not in p.read_bytes(), f"an attack wrote {p}"


def test_honest_results_unaffected(runs):
    """Are the honest submissions' results byte-identical to a batch without the hostile ones?"""
    mixed, honest = runs
    jm, jh = _journal(mixed.out), _journal(honest.out)
    gm, gh = _gradebook(mixed.out), _gradebook(honest.out)
    for s in HONEST:
        for sub in (f"results/{s}.json", f"feedback/{s}.md"):
            assert (mixed.out / sub).read_bytes() == (honest.out / sub).read_bytes(), f"{sub} differs"
        assert jm[s] == jh[s], f"journal entry of {s} differs"
        assert gm[s] == gh[s], f"gradebook row of {s} differs"
    assert honest.results("honest_reference")["score"] == honest.results("honest_reference")["extra_data"]["max_score"]
    assert 0 < honest.results("honest_mutant")["score"] < honest.results("honest_reference")["score"]


def _attributed(items, case: str) -> list:
    return [i for i in items if case in str(i)]


def test_nothing_outside_the_output_changed(runs, env):
    """Did the canary folder, the assignment root, the repo and the network stay untouched, and did
    every process of the batch end with it (2 s grace)?"""
    problems = []
    for run in runs:
        problems += [f"[{run.backend}] file changed: {c}" for c in run.file_changes]
        problems += [f"[{run.backend}] repo file written: {c}" for c in run.repo_changes]
        problems += [f"[{run.backend}] process outlived the batch: {p}" for p in run.leftovers]
        problems += [f"[{run.backend}] TCP connection from {c}" for c in run.connections]
        problems += [f"[{run.backend}] left in the grader's temporary folder: {p}" for p in run.temp_leftovers]
    # per-case tests report what an attack left behind; here only what no case claims
    problems = [p for p in problems if not any(tag(c) in p or f"agadv_pwned_{c}" in p for c in CASES)]
    assert not problems, "\n".join(problems)


def _case_param_list():
    out = []
    for b in BACKENDS:
        for c in cases_for(b):
            marks = []
            reason = EXPECTED.get(c, {}).get("xfail", {}).get(base_backend(b))
            if reason:
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            if base_backend(b) == "bwrap" and not HAVE_BWRAP:
                marks.append(pytest.mark.skip(reason="bubblewrap not available here"))
            if b == "uid" and not UID_OK:
                marks.append(pytest.mark.skip(reason=f"uid backend unavailable: {UID_WHY}"))
            elif "@" in b and b.split("@")[1] not in OTHER_BWRAPS:
                marks.append(pytest.mark.skip(reason=f"no other working bwrap binary {b.split('@')[1]!r} here"))
            out.append(pytest.param(b, c, id=f"{b}-{c}", marks=marks))
    return out


@pytest.mark.parametrize("backend,case", _case_param_list())
def test_attack(backend, case, env, tmp_path_factory):
    """Did this attack earn nothing it should not, end as expected, and leave nothing behind?"""
    mixed, _ = get_runs(backend, env, tmp_path_factory)
    exp = EXPECTED.get(case, {"max_score": 0})
    data = mixed.results(case)
    assert data is not None, f"no results JSON for {case}"
    status, allowed = data["extra_data"]["status"], exp.get("status", "ok")
    assert status in ([allowed] if isinstance(allowed, str) else allowed), f"status {status}"
    errors = [t["name"] for t in data["tests"] if t["output"].startswith("Grader error")]
    assert not errors, f"a hostile submission caused grader errors: {errors}"
    score = data["score"]
    if "earned_questions" in exp:
        got: dict[str, list[float]] = {}
        for t in data["tests"]:
            q = t["name"].split(" / ")[0]
            got.setdefault(q, [0.0, 0.0])
            got[q][0] += t["score"]
            got[q][1] += t["max_score"]
        wrong = {q: s for q, s in got.items()
                 if s[0] != (s[1] if q in exp["earned_questions"] else 0.0)}
        assert not wrong, f"per-question scores {wrong}, expected full marks exactly for {exp['earned_questions']}"
    assert exp.get("min_score", 0) <= score <= exp.get("max_score", float("inf")), f"score {score}"
    if exp.get("full_marks"):
        assert score == data["extra_data"]["max_score"], f"score {score}, expected full marks"
    if exp.get("max_student_wall_s"):
        wall = _raw_journal(mixed.out)[case]["result"].get("wall_s")
        assert wall is not None and wall <= exp["max_student_wall_s"], f"grading {case} took {wall} s"
    if exp.get("message_fragment"):
        assert exp["message_fragment"] in mixed.texts(case), f"message fragment {exp['message_fragment']!r} missing"
    if exp.get("hidden_absent_fragment"):
        entries = [json.loads(line) for line in (mixed.out / "journal.jsonl").read_text().splitlines() if line.strip()]
        cases = [c for e in entries if e.get("student") == case for c in e["result"]["cases"] if c["hidden"]]
        assert cases, f"no hidden cases of {case} in the journal"
        leaks = [c["name"] for c in cases if exp["hidden_absent_fragment"] in c["message"]]
        assert not leaks, f"text the submission produced reached hidden cases' messages: {leaks}"
    if exp.get("max_results_bytes"):
        assert (mixed.out / "results" / f"{case}.json").stat().st_size <= exp["max_results_bytes"]
    own = [p for p in mixed.leftovers if p.comm == tag(case)]
    assert not own, f"processes of {case} outlived the batch: {own}"
    if exp.get("nothing_left_in_temp"):  # the batch-wide check is in test_nothing_outside_the_output_changed
        assert not mixed.temp_leftovers, f"left in the grader's temporary folder: {mixed.temp_leftovers[:5]}"
    writes = [c for c in mixed.file_changes + mixed.repo_changes if f"agadv_pwned_{case}" in str(c)]
    assert not writes, f"{case} wrote files: {writes}"
    canary = [p.name for p in env.canary.iterdir() if p.name != "canary.txt"]
    assert not [n for n in canary if case in n or "unpickled" in n or "escape" in n or "magic" in n], canary
    for p in (mixed.out).rglob("*"):
        if p.is_file():
            assert PWNED + case.encode() not in p.read_bytes(), f"{case} wrote {p}"
    if case == "network":
        assert not mixed.connections, f"connections reached the test's port: {mixed.connections}"
    if exp.get("inert_outputs"):
        check_inert_outputs(mixed, case, exp["inert_outputs"])
    if exp.get("tamper_results"):
        assert case in mixed.tampered_at, "the tamperer never rewrote the results file: nothing was tested"
        assert any(t.startswith(f"results/{case}.json was changed") for t in mixed.summary.tampered), \
            f"mid-batch rewrite not reported: {mixed.summary.tampered}"
        assert any(w.startswith(f"TAMPERED: results/{case}.json") for w in mixed.summary.warnings)


_FORBIDDEN = {"Cc", "Cf", "Cs"}


def _active_chars(text: str) -> list[str]:
    return sorted({f"U+{ord(c):04X}" for c in text if c not in "\n\t" and unicodedata.category(c) in _FORBIDDEN})


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return []


def check_inert_outputs(run: Run, case: str, marker: str) -> None:
    """Does the text of ``case`` (carrying ``marker``) appear only as inert text: no escape, control
    or bidi character in any output; results JSON declared plain text; the feedback rendered as
    CommonMark (raw HTML on) with no element from the student; report escaped; no gradebook formula;
    and no warning of the batch built from it?"""
    data = run.results(case)
    assert data["output_format"] == data["test_output_format"] == "text"
    assert all(t.get("output_format") == "text" for t in data["tests"])
    journal_lines = [json.loads(line) for line in (run.out / "journal.jsonl").read_text().splitlines()]
    strings = {"results": _strings(data), "journal": _strings(journal_lines)}
    for name in ("gradebook.csv", "report.html", f"feedback/{case}.md"):
        strings[name] = [(run.out / name).read_text()]
    for name, texts in strings.items():
        bad = _active_chars("".join(texts))
        assert not bad, f"{name} holds control/escape/bidi characters {bad}"
    md = (run.out / "feedback" / f"{case}.md").read_text()
    assert marker in md, "the student's text should be shown (as text): is the case raising at all?"
    page = MarkdownIt("commonmark", {"html": True}).enable("table").render(md)
    for active in ("<script", "<img", "href=", "<h1>All", "<strong>Score: 92"):
        assert active not in page, f"feedback renders {active!r}"
    assert page.count("<strong>Score:") == 1 and page.count("<table>") == 1 and page.count("<h1>") == 1
    report = (run.out / "report.html").read_text()
    assert "<script" not in report and "<img src=x" not in report and "href=\"javascript" not in report
    rows = [r for r in csv.reader(io.StringIO((run.out / "gradebook.csv").read_text())) if r and r[0] == case]
    assert rows and not any(cell.startswith(("=", "+", "-", "@")) for cell in rows[0])
    from_text = [w for w in run.summary.warnings if marker in w or "bwrap failed" in w]
    assert not from_text, f"warnings built from the student's text: {from_text}"
    if run.backend != "process":
        assert not [w for w in run.summary.warnings if "UNSAFE" in w], run.summary.warnings


def test_tampering_between_batch_and_resume(runs, env, tmp_path):
    """Between a batch and its --resume, a results file rewritten, a feedback file deleted, a results
    file replaced by a symlink and a foreign results file planted: is each reported as tampering,
    repaired from the journal (byte-identical to what the grader wrote; the foreign file removed),
    with nothing regraded and the same gradebook?"""
    mixed, _ = runs
    case = "results_rewritten"
    if case not in mixed.students:
        pytest.skip(f"{case} is not graded in this run")
    out = tmp_path / "agadv_resume_out"
    shutil.copytree(mixed.out, out, symlinks=True)
    written = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "journal.jsonl"}
    Tamperer.rewrite(out / "results" / f"{case}.json")
    (out / "feedback" / f"{case}.md").unlink()
    ref = out / "results" / "honest_reference.json"
    ref.unlink()
    ref.symlink_to(out / "results" / f"{case}.json")
    (out / "results" / "intruder.json").write_text(json.dumps({"score": 92.0, "tests": []}))
    summary = batch.main(ASSIGNMENT, mixed.paths, out=out, jobs=1, sandbox=mixed.backend, progress=False,
                         root=env.root, resume=True)
    assert summary.graded == 0
    assert sorted(summary.tampered) == sorted([
        f"results/{case}.json was changed after the grader wrote it; rewritten from the journal",
        f"feedback/{case}.md is missing after the grader wrote it; rewritten from the journal",
        "results/honest_reference.json is missing after the grader wrote it; rewritten from the journal",
        "results/intruder.json was not written by the grader (not in the journal); removed",
    ])
    assert {f"TAMPERED: {t}" for t in summary.tampered} <= summary.warnings
    now = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file() and p.name != "journal.jsonl"}
    png = {k for k in written if k.suffix == ".png"}  # replotted: same data, bytes may differ by library
    assert {k: v for k, v in now.items() if k not in png} == {k: v for k, v in written.items() if k not in png}
    assert not ref.is_symlink() and not (out / "results" / "intruder.json").exists()


def test_cli_prints_no_injected_text(tmp_path, env):
    """Does ``python -m autograder grade`` on the injection case print no escape, control or bidi
    character, and no WARNING built from the student's text (under process, only the grader's own)?"""
    case = "terminal_markup_injection"
    backend = "bwrap" if HAVE_BWRAP else "process"
    subs = tmp_path / "subs"
    subs.mkdir()
    path = build_case(case, subs, {"canary": str(env.canary), "port": env.listener.port})
    # the same payloads in an import-time error: it becomes a note (notes once became CLI warnings)
    at_import = subs / f"{case}_at_import.py"
    at_import.write_text(path.read_text() + "\nraise RuntimeError(' '.join(PAYLOADS[::-1]))\n")
    # no "agadv" in this command line: leftovers() of a concurrent batch (another test process) kills those
    out = tmp_path / "cli_injection_out"
    p = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, str(path), str(at_import),
                        "--out", str(out), "--sandbox", backend],
                       env=dict(os.environ, AUTOGRADER_ROOT=str(env.root), PYTHONPATH=str(REPO)),
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    text = p.stdout + p.stderr
    assert not _active_chars(text), _active_chars(text)
    assert f"{case},0,92" in p.stdout and f"{case}_at_import,0,92" in p.stdout  # the gradebook: a real run
    notes = json.loads((out / "results" / f"{case}_at_import.json").read_text())["output"]
    assert "UNSAFE" in notes and "INJECT" in notes  # the student's words are there, as a note (text)
    warnings = [line for line in text.splitlines() if "WARNING" in line]
    assert not [w for w in warnings if "INJECT" in w or "bwrap failed" in w or "<script" in w], warnings
    if backend != "process":
        assert not [w for w in warnings if "UNSAFE" in w], warnings


def test_cli_exit_code(tmp_path, env):
    """Does ``python -m autograder grade`` exit 0 on a batch of broken submissions, with a results JSON each?"""
    subs = tmp_path / "subs"
    subs.mkdir()
    paths = [build_case(c, subs, {"canary": str(env.canary), "port": env.listener.port})
             for c in ("syntax_error", "empty_file", "sys_exit_at_import", "os_exit_in_function")]
    out = tmp_path / "cli_out"  # no "agadv" in this command line: leftovers() of a concurrent batch kills those
    p = subprocess.run([sys.executable, "-m", "autograder", "grade", ASSIGNMENT, *map(str, paths), "--out", str(out),
                        "-j", "2"], env=dict(os.environ, AUTOGRADER_ROOT=str(env.root), PYTHONPATH=str(REPO)),
                       capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert p.returncode == 0, p.stderr[-3000:]
    assert {q.name for q in (out / "results").iterdir()} == {f"{q.stem}.json" for q in paths}
