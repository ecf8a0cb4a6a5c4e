"""Load otter exception-style test files and run their cases against an environment.

The environment maps names to the student's functions: the real ones (``check``, run on the
student's own machine) or sandbox proxies (``grade``, ``verify``). Test files are trusted code:
they run here, in the grader's process, and compute expected values from the reference.
"""
from __future__ import annotations

import inspect
import logging
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from autograder.checks.context import GradingContext, use_context
from autograder.checks.errors import CheckFailure
from autograder.core.results import FAILED, GRADER_ERROR, PASSED, CaseResult

log = logging.getLogger(__name__)


@dataclass
class Case:
    """One ``@test_case`` of a test file."""

    name: str
    func: Callable
    points: float
    hidden: bool

    @property
    def params(self) -> list[str]:
        return list(inspect.signature(self.func).parameters)


@dataclass
class TestFile:
    """One otter test file: a question."""

    path: Path
    name: str
    cases: list[Case] = field(default_factory=list)

    @property
    def points(self) -> float:
        return sum(c.points for c in self.cases)


class TestFileError(ValueError):
    """A test file is malformed (the instructor's problem, reported with its path)."""


def load_test_file(path: Path) -> TestFile:
    """Execute ``path`` in a fresh namespace and collect its otter ``test_case`` objects."""
    from otter.test_files import test_case  # the class whose instances mark cases

    path = Path(path)
    namespace: dict = {"__file__": str(path), "__name__": f"otter_test_{path.stem}"}
    try:
        exec(compile(path.read_text(), str(path), "exec"), namespace)
    except Exception as exc:
        raise TestFileError(f"{path}: cannot load the test file: {type(exc).__name__}: {exc}") from exc
    if "name" not in namespace:
        raise TestFileError(f"{path}: an otter test file must define 'name'")
    spec = TestFile(path, namespace["name"])
    for value in list(namespace.values()):
        if isinstance(value, test_case):
            if value.points is None:
                raise TestFileError(f"{path}: test case {value.test_func.__name__} has no points")
            spec.cases.append(Case(value.name or value.test_func.__name__, value.test_func,
                                   float(value.points), bool(value.hidden)))
    if not spec.cases:
        raise TestFileError(f"{path}: no @test_case found")
    return spec


def load_test_files(tests_dir: Path) -> list[TestFile]:
    """Every ``*.py`` test file of ``tests_dir``, in name order (otter's order)."""
    files = sorted(Path(tests_dir).glob("*.py"))
    if not files:
        raise TestFileError(f"{tests_dir}: no test files (*.py)")
    return [load_test_file(p) for p in files]


def run_case(test_file: TestFile, case: Case, env: dict, ctx: GradingContext,
             student_time: Callable[[], float] = lambda: 0.0) -> CaseResult:
    """Run one case. A ``CheckFailure`` is the student's; any other exception is a grader error."""
    result = CaseResult(test_file.name, case.name, case.points, case.hidden)
    kwargs = {p: (env if p == "env" else env.get(p)) for p in case.params}
    start, student_start = time.perf_counter(), student_time()
    with use_context(replace(ctx, hidden=case.hidden)):
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
    return result


def run_test_files(test_files: list[TestFile], env: dict, ctx: GradingContext,
                   student_time: Callable[[], float] = lambda: 0.0) -> list[CaseResult]:
    return [run_case(tf, case, env, ctx, student_time) for tf in test_files for case in tf.cases]
