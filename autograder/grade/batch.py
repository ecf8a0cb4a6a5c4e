"""``grade``: a batch of submissions, sandboxed, in parallel, resumable.

The batch process is the only writer of the output folder: results, feedback, the journal, the
gradebook and the report. The folder is private (0700) and its files
read-only (0444): the parent replaces them whole (``outputs.atomic_write``). Outputs are
tamper-evident (invariant 11): the journal records the sha256 of each submission's results and
feedback; before a ``--resume`` and at the end of every batch each file is checked against it, and a
changed, missing or foreign file is reported (``BatchSummary.tampered``, a CLI warning) and rewritten
from the journal; the gradebook and the report are built from the journal. Grading runs in ``jobs`` trusted grading
processes (each runs the test files and the reference); each of them starts one sandboxed worker per
submission, where the student's code runs. Processes, not threads: a sandbox session must live in
the thread that started it (``--die-with-parent``), and the reference is CPU-bound Python.
"""
from __future__ import annotations

import concurrent.futures as cf
import hashlib
import json
import logging
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.assignment import Assignment, load_assignment
from autograder.core.errors import UsageError
from autograder.core.results import (
    FAILED,
    GRADER_ERROR,
    NO_SUBMISSION,
    OK,
    PASSED,
    UNREADABLE,
    SubmissionResult,
    settle_status,
    submission_from_dict,
)
from autograder.core.sanitize import for_terminal
from autograder.core.testfiles import load_test_files
from autograder.grade import intake, integrity
from autograder.grade.journal import Journal
from autograder.grade.outputs import atomic_write, cleaned, gradebook_csv, submission_files, write_submission
from autograder.grade.pool import GradingPool, StaffLog, socket_base
from autograder.grade.runner import completed, every_case, only_cases
from autograder.sandbox import tempdirs

log = logging.getLogger(__name__)


class BatchError(UsageError, RuntimeError):
    """The batch cannot start (bad arguments, an output folder holding another batch)."""


@dataclass
class BatchSummary:
    out: Path
    results: list[SubmissionResult] = field(default_factory=list)
    graded: int = 0
    """Submissions graded in this run."""
    reused: int = 0
    """Submissions whose grade came from the journal (``--resume``); the others could not be read."""
    backends: set[str] = field(default_factory=set)
    warnings: set[str] = field(default_factory=set)
    """The grader's own warnings (sandbox sessions' lists, tampering): never text from a submission."""
    tampered: list[str] = field(default_factory=list)
    """Output files found changed, missing or foreign (each was rewritten from the journal or removed)."""
    wall_s: float = 0.0
    student_s: float = 0.0
    reference: str = ""
    """The reference check's outcome (``check_reference``), e.g. ``92/92 in 6.1 s``; empty when skipped."""

    @property
    def flagged(self) -> list[str]:
        """Students with integrity flags (for review; the flags changed no score)."""
        return [r.student for r in self.results if r.flags]

    @property
    def unread(self) -> list[str]:
        """Students whose submission could not be read (no student file, unreadable): 0 points each."""
        return [r.student for r in self.results if r.status in (NO_SUBMISSION, UNREADABLE)]

    @property
    def grader_errors(self) -> list[str]:
        return [r.student for r in self.results if r.status == GRADER_ERROR or any(
            c.status == GRADER_ERROR for c in r.cases)]


def check_device(device: str) -> None:
    """``cpu``, or ``cuda[:N]`` on a machine where that device exists (else a clear BatchError)."""
    if device == "cpu":
        return
    if not (device == "cuda" or (device.startswith("cuda:") and device[5:].isdigit())):
        raise BatchError(f"--device must be cpu, cuda or cuda:N, got {device!r}")
    import torch

    if not torch.cuda.is_available():
        raise BatchError(f"--device {device} was requested but CUDA is not available on this machine "
                         "(torch.cuda.is_available() is False); grade with --device cpu")
    index = int(device[5:]) if ":" in device else 0
    if index >= torch.cuda.device_count():
        raise BatchError(f"--device {device}: this machine has {torch.cuda.device_count()} CUDA device(s)")


def check_sandbox(sandbox: str) -> str:
    """The backend ``sandbox`` resolves to here, before anything is graded. ``auto`` refuses (BatchError
    naming the fix) when no real sandbox works: students' code never runs unsandboxed by accident."""
    if sandbox == "in-process":
        return sandbox
    from autograder.sandbox import backends

    try:
        return backends.choose(sandbox)[0]
    except ValueError as exc:
        raise BatchError(str(exc)) from exc


#: A trusted sample "submission" run in the sandbox before a CUDA batch (no student code involved).
_CUDA_PROBE = """import torch


def cuda_reachable(device):
    return float(torch.ones(3, device=device).sum().item())
"""


def check_sandbox_device(a: Assignment, sandbox: str, device: str) -> None:
    """On ``--device cuda``: can the sandbox's worker reach the GPU? Trusted code only (no submission),
    so the answer is ours, not a student's. Without this, a sandbox that hides the GPU would charge
    every student for the grader's fault (a CUDA-only case fails as if their code were wrong)."""
    if not device.startswith("cuda") or sandbox == "in-process":
        return
    from autograder.core.calls import OK as CALL_OK
    from autograder.core.calls import Limits
    from autograder.sandbox import WorkerSession

    with tempfile.TemporaryDirectory(prefix="ag-cuda-probe-") as tmp:
        probe = Path(tmp) / "cuda_probe.py"
        probe.write_text(_CUDA_PROBE)
        limits = Limits(call_timeout_s=120.0, memory_mb=max(a.limits.memory_mb, 4096))
        try:
            with WorkerSession(probe, "cuda_probe", backend=sandbox, limits=limits, device=device) as s:
                r = s.call("cuda_reachable", device)
            why = "" if r.status == CALL_OK and r.value == 3.0 else (r.error or r.status)
        except Exception as exc:  # noqa: BLE001 - the sandbox could not start: said in one line below
            log.exception("the CUDA probe could not run in the %s sandbox", sandbox)
            why = f"the sandbox could not start: {type(exc).__name__}: {exc}"
    if why:
        raise BatchError(f"--device {device}: the {sandbox} sandbox's worker cannot use the GPU ({why}); "
                         "nothing was graded. Grade with --device cpu, or see `python -m autograder doctor`")


#: The batch's staff log in its out folder: the grading processes' warnings and errors, a grader error's
#: traceback among them, one line per record with the time and the submission (``pool.StaffLog``).
STAFF_LOG = "grading.log"
#: The student id the reference is graded under by ``check_reference`` (never written to the outputs).
REFERENCE_ID = "reference-check"


def check_reference(a: Assignment, sandbox: str, device: str, tmp: Path, pool: GradingPool) -> str:
    """Grade the reference solution, before any submission, exactly as a submission is graded (same
    sandbox, device, limits and grading process), and refuse the batch (BatchError naming the lost
    cases) unless it scores full marks. A reference that loses points here says the grading
    environment is wrong (a machine too slow for the training budgets, a memory limit that a torch
    build needs more of, a sandbox hiding a device or a file), and every student would be charged for
    it with status ok: a wrong gradebook that looks right. ``pool``: the batch's grading processes (the
    submissions are then graded by the very processes that graded the reference). Returns
    ``"<score>/<points> in <s> s"``."""
    path = Path(tmp) / REFERENCE_ID / a.student_file
    path.parent.mkdir(parents=True)
    shutil.copyfile(a.solution_file, path)
    task = {REFERENCE_ID: (a.name, str(a.root), str(path), REFERENCE_ID, sandbox, device)}
    start = time.perf_counter()
    (_, result), = _graded(task, pool.jobs, pool=pool)
    wall = time.perf_counter() - start
    if not isinstance(result, SubmissionResult):
        raise BatchError(f"the reference check could not grade {a.solution_file.name} ({result}); nothing was "
                         "graded. See the log and `python -m autograder doctor`")
    lost = [f"{c.question}/{c.name}: {c.message}" for c in result.cases if c.status != PASSED]
    if result.score != a.points or lost:
        lost = lost or [f"note: {n}" for n in result.notes]  # the backend's notes (e.g. UNSAFE) are no loss
        shown = "; ".join(" ".join(x.split())[:200] for x in lost[:5]) + ("; ..." if len(lost) > 5 else "")
        raise BatchError(
            f"the reference solution scores {result.score:g}/{a.points:g} here (sandbox {sandbox}, device {device}), "
            f"so students would lose points for the grader's environment; nothing was graded. Lost: {shown}. "
            "Usual causes: a loaded or slow machine (training time limits: lower --jobs), a memory limit, a "
            "sandbox that hides a device or a file (`python -m autograder doctor`); or, after a change to the "
            f"tests or the solution, a test the reference fails (`python -m autograder verify {a.name}`). "
            "--no-reference-check grades anyway")
    return f"{result.score:g}/{a.points:g} in {wall:.1f} s"


def _tree_sha(root: Path, pattern: str = "*", skip: tuple[str, ...] = ()) -> str:
    """sha256 over the relative paths and bytes of the files under ``root`` (sorted; caches skipped)."""
    h = hashlib.sha256()
    for p in sorted(Path(root).rglob(pattern)) if Path(root).is_dir() else ():
        rel = p.relative_to(root).as_posix()
        if not p.is_file() or "__pycache__" in p.parts or rel.split("/")[0] in skip:
            continue
        h.update(rel.encode() + b"\0" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def assignment_fingerprint(a: Assignment) -> tuple[str, dict[str, str]]:
    """``(fingerprint, parts)``: what a grade depends on besides the submission. ``parts`` hashes the
    test files, the reference (the solution folder, mutants aside), assignment.toml and the engine
    (this package's version and the code of ``autograder/grade``, ``checks``, ``core`` and
    ``sandbox``); the fingerprint hashes the parts. A journal line graded under another fingerprint
    is never reused (journal.py)."""
    import autograder

    engine = Path(autograder.__file__).parent
    parts = {"tests": _tree_sha(a.tests_dir),
             "reference": _tree_sha(a.solution_dir, skip=("mutants",)),
             "assignment.toml": hashlib.sha256((a.source_dir / "assignment.toml").read_bytes()).hexdigest(),
             "engine": hashlib.sha256(autograder.__version__.encode() + b"\0" + "".join(
                 _tree_sha(engine / sub, "*.py") for sub in ("grade", "checks", "core", "sandbox")).encode()
             ).hexdigest()}
    fingerprint = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()
    return fingerprint, parts


_TEST_FILES: dict = {}


def _test_files(a: Assignment, cases: frozenset[tuple[str, str]] | None = None):
    """The assignment's test files, loaded once per process; with ``cases`` (``{(test file name, case
    name)}``), only those cases (files left without a case are left out)."""
    key = (a.name, str(a.root))
    if key not in _TEST_FILES:
        _TEST_FILES[key] = load_test_files(a.tests_dir)
    return _TEST_FILES[key] if cases is None else only_cases(_TEST_FILES[key], cases)


def grade_one(name: str, root: str, source_file: str, student: str, sandbox: str, device: str,
              key: str = "", cases: frozenset[tuple[str, str]] | None = None, log: str | None = None
              ) -> SubmissionResult:
    """Grade one submission (runs in a grading process); hidden inputs are seeded from ``key`` (the
    student's key, ``autograder.grade.exports``; the id when empty). ``cases``: only those (``verify``'s
    test selection), every case when None. ``log``: the staff log its warnings and errors are appended to
    (``pool.StaffLog``)."""
    from autograder.grade.pool import CURRENT
    from autograder.grade.submission import grade_in_process, grade_sandboxed, grading_context

    CURRENT.update(student=student, log=log)

    a = load_assignment(name, Path(root))
    start = time.perf_counter()
    ctx = grading_context(a, key or student, device, Path(source_file))
    if sandbox == "in-process":  # trusted code only: verify's reference, stubs and mutants
        result = grade_in_process(a, Path(source_file), student, _test_files(a, cases), ctx=ctx)
    else:
        result = grade_sandboxed(a, Path(source_file), student, _test_files(a, cases), backend=sandbox,
                                 device=device, ctx=ctx)
    result.wall_s = time.perf_counter() - start
    return result


def _graded(tasks: dict[str, tuple], jobs: int, run=None, pool: GradingPool | None = None):
    """Run ``run(*tasks[key])`` (``grade_one`` by default) in ``jobs`` grading processes (``pool``'s when
    given, else a pool of its own); yield ``(key, result)`` as each finishes, where ``result`` is what
    ``run`` returned or, when grading failed, a reason (str).

    A grading process that dies (our bug, or a submission that kills it: possible only with the
    unsafe ``process`` backend) breaks the pool: a fresh pool takes the unfinished tasks. A task that
    was in flight during two breaks is then graded alone; if it breaks a pool alone, it is the cause.
    """
    if pool is None:
        with GradingPool(jobs) as own:
            yield from _graded(tasks, jobs, run, own)
        return
    run = run or grade_one
    pending, breaks = dict(tasks), dict.fromkeys(tasks, 0)
    while pending:
        suspects = [k for k in pending if breaks[k] >= 2]
        keys = suspects[:1] or list(pending)
        executor = pool.executor(1 if suspects else jobs)
        futures = {executor.submit(run, *pending[k]): k for k in keys}
        try:
            for fut in cf.as_completed(futures):
                key = futures[fut]
                try:
                    result = fut.result()
                except (cf.process.BrokenProcessPool, KeyboardInterrupt):
                    raise
                except BaseException as exc:  # noqa: BLE001 - our bug (a SystemExit too): a grader error, never
                    # the student's score nor the end of the batch; the grading process's traceback, chained,
                    # goes to the staff log
                    log.error("grading %s failed: %s: %s", key, type(exc).__name__, exc, exc_info=exc,
                              extra={"student": key})
                    result = f"{type(exc).__name__} while grading"
                del pending[key]
                yield key, result
        except cf.process.BrokenProcessPool:
            log.error("a grading process died; regrading the %d unfinished submissions in a fresh pool",
                      sum(k in pending for k in futures.values()))
            pool.discard()
            for fut, key in futures.items():
                if key not in pending:
                    continue
                if fut.done() and not fut.cancelled() and fut.exception() is None:
                    del pending[key]
                    yield key, fut.result()
                elif suspects:
                    del pending[key]
                    log.error("the grading process died while grading %s alone: a grader error for it", key,
                              extra={"student": key})
                    yield key, "the grading process died while grading this submission alone"
                else:
                    breaks[key] += 1


def grade_files(a: Assignment, files: dict[str, Path], *, sandbox: str = "auto", device: str = "cpu",
                jobs: int = 2, cases: dict[str, frozenset[tuple[str, str]]] | None = None
                ) -> dict[str, SubmissionResult]:
    """Grade ``{student: source file}`` in ``jobs`` grading processes (no output files written); a
    student in ``cases`` is graded on those cases only (``{(test file name, case name)}``)."""
    cases = cases or {}
    tasks = {student: (a.name, str(a.root), str(path), student, sandbox, device, "", cases.get(student))
             for student, path in files.items()}
    return {student: result if isinstance(result, SubmissionResult) else _grader_failure(a, student, result)
            for student, result in _graded(tasks, jobs)}


def sweep_one(name: str, root: str, source_file: str, students: list[str], device: str = "cpu",
              reuse: bool = True, cases: frozenset[tuple[str, str]] | None = None) -> dict[str, SubmissionResult]:
    """Grade one TRUSTED file (a reference, a mutant) in this process under each of ``students`` (keys):
    ``{student: result}``. The first is graded in full, recording which cases read the student key
    (``GradingContext.per_student_cases``: directly, or through ``case_rng``); with ``reuse``, the
    others re-run only those cases and take the rest from the first: a case that read nothing per
    student ran on the same file bytes, assignment and inputs, so its result is the same for everyone.
    With ``reuse``, the ids also share one ``per_submission`` store (``autograder.checks.context``): what
    was computed without reading the student key (a training run) is computed once for the file.
    ``cases``: only those (``verify``'s test selection), every case when None."""
    from dataclasses import replace

    from autograder.checks.remote import deadlines
    from autograder.grade.submission import grade_in_process, grading_context

    a, path = load_assignment(name, Path(root)), Path(source_file)
    files, first, per_student, memo = _test_files(a, cases), None, set(), {}
    out = {}
    with deadlines():  # a mutant that never returns (fit_never_returns) would hang the sweep
        for student in students:
            start = time.perf_counter()
            ctx = grading_context(a, student, device, path)
            if reuse:
                ctx.memo = memo
            if first is None or not reuse:
                ctx.per_student_cases = per_student
                result = grade_in_process(a, path, student, files, ctx=ctx)
                first = first or result
            else:
                fresh = grade_in_process(a, path, student, only_cases(files, per_student), ctx=ctx)
                result = replace(completed(fresh, first), notes=list(first.notes))
            result.wall_s = time.perf_counter() - start
            out[student] = result
    return out


def sweep_in_process(a: Assignment, files: dict[str, Path], students: list[str], *, jobs: int = 2,
                     device: str = "cpu", reuse: bool = True,
                     cases: dict[str, frozenset[tuple[str, str]]] | None = None
                     ) -> dict[str, dict[str, SubmissionResult]]:
    """Grade each TRUSTED file (``{label: path}``: a reference, mutants; never a submission) in-process
    under every one of ``students``, one file per task in ``jobs`` grading processes (a label in ``cases``:
    those cases only):
    ``{label: {student: result}}`` (``sweep_one`` says what ``reuse`` reuses). RuntimeError naming the
    file when one could not be graded."""
    cases = cases or {}
    tasks = {label: (a.name, str(a.root), str(path), list(students), device, reuse, cases.get(label))
             for label, path in files.items()}
    out = {}
    for label, results in _graded(tasks, jobs, sweep_one):
        if not isinstance(results, dict):
            raise RuntimeError(f"grading {label} ({files[label]}) in-process failed: {results}")
        out[label] = results
    return {label: out[label] for label in files}


def _unreadable(a: Assignment, sub: intake.Submission) -> SubmissionResult:
    return SubmissionResult(sub.student, every_case(_test_files(a), FAILED, sub.error),
                            status=NO_SUBMISSION if sub.missing else UNREADABLE,
                            notes=[sub.error] + sub.notes, backend="none")


def _grader_failure(a: Assignment, student: str, why: str) -> SubmissionResult:
    return SubmissionResult(student, every_case(_test_files(a), GRADER_ERROR, f"grader error: {why}"),
                            status=GRADER_ERROR, notes=[f"grader error: {why}"])


class _Progress:
    """A rich progress bar with ETA on a TTY; plain log lines otherwise."""

    def __init__(self, total: int, enabled: bool):
        self.total, self.done, self.bar = total, 0, None
        if enabled and sys.stderr.isatty():
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self.bar = Progress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                                TextColumn("{task.description}"), transient=False)
            self.task = self.bar.add_task("", total=total)
            self.bar.start()

    def update(self, r: SubmissionResult) -> None:
        self.done += 1
        line = for_terminal(f"{r.student}: {r.score:g}/{r.max_score:g}"
                            + (" (GRADER ERROR)" if r.status == GRADER_ERROR else ""))
        if self.bar:
            from rich.markup import escape

            self.bar.update(self.task, advance=1, description=escape(line))
        else:
            print(f"[{self.done}/{self.total}] {line}", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self.bar:
            self.bar.stop()


def main(assignment: str, submissions: list[Path], *, out: Path, jobs: int = 2, sandbox: str = "auto",
         device: str = "cpu", resume: bool = False, regrade: tuple[str, ...] = (), regrade_all: bool = False,
         shard: str | None = None, progress: bool = True, root: Path | None = None,
         roster: Path | None = None, reference_check: bool = True) -> BatchSummary:
    """Grade ``submissions`` (files or folders of them) of ``assignment`` into ``out``.

    Writes ``results/<student>.json`` (Gradescope format), ``feedback/<student>.md``, ``gradebook.csv``,
    ``report.html`` (+ PNG plots) and ``journal.jsonl``. Class exports (Gradescope, Canvas, Moodle, class
    zips) and the optional ``roster`` CSV give each student's identity (``autograder.grade.exports``).
    With ``resume=True``, a submission whose
    content is already in the journal, graded under the same assignment fingerprint
    (``assignment_fingerprint``) and without a grader error, is not graded again; ``regrade`` (student
    ids; implies ``resume``) grades those again whatever the journal holds. When the assignment or the
    grader changed since the batch, ``resume`` refuses (BatchError naming what changed) unless
    ``regrade_all``, which regrades every submission (then every submission of the batch must be
    among ``submissions``). An ``out`` holding another assignment's batch is refused. The gradebook
    and the report cover every submission of the journal, not only those given this time. Output
    files that changed since the grader wrote them are reported in ``tampered`` (and ``warnings``)
    and rewritten from the journal. ``shard="K/N"`` grades only the K-th of N parts of the
    submissions (``shard_of``); ``merge`` combines the shards' out folders (docs/cluster.md). Before the
    first submission is graded, ``check_reference`` grades the reference the same way and refuses the
    batch unless it scores full marks (``reference_check=False`` skips this: trusted in-process
    grading skips it too).
    """
    start = time.perf_counter()
    a = load_assignment(assignment, root)
    out = Path(out)
    journal = Journal(out / "journal.jsonl")
    resume = resume or bool(regrade) or regrade_all
    if journal.path.exists() and not resume:
        raise BatchError(f"{out} already holds a batch (journal.jsonl): pass --resume to continue it, "
                         "or choose another --out (nothing was changed)")
    if jobs < 1:
        raise BatchError(f"--jobs must be >= 1, got {jobs}")
    check_device(device)
    sandbox_used = check_sandbox(sandbox)  # fail closed before anything is written
    check_sandbox_device(a, sandbox_used, device)
    _remove_orphaned_folders(sandbox_used)
    from autograder.grade import exports

    try:
        listed = exports.Roster.read(roster) if roster is not None else None
        with tempdirs.temporary("intake") as unpack:  # class zips, unpacked
            subs = [intake.load(s, a.student_file)  # an --out inside a folder given is no submission
                    for s in intake.collect(submissions, a.student_file, roster=listed, unpack=Path(unpack),
                                            exclude=out)]
    except exports.ClassExportError as exc:
        raise BatchError(str(exc)) from exc
    if not subs:
        raise BatchError(f"no submissions found in {', '.join(map(str, submissions))} (empty folders and zips "
                         "are nobody's submission)")
    if shard is not None:
        subs = shard_of(subs, shard)
    fingerprint, parts = assignment_fingerprint(a)
    journaled = journal.entries() if resume else {}  # read once (a line per student, tens of kB each)
    _check_resumable(out, journal, a.name, fingerprint, parts, journaled, subs, regrade, regrade_all)
    header = journal.batch()
    if header is not None and header.get("shard") != shard:
        raise BatchError(f"{out} holds shard {header.get('shard') or 'none (a whole batch)'}, not "
                         f"{shard or 'a whole batch'}: resume it with the same --shard (nothing was changed)")
    summary = BatchSummary(out)
    if listed is not None:  # the journal's other students (a --resume given some of the batch) matched before
        given = {sub.student for sub in subs}
        for student, entry in journaled.items():
            if student not in given:
                listed.journaled(_journaled_original(entry) or "", student)
    if listed is not None and (lines := listed.unmatched()):
        summary.warnings.add(f"roster {roster}: {len(lines)} row(s) match no submission in the paths given, so none gets "
                             f"their identity: {', '.join(lines[:10])}{', ...' if len(lines) > 10 else ''}")
    with GradingPool(jobs) as pool:  # the reference check's processes grade the submissions too
        if reference_check and sandbox != "in-process" and any(
                not _reusable(journaled.get(sub.student), sub, regrade, regrade_all, fingerprint) and not sub.error
                for sub in subs):  # before anything is written (the journal included)
            with tempdirs.temporary("reference") as tmp:
                summary.reference = check_reference(a, sandbox_used, device, Path(tmp), pool)
        summary.tampered += _private_folders(out)
        visibility = a.options.hidden_visibility
        if resume:  # what changed between the runs, before anything is regraded over it
            summary.tampered += verify_outputs(out, journal, a.title, visibility, sweep=False, batch_files=True)
        journal.append_batch(a.name, fingerprint, parts, shard=shard)
        done: dict[str, SubmissionResult] = {}
        todo = []
        for sub in subs:
            previous = journaled.get(sub.student)
            if _reusable(previous, sub, regrade, regrade_all, fingerprint):
                done[sub.student] = submission_from_dict(previous["result"])
                if done[sub.student].student_info != sub.info:  # a roster given now, a renamed file: re-recorded
                    done[sub.student] = _finish(a, out, journal, done[sub.student], sub, summary, fingerprint)
                summary.reused += 1
            elif sub.error:
                done[sub.student] = _finish(a, out, journal, _unreadable(a, sub), sub, summary, fingerprint)
            else:
                todo.append(sub)
        bar = _Progress(len(todo), progress)
        with tempdirs.temporary("batch") as tmp:
            if sandbox != "in-process":  # out and the submissions: out of the workers' reach (uid: sealed)
                from autograder.sandbox import backends

                backends.get(sandbox_used).protect([out, tmp], backends.session_uid())
            tasks, by_student = {}, {}
            for sub in todo:
                path = Path(tmp) / sub.student / a.student_file
                path.parent.mkdir(parents=True)
                path.write_text(sub.source, encoding="utf-8")  # intake guarantees valid text; never the locale
                tasks[sub.student] = (a.name, str(a.root), str(path), sub.student, sandbox, device, sub.key, None,
                                      str(out / STAFF_LOG))
                by_student[sub.student] = sub
            staff_log = StaffLog(str(out / STAFF_LOG))  # this process's errors about a submission: kept too
            log.addHandler(staff_log)
            try:
                for student, result in _graded(tasks, jobs, pool=pool):
                    sub = by_student[student]
                    if not isinstance(result, SubmissionResult):
                        result = _grader_failure(a, student, result)
                    result.notes = sub.notes + result.notes
                    done[student] = _finish(a, out, journal, result, sub, summary, fingerprint)
                    summary.graded += 1
                    bar.update(result)
            finally:
                log.removeHandler(staff_log)
        bar.close()
    summary.tampered += verify_outputs(out, journal, a.title, visibility)
    _batch_files(a, out, journal, summary)
    summary.warnings.update(f"TAMPERED: {t}" for t in summary.tampered)
    summary.wall_s = time.perf_counter() - start
    summary.student_s = sum(c.student_s for r in summary.results for c in r.cases)
    for r in summary.results:
        summary.backends.add(r.backend)
    return summary


def _remove_orphaned_folders(sandbox: str) -> None:
    """Remove what killed batches left in the temporary folders (``autograder.sandbox.tempdirs``):
    copies of submissions, sessions' private and scratch folders; and their workers' empty cgroups."""
    from autograder.sandbox import backends

    base = backends.get(sandbox).session_base() if sandbox != "in-process" else None
    try:
        sockets = socket_base()
    except RuntimeError:  # no folder for the socket: starting the pool says so
        sockets = None
    for path in tempdirs.remove_orphans(None, base, sockets):
        log.warning("removed %s, left by a grading process that was killed", path)
    from autograder.sandbox.budget import remove_orphan_cgroups

    if removed := remove_orphan_cgroups():  # empty, and cheap: not worth a warning
        log.info("removed %d empty cgroups of grading processes that no longer run", len(removed))


def _reusable(previous: dict | None, sub, regrade: tuple[str, ...], regrade_all: bool, fingerprint: str) -> bool:
    """Is the journal's ``previous`` entry for ``sub`` its grade now (same content and fingerprint, no
    grader error, not asked to regrade)?"""
    return (previous is not None and previous.get("sha256") == sub.sha256 and sub.student not in regrade
            and not regrade_all and previous.get("fingerprint") == fingerprint and not _has_grader_error(previous))


def _batch_files(a: Assignment, out: Path, journal: Journal, summary: BatchSummary) -> None:
    """Build the gradebook and the report from the journal (the record of truth: they cover every
    student of the batch) and journal their hashes."""
    summary.results = journal_results(journal)
    questions = [q.name for q in a.questions]
    from autograder.grade.report import write_report

    written = {"gradebook.csv": atomic_write(out / "gradebook.csv", gradebook_csv(summary.results, questions))}
    written.update(write_report(summary.results, out, a.title))
    journal.append_outputs(written)


def shard_of(subs: list, shard: str) -> list:
    """The ``K``-th of ``N`` parts (``shard="K/N"``, 1 <= K <= N) of ``subs``: sorted by student id,
    every N-th from the (K-1)-th. Ids are given over the whole input first (intake), so each
    submission has the same id in every shard and the parts are disjoint and cover the batch."""
    k, _, n = shard.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise BatchError(f"--shard must be K/N with 1 <= K <= N (e.g. 2/8), got {shard!r}")
    ordered = sorted(subs, key=lambda s: s.student)
    return ordered[int(k) - 1::int(n)]


def changed_files(out: Path, journal: Journal) -> list[str]:
    """The files of ``out`` whose sha256 no longer matches what the journal recorded (read-only:
    nothing is rewritten; ``verify_outputs`` rewrites them)."""
    found = []
    for entry in journal.entries().values():
        for rel, sha in (entry.get("files") or {}).items():
            if _sha256_file(out / rel) != sha:
                found.append(rel)
    for rel, sha in journal.outputs().items():
        if _sha256_file(out / rel) != sha:
            found.append(rel)
    return sorted(set(found))


def _check_shard_set(headers: list[tuple[Path, dict]]) -> None:
    """The folders are the shards 1/N ... N/N of one split, each once: a missing shard would leave its
    students out of the merged gradebook, with nothing to say so."""
    shards = []
    for folder, h in headers:
        k, _, n = str(h.get("shard") or "").partition("/")
        if not (k.isdigit() and n.isdigit()):
            raise BatchError(f"merge: {folder} is a whole batch, not a shard (grade --shard K/N): only the shards "
                             "of one batch are merged (nothing was changed)")
        shards.append((int(k), int(n)))
    counts = {n for _, n in shards}
    if len(counts) > 1:
        raise BatchError(f"merge: the shards were split differently (of {', '.join(map(str, sorted(counts)))}): "
                         "give the K/N shards of one split (nothing was changed)")
    n = counts.pop()
    given = sorted(k for k, _ in shards)
    missing = sorted(set(range(1, n + 1)) - set(given))
    twice = sorted({k for k in given if given.count(k) > 1})
    if missing or twice:
        raise BatchError(f"merge: shard(s) {', '.join(f'{k}/{n}' for k in missing or twice)} "
                         f"{'missing' if missing else 'given twice'}: give each of the {n} shards once (its "
                         "students would be left out of the gradebook; nothing was changed)")


def merge(outs: list[Path], *, out: Path, root: Path | None = None) -> BatchSummary:
    """Combine the out folders of a sharded batch (``grade --shard K/N``) into ``out``: each journal
    checked against its files (``changed_files``), all of one assignment under one fingerprint, no
    student in two of them; then results, feedback, the gradebook and the report are written from
    the combined journal, as a single run writes them."""
    start = time.perf_counter()
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BatchError(f"merge --out {out}: not empty; merge into a new folder (nothing was changed)")
    if not outs:
        raise BatchError("merge: name the shards' out folders")
    headers, owner, entries = [], {}, []
    for folder in map(Path, outs):
        journal = Journal(folder / "journal.jsonl")
        header = journal.batch()
        if header is None:
            raise BatchError(f"merge: {folder} holds no batch (no journal.jsonl with a batch line)")
        bad = changed_files(folder, journal)
        if bad:
            raise BatchError(f"merge: {folder}: {', '.join(bad[:5])} no longer match its journal: run grade "
                             f"--resume on it first (nothing was changed)")
        headers.append((folder, header))
        for student, entry in sorted(journal.entries().items()):
            if student in owner:
                raise BatchError(f"merge: student {student!r} is in both {owner[student]} and {folder}: "
                                 "were they graded as shards of one batch?")
            if entry.get("fingerprint") != header["fingerprint"]:
                raise BatchError(f"merge: {folder}: {student!r} was graded under another fingerprint than its "
                                 "batch's: regrade it (grade --resume --regrade-all) first")
            owner[student] = folder
            entries.append(entry)
    _check_shard_set(headers)
    (first, h0), *rest = headers
    for folder, h in rest:
        if (h["assignment"], h["fingerprint"]) != (h0["assignment"], h0["fingerprint"]):
            raise BatchError(f"merge: {folder} ({h['assignment']}) and {first} ({h0['assignment']}) were not graded "
                             "with the same assignment, tests, reference and grader: they cannot be merged")
    a = load_assignment(h0["assignment"], root)
    fingerprint, parts = assignment_fingerprint(a)
    if fingerprint != h0["fingerprint"]:
        raise BatchError(f"merge: the assignment or the grader changed since {first} was graded "
                         "(its fingerprint is not this checkout's): regrade the shards")
    summary = BatchSummary(out)
    _private_folders(out)
    journal = Journal(out / "journal.jsonl")
    journal.append_batch(a.name, fingerprint, parts, shard=None, merged=[str(p) for p in outs])
    visibility = a.options.hidden_visibility
    for entry in sorted(entries, key=lambda e: e["student"]):
        result = submission_from_dict(entry["result"])
        files = write_submission(out, result, a.title, visibility)
        journal.append(result, entry.get("sha256", ""), files, fingerprint)
    _batch_files(a, out, journal, summary)
    _merge_staff_logs(outs, out / STAFF_LOG)
    summary.wall_s = time.perf_counter() - start
    summary.backends = {r.backend for r in summary.results}
    return summary


def _merge_staff_logs(outs: list[Path], merged: Path) -> None:
    """The shards' ``grading.log`` files, in the order given, each after a line naming its shard, into
    ``merged`` (0600; made only when a shard has one): a grader error's traceback is not left behind in a
    shard's folder that the staff no longer look at."""
    logs = [Path(o) / STAFF_LOG for o in outs]
    logs = [p for p in logs if p.is_file() and not p.is_symlink()]
    if not logs:
        return
    with open(merged, "x", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as f:
        for path in logs:
            f.write(f"# {path} (merged)\n")
            f.write(path.read_text(encoding="utf-8", errors="replace"))


def _has_grader_error(entry: dict) -> bool:
    """A journal line whose result holds a grader error (retried by every ``--resume``)."""
    result = entry.get("result") or {}
    return result.get("status") == GRADER_ERROR or any(
        isinstance(c, dict) and c.get("status") == GRADER_ERROR for c in result.get("cases", []))


def journal_results(journal: Journal) -> list[SubmissionResult]:
    """Every student's latest result in ``journal``, sorted by id (malformed lines skipped: see
    ``verify_outputs``, which reports them)."""
    results = []
    for student, entry in sorted(journal.entries().items()):
        try:
            r = submission_from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            continue
        if r.student == student and "/" not in student and not student.startswith(".") and "\0" not in student:
            results.append(r)
    return results


def changed_parts(header: dict, parts: dict[str, str]) -> list[str]:
    """The parts of the fingerprint (``assignment_fingerprint``: tests, reference, assignment.toml, engine)
    that differ between a journal's batch line ``header`` and ``parts`` (this checkout's)."""
    recorded = header.get("parts") if isinstance(header.get("parts"), dict) else {}
    return [k for k in parts if recorded.get(k) != parts[k]]


def _journaled_original(entry: dict) -> str | None:
    """The file name a journaled submission was handed in under (its ``student_info``), None if not recorded."""
    info = (entry.get("result") or {}).get("student_info")
    original = info.get("original") if isinstance(info, dict) else None
    return original if isinstance(original, str) else None


def _renamed(journaled: dict[str, dict], subs: list) -> list[tuple[str, str]]:
    """``[(journaled id, id now)]``: submissions graded under one student id that intake now gives another
    (the same file as handed in, the same content; the old id no longer found)."""
    given = {s.student for s in subs}
    before = {}
    for student, entry in journaled.items():
        original = _journaled_original(entry)
        if student not in given and original is not None:
            before[(original, entry.get("sha256"))] = student
    return sorted((before[(s.original, s.sha256)], s.student) for s in subs
                  if (s.original, s.sha256) in before and s.student not in journaled)


def _check_resumable(out: Path, journal: Journal, name: str, fingerprint: str, parts: dict[str, str],
                     journaled: dict[str, dict], subs: list, regrade: tuple[str, ...], regrade_all: bool) -> None:
    """Refuse (BatchError, nothing changed) a resume that would mix assignments, keep stale grades or
    regrade a student who is not among the submissions."""
    given = {s.student for s in subs}
    unknown = sorted(set(regrade) - given)
    if unknown:
        raise BatchError(f"--regrade {' '.join(unknown)}: no such submission among "
                         f"{len(given)} found in the paths given (their ids: {', '.join(sorted(given)[:10])}"
                         f"{', ...' if len(given) > 10 else ''}); nothing was changed")
    header = journal.batch()
    if header is not None and header["assignment"] != name:
        raise BatchError(f"{out} holds a batch of assignment {header['assignment']!r}, not {name!r}: "
                         "grade another assignment into another --out (nothing was changed)")
    if not journaled:
        return
    renamed = _renamed(journaled, subs)
    if renamed:
        listed = ", ".join(f"{old!r} is now {new!r}" for old, new in renamed[:5])
        raise BatchError(f"{out}: {len(renamed)} submission(s) have another student id than when they were graded "
                         f"({listed}{', ...' if len(renamed) > 5 else ''}: a --roster or the class export changed "
                         "the ids); the batch would hold both rows. Grade into a new --out (nothing was changed)")
    stale = sorted(s for s, e in journaled.items() if e.get("fingerprint") != fingerprint)
    if not stale:
        return
    if header is None:
        why = "the journal was written by an older grader that recorded no fingerprint"
    else:
        changed = changed_parts(header, parts) or ["the fingerprint"]
        why = f"since the batch was graded, {', '.join(changed)} changed"
    if not regrade_all:
        raise BatchError(f"{out}: {why}, so {len(stale)} journaled result(s) are stale: pass --regrade-all "
                         "to regrade every submission (nothing was changed)")
    missing = sorted(set(stale) - given)
    if missing:
        raise BatchError(f"--regrade-all: {why}, and {len(missing)} submission(s) of the batch are not among "
                         f"the paths given ({', '.join(missing[:10])}{', ...' if len(missing) > 10 else ''}): "
                         "give every submission, or grade into a new --out (nothing was changed)")
    log.warning("%s: regrading every submission", why)


def _private_folders(out: Path) -> list[str]:
    """The output folder and its results/feedback folders, readable and writable by this user only.
    A results/feedback that is not a real folder (a symlink would send the writes elsewhere) is
    reported and replaced by an empty folder (its files are then rewritten from the journal)."""
    found = []
    out.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(out, 0o700)
    for folder in (out / "results", out / "feedback"):
        if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
            found.append(f"{folder.name}/ is not the grader's folder (a symlink or a file); replaced")
            folder.unlink()
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)
    return found


def _as_handed_in(sub: intake.Submission, student_file: str) -> str:
    """How a flag names the file its line numbers are of: the file graded as the TA finds it (``alice.py``,
    ``alice/cnn_final.py``, ``alice.zip: src/cnn_numpy.py``); a notebook's lines are those of its code cells
    put together."""
    graded = sub.graded_as or sub.original or student_file
    return f"{graded} (its code cells)" if graded.endswith(".ipynb") else graded


def _finish(a: Assignment, out: Path, journal: Journal, result: SubmissionResult, sub: intake.Submission,
            summary: BatchSummary, fingerprint: str = "") -> SubmissionResult:
    """Flag, clean and write one submission's files, then journal it with their hashes (the journal
    line comes last: see journal.py)."""
    result.flags = list(sub.flags) + (integrity.scan_source(sub.source, _as_handed_in(sub, a.student_file))
                                      if sub.source and not sub.error else [])
    result.student_info = sub.info
    if result.status == OK and not sub.error and not sub.source.strip():
        result.status = NO_SUBMISSION  # an empty file: nothing was handed in
    # a case that could not be judged: the total is not the student's score (a test bug hit by some students'
    # inputs only passes the reference check)
    settle_status(result)
    result = cleaned(result)
    files = write_submission(out, result, a.title, a.options.hidden_visibility)
    journal.append(result, sub.sha256, files, fingerprint)
    summary.warnings.update(result.warnings)  # the sandbox session's own list, never the notes' text
    return result


def _sha256_file(path: Path) -> str | None:
    """sha256 of a regular file's bytes; None when it is missing, not a regular file, or a symlink."""
    try:
        if path.is_symlink() or not path.is_file():
            return None
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def verify_outputs(out: Path, journal: Journal, title: str, hidden_visibility: str, *, sweep: bool = True,
                   batch_files: bool = False) -> list[str]:
    """Check every results/feedback file the journal knows against its recorded sha256 and rewrite a
    changed or missing one from the journal's result. With ``sweep``, remove the files in
    ``results/``/``feedback/`` that the journal does not know (not before a resume: a run killed
    between writing a submission's files and journaling them leaves them, and they are regraded).
    With ``batch_files``, also check the gradebook and the report of the last complete run (they
    are rebuilt from the journal at the end of every run). Returns what was found."""
    found: list[str] = []
    known: set[str] = set()
    for student, entry in sorted(journal.entries().items()):
        if "/" in student or student.startswith(".") or "\0" in student:
            found.append(f"journal.jsonl names an impossible student {student!r}; ignored")
            continue
        try:
            result = submission_from_dict(entry["result"])
        except (KeyError, TypeError, ValueError):
            result = None
        if result is None or result.student != student:
            found.append(f"journal.jsonl holds a malformed entry for {student!r}; ignored")
            continue
        texts = submission_files(result, title, hidden_visibility)
        known.update(texts)
        recorded = entry.get("files") if isinstance(entry.get("files"), dict) else {}
        fresh = {}
        for rel, text in texts.items():
            if rel not in recorded:
                continue  # a journal line from before hashes were recorded: nothing to compare with
            current = _sha256_file(out / rel)
            fresh[rel] = recorded[rel]
            if current == recorded[rel]:
                continue
            found.append(f"{rel} {'is missing' if current is None else 'was changed'} after the grader wrote it; "
                         "rewritten from the journal")
            if (out / rel).is_dir() and not (out / rel).is_symlink():  # a folder in its place
                shutil.rmtree(out / rel, ignore_errors=True)
            fresh[rel] = atomic_write(out / rel, text)
        if fresh != {k: v for k, v in recorded.items() if k in fresh}:  # the rendering changed (new grader)
            journal.append(result, entry.get("sha256", ""), fresh, str(entry.get("fingerprint", "")))
    for folder in ("results", "feedback") if sweep else ():
        path = out / folder
        if not path.is_dir() or path.is_symlink():
            continue
        for p in sorted(path.iterdir()):
            rel = f"{folder}/{p.name}"
            if rel in known:
                continue
            ours = p.name.startswith(".") and p.name.endswith(".tmp") and p.is_file() and not p.is_symlink()
            if not ours:  # a temporary file of a killed write is ours; anything else is foreign
                found.append(f"{rel} was not written by the grader (not in the journal); removed")
            if p.is_dir() and not p.is_symlink():
                shutil.rmtree(p, ignore_errors=True)
            else:
                p.unlink(missing_ok=True)
    if batch_files:
        for rel, sha in sorted(journal.outputs().items()):
            if isinstance(rel, str) and "/" not in rel and _sha256_file(out / rel) != sha:
                found.append(f"{rel} was changed or removed after the grader wrote it; rebuilt from the journal")
    for line in found:  # the caller reports them (BatchSummary.tampered, the CLI's warnings)
        log.info("TAMPERED: %s", line)
    return found
