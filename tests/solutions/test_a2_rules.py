"""Is A2's rule table (assignments/a2_torch_cnn/rules.toml) well formed and complete?

Cheap, static checks (``verify`` grades the mutants): every rule has known keys, >= 1 case that exists in
the test files and >= 1 mutant that exists in solutions/a2_torch_cnn/mutants/, and every mutant is listed
under some rule.
"""
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
A2 = ROOT / "assignments" / "a2_torch_cnn"
MUTANTS = ROOT / "solutions" / "a2_torch_cnn" / "mutants"


def _cases() -> set[str]:
    found = set()
    for f in (A2 / "tests").glob("q*.py"):
        found |= {f"{f.stem}::{m}" for m in re.findall(r"@test_case\([^)]*\)\s*\ndef (\w+)", f.read_text())}
    return found


def test_a2_rules_name_existing_cases_and_mutants():
    rules = tomllib.loads((A2 / "rules.toml").read_text())["rules"]
    cases, mutants = _cases(), {p.stem for p in MUTANTS.glob("*.toml")}
    assert len(cases) > 30 and len(mutants) >= 20     # the scan found the suite
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids)), "duplicate rule ids"
    for r in rules:
        assert set(r) == {"id", "rule", "cases", "mutants"}, f"{r['id']}: keys {sorted(r)}"
        assert r["cases"] and r["mutants"], f"{r['id']}: a rule needs a case and a mutant"
        assert set(r["cases"]) <= cases, f"{r['id']}: unknown cases {set(r['cases']) - cases}"
        assert set(r["mutants"]) <= mutants, f"{r['id']}: unknown mutants {set(r['mutants']) - mutants}"
    unlisted = mutants - {m for r in rules for m in r["mutants"]}
    assert not unlisted, f"mutants under no rule: {sorted(unlisted)}"
