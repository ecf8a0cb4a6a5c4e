"""``check``: the student's local run of the public tests, with a friendly report.

Runs on the student's own machine, in-process (their code, their computer). Only public cases run;
hidden cases exist only in the grader. The table lists each question's public points; below it,
the first failure of each question is explained. Exit 0 only if every public case passes.
"""
from __future__ import annotations

import ast
import importlib.util
import sys
import traceback
from pathlib import Path

from autograder.checks.context import GradingContext
from autograder.core.assignment import REPO_ROOT, AssignmentError, load_assignment
from autograder.core.results import PASSED
from autograder.grade.testfiles import TestFile, load_test_files, run_test_files


def _tests_dir(assignment: str, file: Path) -> tuple[Path, tuple[str, ...]]:
    """The public tests: the repo's ``assignments/<a>/tests`` or the bundle's ``tests/``."""
    try:
        a = load_assignment(assignment)
        return a.tests_dir, a.forbidden_imports
    except AssignmentError:
        for base in (file.resolve().parent, Path.cwd(), REPO_ROOT):
            if (base / "tests").is_dir():
                return base / "tests", ()
        raise


def forbidden_imports_in(source: str, forbidden: tuple[str, ...]) -> list[str]:
    """Top-level packages from ``forbidden`` that ``source`` imports (statically)."""
    found = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # importing the file reports it, with the line
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
        found += [n.split(".")[0] for n in names if n.split(".")[0] in forbidden]
    return sorted(set(found))


def load_student_module(file: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # so that dataclasses/pickle inside the student's file work
    spec.loader.exec_module(module)
    return module


def _public_only(files: list[TestFile]) -> list[TestFile]:
    for tf in files:
        tf.cases = [c for c in tf.cases if not c.hidden]
    return [tf for tf in files if tf.cases]


def main(assignment: str, file: Path, *, out=None) -> int:
    """Run the public tests of ``assignment`` on the student's ``file``; return the exit code."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, highlight=False, soft_wrap=True)
    file = Path(file)
    tests_dir, forbidden = _tests_dir(assignment, file)
    source = file.read_text()
    bad = forbidden_imports_in(source, forbidden)
    if bad:
        console.print(f"[red]{file.name} imports {', '.join(bad)}: this assignment must use NumPy only; "
                      "the grader will refuse it.[/red]")
        return 1
    try:
        module = load_student_module(file, file.stem)
    except BaseException as exc:  # noqa: BLE001 - a syntax error, an exception or sys.exit at import
        tb = traceback.format_exception(type(exc), exc, exc.__traceback__)
        console.print(f"[red]{file.name} cannot be imported:[/red]\n" + "".join(tb[-3:]))
        return 1
    files = _public_only(load_test_files(tests_dir))
    ctx = GradingContext(assignment=assignment, student="local")
    results = run_test_files(files, vars(module), ctx)

    table = Table(title=f"{assignment}: public tests on {file.name}")
    for col in ("question", "passed", "points"):
        table.add_column(col)
    first_failure: dict[str, str] = {}
    for tf in files:
        mine = [r for r in results if r.question == tf.name]
        got, top = sum(r.score for r in mine), sum(r.points for r in mine)
        n_ok = sum(r.status == PASSED for r in mine)
        table.add_row(tf.name, f"{n_ok}/{len(mine)}", f"{got:g}/{top:g}",
                      style="green" if n_ok == len(mine) else "red")
        failed = [r for r in mine if r.status != PASSED]
        if failed:
            first_failure[tf.name] = f"{failed[0].name}: {failed[0].message}"
    console.print(table)
    for question, message in first_failure.items():
        console.print(f"[bold]{question}[/bold] first failure - {message}")
    total, top = sum(r.score for r in results), sum(r.points for r in results)
    console.print(f"public tests: {total:g}/{top:g} points. Hidden tests (random shapes, gradient checks, "
                  "edge cases) run only on the grader.")
    return 0 if all(r.status == PASSED for r in results) else 1
