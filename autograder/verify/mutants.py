"""Mutants: known-buggy variants of a reference solution, as exact-substring replacements.

``solutions/<a>/mutants/<name>.toml``::

    description = "ceil instead of floor in conv_output_size"
    [[replace]]
    old = '''// stride + 1'''
    new = '''// stride + 2'''

Each ``old`` must occur exactly once in the reference, so a mutant cannot silently stop applying
when the reference changes; and the mutated solution must compile: a mutant that does not is "caught"
by every case without testing any of them (it scores 0 as a syntax error).
"""
from __future__ import annotations

import ast
import tomllib
from dataclasses import dataclass
from pathlib import Path

from autograder.core.errors import AutograderError


class MutantError(AutograderError, ValueError):
    """A mutant file is malformed or no longer applies (the message names the file)."""


@dataclass
class Mutant:
    name: str
    description: str
    path: Path
    replacements: list[tuple[str, str]]

    def apply(self, source: str) -> str:
        for i, (old, new) in enumerate(self.replacements):
            count = source.count(old)
            if count != 1:
                raise MutantError(f"{self.path}: replacement {i + 1}: 'old' occurs {count} times in the "
                                  "reference (must be exactly once)")
            source = source.replace(old, new)
        try:
            ast.parse(source)
        except SyntaxError as exc:
            raise MutantError(f"{self.path}: the mutated solution does not compile (line {exc.lineno}: "
                              f"{exc.msg}): a mutant must be a bug the tests catch, not a syntax error") from None
        return source


def load_mutants(directory: Path) -> list[Mutant]:
    mutants = []
    for path in sorted(Path(directory).glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text())
            pairs = [(r["old"], r["new"]) for r in data["replace"]]
        except (KeyError, TypeError, tomllib.TOMLDecodeError) as exc:
            raise MutantError(f"{path}: {type(exc).__name__}: {exc}") from exc
        if not pairs:
            raise MutantError(f"{path}: no [[replace]] entries")
        mutants.append(Mutant(path.stem, data.get("description", path.stem), path, pairs))
    return mutants
