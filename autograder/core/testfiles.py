"""Otter exception-style test files, loaded into plain data: which cases, worth how much, hidden or not.

Test files are trusted code (the instructor's): loading executes them in a fresh namespace.
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from autograder.core.errors import AutograderError


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


class TestFileError(AutograderError, ValueError):
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
