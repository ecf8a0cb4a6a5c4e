"""Load otter exception-style test files and run their cases against an environment.

The environment maps names to the student's functions: the real ones (``check``, run on the
student's own machine) or sandbox proxies (``grade``, ``verify``). Test files are trusted code:
they run here, in the grader's process, and compute expected values from the reference.
"""
from __future__ import annotations

import logging
import time
import traceback
from dataclasses import replace
from typing import Callable

from autograder.checks.context import GradingContext, use_context
from autograder.checks.errors import CheckFailure
from autograder.core.results import FAILED, GRADER_ERROR, PASSED, CaseResult, SubmissionResult
from autograder.core.testfiles import Case, TestFile, TestFileError, load_test_file, load_test_files

__all__ = ["Case", "TestFile", "TestFileError", "load_test_file", "load_test_files", "every_case", "run_case",
           "run_test_files", "only_cases", "completed"]

log = logging.getLogger(__name__)


def run_case(test_file: TestFile, case: Case, env: dict, ctx: GradingContext,
             student_time: Callable[[], float] = lambda: 0.0) -> CaseResult:
    """Run one case. A ``CheckFailure`` is the student's; any other exception is a grader error. When
    ``ctx.per_student_cases`` is a set, the case is added to it if it read the student key."""
    result = CaseResult(test_file.name, case.name, case.points, case.hidden)
    kwargs = {p: (env if p == "env" else env.get(p)) for p in case.params}
    start, student_start = time.perf_counter(), student_time()
    case_ctx = replace(ctx, hidden=case.hidden, verified=set())  # fresh per case: read_student starts False
    with use_context(case_ctx):
        try:
            case.func(**kwargs)
            result.status = PASSED
        except CheckFailure as exc:
            result.status, result.message = FAILED, str(exc)
        except Exception as exc:  # noqa: BLE001 - anything else is our bug, never the student's score
            result.status = GRADER_ERROR
            result.message = f"grader error in {test_file.name}/{case.name}: {type(exc).__name__}"
            log.error("grader error in %s/%s:\n%s", test_file.path, case.name, traceback.format_exc())
    result.duration_s = time.perf_counter() - start
    result.student_s = student_time() - student_start
    if ctx.per_student_cases is not None and case_ctx.read_student:
        ctx.per_student_cases.add((test_file.name, case.name))
    return result


def run_test_files(test_files: list[TestFile], env: dict, ctx: GradingContext,
                   student_time: Callable[[], float] = lambda: 0.0) -> list[CaseResult]:
    return [run_case(tf, case, env, ctx, student_time) for tf in test_files for case in tf.cases]


def only_cases(test_files: list[TestFile], keys) -> list[TestFile]:
    """``test_files`` with only the cases in ``keys`` (``{(test file name, case name)}``); files left
    without a case are left out."""
    subset = [TestFile(tf.path, tf.name, [c for c in tf.cases if (tf.name, c.name) in keys]) for tf in test_files]
    return [tf for tf in subset if tf.cases]


def completed(result: SubmissionResult, base: SubmissionResult) -> SubmissionResult:
    """``result``, graded on some cases only, with every other case copied from ``base`` (a grading of the
    same cases on the same inputs and code: another id's, or the reference's), in ``base``'s case order."""
    graded = {(c.question, c.name): c for c in result.cases}
    return replace(result, cases=[graded.get((c.question, c.name)) or replace(c) for c in base.cases])


def every_case(test_files: list[TestFile], status: str, message: str) -> list[CaseResult]:
    """One result per case, all with the same ``status`` and ``message`` (a submission that could not
    be run at all: unreadable, not importable, or a grader failure)."""
    return [CaseResult(tf.name, c.name, c.points, c.hidden, status, message) for tf in test_files for c in tf.cases]
