"""Solution and hidden-test markers, parsed line by line; malformed markers fail with file:line.

Vocabulary (otter's and nbgrader's):

* ``# BEGIN SOLUTION`` / ``# END SOLUTION`` - inside a function body, the region becomes a TODO,
  the region's ``# HINT:`` lines and ``raise NotImplementedError``; at module level (column 0)
  the region (solution-only helpers) is removed.
* ``<code>  # SOLUTION`` - a single line whose right-hand side is the answer: ``x = ...  # TODO``.
* ``# BEGIN HIDDEN TESTS`` / ``# END HIDDEN TESTS`` - removed from the student's test files, as
  is every ``@test_case(..., hidden=True)`` function.
"""
from __future__ import annotations

import ast
import re

from autograder.core.errors import AutograderError

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "# BEGIN HIDDEN TESTS", "# END HIDDEN TESTS"
_KNOWN = {BEGIN, END, BEGIN_HIDDEN, END_HIDDEN}
_LOOKS_LIKE_MARKER = re.compile(r"^#\s*(BEGIN|END)\b[A-Z ]*$")
_DEF = re.compile(r"^(\s*)(?:async\s+)?def\s+(\w+)\s*\(")


class MarkerError(AutograderError, ValueError):
    """A malformed marker: unclosed, nested or stray; the message starts with ``path:line``."""


def _regions(lines: list[str], path: str, begin: str, end: str) -> list[tuple[int, int]]:
    """(begin_index, end_index) pairs of the marker regions; raises on malformed markers."""
    regions, open_at = [], None
    for i, line in enumerate(lines):
        text = line.strip()
        if text == begin:
            if open_at is not None:
                raise MarkerError(f"{path}:{i + 1}: nested '{begin}' (the one at line {open_at + 1} is still open)")
            open_at = i
        elif text == end:
            if open_at is None:
                raise MarkerError(f"{path}:{i + 1}: '{end}' without a matching '{begin}'")
            if line[: len(line) - len(line.lstrip())] != lines[open_at][: len(lines[open_at]) - len(lines[open_at].lstrip())]:
                raise MarkerError(f"{path}:{i + 1}: '{end}' is not indented like its '{begin}' at line {open_at + 1}")
            regions.append((open_at, i))
            open_at = None
        elif _LOOKS_LIKE_MARKER.match(text) and text not in _KNOWN:
            raise MarkerError(f"{path}:{i + 1}: malformed marker {text!r} (known: {', '.join(sorted(_KNOWN))})")
    if open_at is not None:
        raise MarkerError(f"{path}:{open_at + 1}: '{begin}' is never closed")
    return regions


def _enclosing_function(lines: list[str], index: int, indent: str) -> str | None:
    for line in reversed(lines[:index]):
        match = _DEF.match(line)
        if match and len(match.group(1)) < len(indent):
            return match.group(2)
    return None


def _stub(lines: list[str], start: int, stop: int, path: str) -> list[str]:
    """The replacement of one solution region."""
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    if not indent:
        return []  # module-level solution helpers disappear
    func = _enclosing_function(lines, start, indent)
    if func is None:
        raise MarkerError(f"{path}:{start + 1}: indented '{BEGIN}' outside a function")
    hints = [line for line in lines[start + 1:stop] if line.strip().startswith("# HINT:")]
    return [f"{indent}# TODO: implement {func} (see the docstring above).\n", *hints,
            f'{indent}raise NotImplementedError("{func} is not implemented yet")\n']


def strip_solutions(source: str, path: str = "<source>") -> str:
    """Turn a reference solution into the student's starter code."""
    lines = source.splitlines(keepends=True)
    out, cursor = [], 0
    for start, stop in _regions(lines, path, BEGIN, END):
        out += lines[cursor:start] + _stub(lines, start, stop, path)
        cursor = stop + 1
    out += lines[cursor:]
    text = "".join(re.sub(r"^(\s*)(.+?)\s*=\s*.+?[ \t]*# SOLUTION[ \t]*$", r"\1\2 = ...  # TODO", line) for line in out)
    return re.sub(r"\n{4,}", "\n\n\n", text)  # removed module-level regions leave no gap wider than PEP 8's


def _is_hidden_case(node: ast.AST) -> bool:
    for deco in getattr(node, "decorator_list", []):
        if isinstance(deco, ast.Call) and getattr(deco.func, "id", getattr(deco.func, "attr", "")) == "test_case":
            for kw in deco.keywords:
                if kw.arg == "hidden" and isinstance(kw.value, ast.Constant) and kw.value.value is True:
                    return True
    return False


def strip_hidden_tests(source: str, path: str = "<test>") -> str:
    """The public part of an otter test file: hidden cases and hidden-test regions removed."""
    lines = source.splitlines(keepends=True)
    drop = set()
    for start, stop in _regions(lines, path, BEGIN_HIDDEN, END_HIDDEN):
        drop.update(range(start, stop + 1))
    for node in ast.parse(source, path).body:
        if _is_hidden_case(node):
            first = min([node.lineno] + [d.lineno for d in node.decorator_list]) - 1
            drop.update(range(first, node.end_lineno))
    text = "".join(line for i, line in enumerate(lines) if i not in drop)
    return re.sub(r"\n{4,}", "\n\n\n", text).rstrip("\n") + "\n"
