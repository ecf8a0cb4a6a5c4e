"""Grade one submission file against an assignment's test files."""
from __future__ import annotations

import hashlib
import importlib.util
import itertools
import logging
import shutil
from dataclasses import asdict
from pathlib import Path

from autograder.checks.context import GradingContext, course_secret
from autograder.core.assignment import Assignment
from autograder.core.results import IMPORT_ERROR, SYNTAX_ERROR, SubmissionResult
from autograder.grade.runner import TestFile, every_case, load_test_files, run_test_files

log = logging.getLogger(__name__)
_counter = itertools.count()


def grading_context(a: Assignment, student: str, device: str = "cpu", file: Path | None = None) -> GradingContext:
    """The context of a grading run: reference loaded here, in the trusted process. Hidden inputs derive
    from the course secret (``AG_COURSE_SECRET``), the assignment seed, the student id and the sha256 of
    the graded ``file``."""
    return GradingContext(assignment=a.name, seed=a.seed, student=student, device=device,
                          reference_path=a.solution_file, options=asdict(a.options), secret=course_secret(),
                          parent_support_path=a.parent_support_file, worker_support_path=a.worker_support_file,
                          submission_sha256=hashlib.sha256(Path(file).read_bytes()).hexdigest() if file else "")


def grade_in_process(a: Assignment, file: Path, student: str, test_files: list[TestFile] | None = None,
                     ctx: GradingContext | None = None) -> SubmissionResult:
    """Grade TRUSTED code (the reference, stubs, mutants) in this process. Never for submissions:
    those go through ``autograder.sandbox`` (README, "Grading: the trust boundary")."""
    test_files = test_files if test_files is not None else load_test_files(a.tests_dir)
    ctx = ctx or grading_context(a, student, file=file)
    result = SubmissionResult(student, backend="in-process")
    name = f"_trusted_{a.module_name}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        env = vars(module)
    except Exception as exc:  # noqa: BLE001 - its cases then fail as 'missing', as a sandboxed grading's do
        result.status = SYNTAX_ERROR if isinstance(exc, SyntaxError) else IMPORT_ERROR
        result.notes.append(f"{Path(file).name} cannot be imported: {type(exc).__name__}: {exc}")
        env = {}
    from autograder.checks.remote import one_torch_thread

    with one_torch_thread():  # as the worker runs torch: in-process timings match a sandboxed grading's
        result.cases = run_test_files(test_files, env, ctx)
    return result


def _import_message(a: Assignment, r) -> str:
    detail = " ".join(r.error.split())[:400]
    frames = [line.strip() for line in r.traceback.splitlines() if "line" in line and a.student_file in line]
    where = f" [{frames[-1][:160]}]" if frames and "line" not in detail else ""
    return f"{a.student_file} could not be imported: {detail}{where}"


def import_failure_status(a: Assignment, source: str, import_status: str) -> str:
    """The submission status (``autograder.core.results``) of a student file whose import failed with
    ``import_status`` (a ``CallResult`` status). Judged here, in the trusted parent, from the source
    itself: the worker's error text is the student's word (it can raise any message it likes)."""
    import ast

    from autograder.core.calls import TIMEOUT
    from autograder.core.results import REFUSED_IMPORT
    from autograder.core.results import TIMEOUT as TIMED_OUT

    try:
        tree = ast.parse(source, a.student_file)  # parsing runs nothing; the source is size-capped by intake
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return SYNTAX_ERROR
    if import_status == TIMEOUT:
        return TIMED_OUT
    forbidden = {m.split(".")[0] for m in a.forbidden_imports}
    for node in ast.walk(tree):
        names = ([al.name for al in node.names] if isinstance(node, ast.Import)
                 else [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        if any(n.split(".")[0] in forbidden for n in names):
            return REFUSED_IMPORT
    return IMPORT_ERROR


def grade_sandboxed(a: Assignment, file: Path, student: str, test_files: list[TestFile] | None = None, *,
                    backend: str = "auto", device: str = "cpu", ctx: GradingContext | None = None
                    ) -> SubmissionResult:
    """Grade an UNTRUSTED submission: its code runs only in a sandboxed worker (``autograder.sandbox``);
    the test files run here and see the student's functions as proxies."""
    import time

    from autograder.core.calls import OK
    from autograder.core.results import FAILED, GRADER_ERROR, CaseResult
    from autograder.grade.proxies import StudentFunction, helper_copy
    from autograder.sandbox import WorkerSession
    from autograder.sandbox.backends import course_secrets

    test_files = test_files if test_files is not None else load_test_files(a.tests_dir)
    ctx = ctx or grading_context(a, student, device, file)
    result = SubmissionResult(student)
    limits = a.limits
    all_cases = [(tf, case) for tf in test_files for case in tf.cases]
    deadline = time.monotonic() + a.limits.submission_timeout_s

    def fail_all(status: str, message: str) -> None:
        result.cases = every_case(test_files, status, message)

    helper_files, helpers, helpers_dir = helper_copy(a.worker_support_file)
    try:
        session = WorkerSession(file, a.module_name, backend=backend, limits=limits, device=device,
                                forbidden_imports=a.forbidden_imports,
                                forbidden_reason=a.options.forbidden_reason,
                                helper_files=helper_files, deadline=deadline,
                                budget_s=a.limits.submission_timeout_s,
                                protect=(*course_secrets(a.root), a.solution_dir, a.tests_dir))
    except Exception as exc:  # noqa: BLE001 - the sandbox could not even be set up: our problem
        log.exception("cannot start a sandbox for %s", student)
        result.status = GRADER_ERROR
        fail_all(GRADER_ERROR, f"grader error: the sandbox could not start ({type(exc).__name__})")
        return result
    finally:
        shutil.rmtree(helpers_dir, ignore_errors=True)  # the session copied it
    with session:
        result.backend = session.backend
        result.notes += session.warnings
        result.warnings = list(session.warnings)  # the CLI's WARNING lines come from here only
        status = session.import_status
        if session.grader_error:
            result.status = GRADER_ERROR
            fail_all(GRADER_ERROR, "grader error: the sandboxed worker could not start (not the student's fault)")
            output = " ".join(status.output.split())[-1000:]  # the interpreter's or bwrap's own words
            log.error("worker for %s could not start: %s%s", student, status.error,
                      f"; its output: {output}" if output else "; it printed nothing")
            return result
        if status.status != OK:
            message = _import_message(a, status)
            result.notes.append(message)
            fail_all(FAILED, message)
            result.status = import_failure_status(a, Path(file).read_text(encoding="utf-8", errors="replace"),
                                                  status.status)
            return result
        state = {"student_s": 0.0, "timed_out": set(), "helpers": helpers}
        names = {p for _, case in all_cases for p in case.params if p != "env"}
        env = {name: StudentFunction(session, name, state) for name in names}
        env["env"] = env
        from autograder.grade.runner import run_case

        for tf, case in all_cases:
            if time.monotonic() > deadline:
                result.cases.append(CaseResult(tf.name, case.name, case.points, case.hidden, FAILED,
                                               f"not run: the submission used up its {a.limits.submission_timeout_s:g} s "
                                               "time budget"))
                state["out_of_time"] = True
                continue
            result.cases.append(run_case(tf, case, env, ctx, student_time=lambda: state["student_s"]))
    if state.get("out_of_time"):
        from autograder.core.results import TIMEOUT as TIMED_OUT

        result.status = TIMED_OUT  # the submission's time budget ran out: some cases were not run
    return result
