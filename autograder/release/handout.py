"""The handout's questions table against ``assignment.toml``, and the student bundle's README.

The handout (``assignments/<a>/handout.md``) is prose written by the instructor; its table of
questions and points is the one part that must agree with the grader. ``release`` refuses a handout
whose table names a question or a number of points other than ``assignment.toml`` (a points change
that forgot the handout), naming the file, the question and both numbers.

The bundle's ``README.md`` is the handout with a generated "Set-up" section on top: the one command
that makes the environment ``requirements.txt`` pins (``autograder/release/environment.py``).
"""
from __future__ import annotations

import re
from pathlib import Path

from autograder.core.assignment import Assignment
from autograder.core.errors import AutograderError
from autograder.release.headers import header


class HandoutError(AutograderError, ValueError):
    """The handout disagrees with ``assignment.toml`` (the message names the file and the question)."""


def _cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def _plain(cell: str) -> str:
    """The cell's text without Markdown emphasis or code marks (``**92**`` -> ``92``)."""
    return re.sub(r"[*`]", "", cell).strip()


def points_table(text: str) -> list[tuple[int, str, str]]:
    """``(line number, question cell, points cell)`` of each row of the handout's questions table:
    the first Markdown table whose header's first column is ``question`` and last is ``points``."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        head = [c.lower() for c in _cells(line)] if line.lstrip().startswith("|") else []
        if len(head) >= 2 and head[0] == "question" and head[-1] == "points":
            rows = []
            for j in range(i + 2, len(lines)):  # i + 1 is the |---| separator
                if not lines[j].lstrip().startswith("|"):
                    break
                cells = _cells(lines[j])
                rows.append((j + 1, _plain(cells[0]), _plain(cells[-1])))
            return rows
    return []


def _number(cell: str) -> float | None:
    try:
        return float(cell.replace(",", ""))
    except ValueError:
        return None


def check_points_table(a: Assignment, handout: Path | None = None) -> None:
    """Raise ``HandoutError`` unless the handout's table lists exactly the questions of
    ``assignment.toml``, in its order, each with its points, and the right total."""
    path = handout or a.source_dir / "handout.md"
    toml = a.source_dir / "assignment.toml"
    rows = points_table(path.read_text())
    if not rows:
        raise HandoutError(f"{path}: no questions table (a Markdown table whose header is "
                           "'| question | ... | points |'); it must list the questions of "
                           f"{toml}")
    total = [r for r in rows if r[1].lower() == "total"]
    questions = [r for r in rows if r[1].lower() != "total"]
    expected = {q.name: q.points for q in a.questions}
    for line, name, cell in questions:
        if name not in expected:
            raise HandoutError(f"{path}:{line}: question {name} is not in {toml} "
                               f"(its questions: {', '.join(expected)})")
        got = _number(cell)
        if got is None or abs(got - expected[name]) > 1e-9:
            raise HandoutError(f"{path}:{line}: question {name} is worth {cell!r} points in the handout but "
                               f"{expected[name]:g} in {toml}")
    listed = [r[1] for r in questions]
    missing = [q for q in expected if q not in listed]
    if missing:
        raise HandoutError(f"{path}: the questions table does not list {', '.join(missing)} (from {toml})")
    if listed != list(expected):
        raise HandoutError(f"{path}: the questions table lists {', '.join(listed)}; {toml} has "
                           f"{', '.join(expected)} (each once, in this order)")
    if len(total) != 1:
        raise HandoutError(f"{path}: the questions table needs one '| **total** | ... | **{a.points:g}** |' row")
    line, _, cell = total[0]
    got = _number(cell)
    if got is None or abs(got - a.points) > 1e-9:
        raise HandoutError(f"{path}:{line}: the total is {cell!r} points in the handout but {a.points:g} "
                           f"in {toml}")


def student_readme(handout: str, setup: str, source: str) -> str:
    """The bundle's README.md: the handout's title, the generated ``setup`` section, then the rest of the
    handout (``source``, its path, goes in the generated-file header)."""
    title, _, rest = handout.partition("\n") if handout.startswith("# ") else ("", "", handout)
    rest = rest.lstrip()
    if not rest.startswith("#"):
        rest = f"## The assignment\n\n{rest}"
    return (header(f"{source} (and a generated Set-up section)", comment="<!--").rstrip() + " -->\n"
            + (f"{title}\n\n" if title else "") + f"{setup.rstrip()}\n\n{rest}")
