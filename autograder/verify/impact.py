"""Which test cases a mutant can change: the static test selection of ``verify``.

A mutant is the reference with one bug. A case reaches the student's code only through its parameters
(otter's convention: ``def case(conv2d, train)`` receives those names of the student's module), and from
there through the names those definitions use. So a case whose reach holds none of the names the mutant
changed runs exactly the reference's code, and its result is the reference's: ``verify`` takes it from
the reference's grading instead of grading it again (mutation-testing tools select tests by coverage
the same way; here the reach is computed from the source, so it covers every path, whatever the inputs).

The analysis is conservative:

- a top-level statement that binds no name (``torch.manual_seed(0)``, an ``if`` block) changed, or a
  definition that uses ``globals``/``eval``/``exec``/``vars``/``locals``/``__import__``/``getattr`` on a
  module: every case is affected;
- a name is changed when the statements binding it differ (their AST, so comments and blank lines do
  not count), or when only one of the two files binds it;
- a case with the ``env`` parameter (it sees the whole module) is affected by any change.
"""
from __future__ import annotations

import ast
import functools
from collections.abc import Iterable

#: A definition that uses one of these may reach any name of the module.
_DYNAMIC = frozenset({"globals", "eval", "exec", "vars", "locals", "__import__", "getattr", "sys"})
EVERYTHING = None
"""``changed_names``' answer when a change can reach every name (``None``)."""


def _bound(stmt: ast.stmt) -> list[str]:
    """The module-level names a top-level statement binds ([] for one that binds none)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [stmt.name]
    if isinstance(stmt, (ast.Import, ast.ImportFrom)):
        return [(a.asname or a.name).split(".")[0] for a in stmt.names if a.name != "*"]
    targets = stmt.targets if isinstance(stmt, ast.Assign) else \
        [stmt.target] if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)) else []
    # ``x = ...``, ``x, y = ...``, and ``x.attr = ...`` / ``x[k] = ...`` (a change to ``x``): every name in a target
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _is_docstring(stmt: ast.stmt) -> bool:
    return isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and isinstance(stmt.value.value, str)


class Module:
    """A Python source's top-level definitions: for each name, the statements that bind it (as AST
    dumps) and the module-level names they use; and the statements that bind nothing."""

    def __init__(self, source: str, filename: str = "<module>"):
        tree = ast.parse(source, filename)
        self.bindings: dict[str, list[str]] = {}
        self.uses: dict[str, set[str]] = {}
        self.loose: list[str] = []  # statements binding no name, docstrings left out
        stmts = []
        for stmt in tree.body:
            names = _bound(stmt)
            if not names:
                if not _is_docstring(stmt):
                    self.loose.append(ast.dump(stmt))
                continue
            stmts.append((names, stmt))
            for name in names:
                self.bindings.setdefault(name, []).append(ast.dump(stmt))
        for names, stmt in stmts:
            used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
            for name in names:
                self.uses.setdefault(name, set()).update(used)
        self.dynamic = {name for name, used in self.uses.items() if used & _DYNAMIC}

    def reach(self, roots: Iterable[str]) -> set[str] | None:
        """The module-level names reachable from ``roots`` (them included); ``EVERYTHING`` when one of
        them is dynamic (may reach any name)."""
        seen, todo = set(), [r for r in roots if r in self.bindings]
        while todo:
            name = todo.pop()
            if name in seen:
                continue
            if name in self.dynamic:
                return EVERYTHING
            seen.add(name)
            todo += [u for u in self.uses.get(name, ()) if u in self.bindings and u not in seen]
        return seen


@functools.lru_cache(maxsize=4)
def _module(source: str) -> Module:
    """``Module(source)``, parsed once: ``verify`` compares one reference with every mutant."""
    return Module(source)


def changed_names(reference: str, mutant: str) -> set[str] | None:
    """The module-level names whose definitions differ between two sources; ``EVERYTHING`` when a
    statement that binds no name differs."""
    ref, mut = _module(reference), _module(mutant)
    if ref.loose != mut.loose:
        return EVERYTHING
    return {n for n in ref.bindings.keys() | mut.bindings.keys() if ref.bindings.get(n) != mut.bindings.get(n)}


def affected_cases(test_files, reference: str, mutant: str) -> set[tuple[str, str]]:
    """``{(test file name, case name)}`` of the cases of ``test_files`` (``autograder.core.testfiles``)
    whose result the mutant may change: every case whose parameters reach a changed name."""
    changed = changed_names(reference, mutant)
    every = {(tf.name, c.name) for tf in test_files for c in tf.cases}
    if changed is EVERYTHING:
        return every
    if not changed:  # comments, docstrings: the same code
        return set()
    module = _module(reference)
    out = set()
    for tf in test_files:
        for c in tf.cases:
            reach = EVERYTHING if "env" in c.params else module.reach(c.params)
            if reach is EVERYTHING or reach & changed or set(c.params) & changed:
                out.add((tf.name, c.name))
    return out
