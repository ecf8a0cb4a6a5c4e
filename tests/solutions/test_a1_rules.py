"""Is A1's rule table (assignments/a1_numpy_cnn/rules.toml) well formed: every rule names test cases and
mutants that exist, and every mutant belongs to a rule? (Whether each mutant loses points in its rule's
cases for every student id is graded by ``verify`` and tests/solutions/a1_rules_sweep.py.)"""
import tomllib

from autograder.core.assignment import load_assignment
from autograder.core.testfiles import load_test_files
from autograder.verify.mutants import load_mutants

KEYS = {"id", "rule", "cases", "mutants"}


def _table():
    a = load_assignment("a1_numpy_cnn")
    rules = tomllib.loads((a.tests_dir.parent / "rules.toml").read_text())
    cases = {f"{tf.name}::{c.name}": c for tf in load_test_files(a.tests_dir) for c in tf.cases}
    return rules, cases, {m.name for m in load_mutants(a.mutants_dir)}


def test_every_rule_names_existing_cases_and_mutants():
    rules, cases, mutants = _table()
    assert set(rules) == {"rules"}
    problems = []
    for r in rules["rules"]:
        problems += [f"{r.get('id')}: key {k}" for k in set(r) ^ KEYS]
        problems += [f"{r['id']}: no case {c}" for c in r.get("cases", []) if c not in cases]
        problems += [f"{r['id']}: no mutant {m}" for m in r.get("mutants", []) if m not in mutants]
        problems += [f"{r['id']}: a case worth no points" for c in r.get("cases", []) if c in cases
                     and not cases[c].points]
        if not r.get("cases") or not r.get("mutants"):
            problems.append(f"{r['id']}: needs a case and a mutant")
    ids = [r["id"] for r in rules["rules"]]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    assert not problems, "\n".join(problems)


def test_every_mutant_belongs_to_a_rule():
    rules, _, mutants = _table()
    assert mutants - {m for r in rules["rules"] for m in r["mutants"]} == set()
