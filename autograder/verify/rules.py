"""Rule tables: which cases test each rule of an assignment's conventions, and which mutants break it.

``assignments/<a>/rules.toml``, one entry per rule (README "Conventions", the handout)::

    [[rules]]
    id = "pool-pair-padding"                                        # unique, kebab-case
    rule = "padding=(ph, pw) pads H by ph and W by pw (pooling)"    # the clause in words
    cases = ["q09_pooling::max_pool2d_asymmetric_padding"]          # <test file stem>::<test case name>
    mutants = ["pool_padding_swapped"]                              # solutions/<a>/mutants/<name>.toml

Reading it is typed: an unknown key, a wrong type or a duplicate id is a ``RuleTableError`` naming the
file, the rule and the key. Whether the cases and mutants exist, and whether each listed mutant loses
points in one of its rule's cases for every student id graded, is judged by ``check_rules`` (``verify``
prints one row per rule and fails on any problem).
"""
from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.errors import AutograderError
from autograder.core.results import PASSED, SubmissionResult

FILE_NAME = "rules.toml"
_KEYS = {"id": str, "rule": str, "cases": list, "mutants": list}
_ID = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


class RuleTableError(AutograderError, ValueError):
    """``rules.toml`` is missing or malformed (the message names the file, the rule and the key)."""


@dataclass(frozen=True)
class Rule:
    id: str
    """Unique, kebab-case, e.g. ``"pool-pair-padding"``."""
    rule: str
    """The clause in words."""
    cases: tuple[str, ...]
    """``"<test file stem>::<test case name>"`` of the cases that test the rule on its own."""
    mutants: tuple[str, ...]
    """Names of mutants (``solutions/<a>/mutants/<name>.toml``) that break only this rule."""


def load_rules(path: Path) -> list[Rule]:
    """The rules of ``path`` (typed; see the module docstring). A missing file is a RuleTableError."""
    path = Path(path)
    if not path.is_file():
        raise RuleTableError(f"{path}: the rule table is missing: write one [[rules]] entry per rule of the "
                             "conventions (id, rule, cases, mutants; see autograder/verify/rules.py)")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise RuleTableError(f"{path}: not valid TOML: {exc}") from exc
    unknown = sorted(set(data) - {"rules"})
    if unknown:
        raise RuleTableError(f"{path}: unknown top-level key {unknown[0]!r} (only [[rules]] entries)")
    entries = data.get("rules")
    if not isinstance(entries, list) or not entries:
        raise RuleTableError(f"{path}: no [[rules]] entries")
    rules, seen = [], set()
    for i, entry in enumerate(entries, 1):
        where = f"{path}: rule {entry.get('id')!r} (entry {i})" if isinstance(entry.get("id"), str) \
            else f"{path}: entry {i}"
        unknown = sorted(set(entry) - set(_KEYS))
        if unknown:
            raise RuleTableError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(_KEYS)})")
        for key, kind in _KEYS.items():
            value = entry.get(key)
            if not isinstance(value, kind):
                raise RuleTableError(f"{where}: {key!r} must be a {'string' if kind is str else 'list of strings'}, "
                                     f"got {type(value).__name__ if key in entry else 'nothing'}")
            if kind is list and not all(isinstance(v, str) for v in value):
                raise RuleTableError(f"{where}: {key!r} must be a list of strings")
        if not _ID.fullmatch(entry["id"]):
            raise RuleTableError(f"{where}: 'id' must be kebab-case (lower-case words joined by '-')")
        if entry["id"] in seen:
            raise RuleTableError(f"{where}: duplicate id {entry['id']!r}")
        if not entry["rule"].strip():
            raise RuleTableError(f"{where}: 'rule' is empty: say the clause in words")
        seen.add(entry["id"])
        rules.append(Rule(entry["id"], entry["rule"], tuple(entry["cases"]), tuple(entry["mutants"])))
    return rules


@dataclass
class RuleVerdict:
    rule: Rule
    ok: bool
    problems: list[str] = field(default_factory=list)
    caught: dict[str, str] = field(default_factory=dict)
    """``{mutant: "20/20 ids"}``: for how many of the ids graded one of the rule's cases caught it."""


def _failed_cases(result: SubmissionResult) -> set[str]:
    return {f"{c.question}::{c.name}" for c in result.cases if c.status != PASSED}


def check_rules(rules: list[Rule], cases: set[str], mutants: dict[str, list[SubmissionResult]]) -> list[RuleVerdict]:
    """One verdict per rule. ``cases``: every ``"<question>::<case>"`` of the assignment; ``mutants``:
    every mutant's results (one per student id graded). A rule fails when it lists no case or no mutant,
    names a case or mutant that does not exist, or when one of its mutants passes all of its cases for
    some id (or was graded for no id)."""
    verdicts = []
    for rule in rules:
        problems = []
        if not rule.cases:
            problems.append("lists no case")
        if not rule.mutants:
            problems.append("lists no mutant")
        problems += [f"case {c!r} does not exist (write <test file stem>::<test case name>)"
                     for c in rule.cases if c not in cases]
        problems += [f"mutant {m!r} does not exist in the mutants folder" for m in rule.mutants if m not in mutants]
        caught = {}
        for m in rule.mutants:
            results = mutants.get(m)
            if results is None:
                continue
            hits = sum(bool(_failed_cases(r) & set(rule.cases)) for r in results)
            caught[m] = f"{hits}/{len(results)} ids"
            if not results or hits < len(results):
                problems.append(f"mutant {m!r} is not caught by the rule's cases for "
                                f"{len(results) - hits} of {len(results)} ids")
        verdicts.append(RuleVerdict(rule, not problems, problems, caught))
    return verdicts
