"""Grade one submission file against an assignment's test files."""
from __future__ import annotations

import importlib.util
import itertools
import logging
from pathlib import Path

from autograder.checks.context import GradingContext
from autograder.core.assignment import Assignment
from autograder.core.results import SubmissionResult
from autograder.grade.testfiles import TestFile, load_test_files, run_test_files

log = logging.getLogger(__name__)
_counter = itertools.count()


def grading_context(a: Assignment, student: str, device: str = "cpu") -> GradingContext:
    """The context of a grading run: reference loaded here, in the trusted process."""
    return GradingContext(assignment=a.name, seed=a.seed, student=student, device=device,
                          reference_path=a.solution_file, options=a.options)


def grade_in_process(a: Assignment, file: Path, student: str, test_files: list[TestFile] | None = None,
                     ctx: GradingContext | None = None) -> SubmissionResult:
    """Grade TRUSTED code (the reference, stubs, mutants) in this process. Never for submissions:
    those go through ``autograder.sandbox`` (SPEC section 6, invariant 1)."""
    test_files = test_files if test_files is not None else load_test_files(a.tests_dir)
    ctx = ctx or grading_context(a, student)
    result = SubmissionResult(student, backend="in-process")
    name = f"_trusted_{a.module_name}_{next(_counter)}"
    spec = importlib.util.spec_from_file_location(name, file)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        env = vars(module)
    except Exception as exc:  # noqa: BLE001
        result.notes.append(f"{Path(file).name} cannot be imported: {type(exc).__name__}: {exc}")
        env = {}
    result.cases = run_test_files(test_files, env, ctx)
    return result
