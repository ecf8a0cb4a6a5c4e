"""Grade the A1 reference, its correct alternatives and every mutant in-process under N student ids, and
check ``assignments/a1_numpy_cnn/rules.toml`` against the results (a helper script until ``verify`` reads
the rule table; not collected by pytest). Usage, from the repository root:

    .venv/bin/python tests/solutions/a1_rules_sweep.py [--ids N] [--jobs J] [NAME_SUBSTRING ...]

Exit status 1 when: the reference or an alternative loses a point for some id; a mutant escapes for some
id or costs different points for different ids; a rule lists a case or mutant that does not exist, or a
mutant that loses no point in the rule's cases for some id.
"""
import argparse
import pathlib
import sys
import tempfile
import tomllib

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from autograder.core.assignment import load_assignment  # noqa: E402
from autograder.core.results import PASSED  # noqa: E402
from autograder.core.testfiles import load_test_files  # noqa: E402
from autograder.verify import sweep_ids  # noqa: E402
from autograder.verify.mutants import load_mutants  # noqa: E402

ALTERNATIVES = ROOT / "tests" / "solutions" / "alternatives" / "a1"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--ids", type=int, default=20)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--no-alternatives", action="store_true")
    ap.add_argument("filters", nargs="*")
    args = ap.parse_args(argv)
    a = load_assignment("a1_numpy_cnn")
    source = a.solution_file.read_text()
    mutants = {m.name: m for m in load_mutants(a.mutants_dir)}
    cases = {f"{tf.name}::{c.name}" for tf in load_test_files(a.tests_dir) for c in tf.cases}
    table = a.tests_dir.parent / "rules.toml"
    rules = tomllib.loads(table.read_text()).get("rules", []) if table.is_file() else []
    ok = True
    for r in rules:  # existence first (cheap)
        for c in r.get("cases", []):
            if c not in cases:
                ok = False
                print(f"rule {r['id']}: no case {c}")
        for m in r.get("mutants", []):
            if m not in mutants:
                ok = False
                print(f"rule {r['id']}: no mutant {m}")
        if not r.get("cases") or not r.get("mutants"):
            ok = False
            print(f"rule {r['id']}: needs >= 1 case and >= 1 mutant")
    ruled = {m for r in rules for m in r.get("mutants", [])}
    print(f"{len(rules)} rules; mutants without a rule: {sorted(set(mutants) - ruled)}")
    with tempfile.TemporaryDirectory() as tmp:
        files = {} if args.filters else {"reference": a.solution_file}
        if not args.no_alternatives and not args.filters:
            for style in sorted(ALTERNATIVES.glob("*.py")):
                path = pathlib.Path(tmp) / f"alt-{style.stem}" / a.student_file
                path.parent.mkdir()
                path.write_text(source + "\n\n" + style.read_text())
                files[f"alt-{style.stem}"] = path
        for name, m in mutants.items():
            if args.filters and not any(f in name for f in args.filters):
                continue
            path = pathlib.Path(tmp) / name / a.student_file
            path.parent.mkdir()
            path.write_text(m.apply(source))
            files[f"mutant-{name}"] = path
        swept = sweep_ids(a, files, args.ids, args.jobs)
    for label, results in swept.items():
        scores = sorted({r.score for r in results.values()})
        lost = {}
        for r in results.values():
            for c in r.cases:
                if c.status != PASSED:
                    lost[f"{c.question}::{c.name}"] = lost.get(f"{c.question}::{c.name}", 0) + 1
        if not label.startswith("mutant-"):
            good = scores == [a.points]
            print(f"{'ok ' if good else 'BAD'} {label}: scores {scores}" +
                  ("" if good else f" lost {sorted(lost.items())[:6]}"))
            if not good:
                for r in results.values():
                    for c in r.cases:
                        if c.status != PASSED:
                            print("    ", r.student, c.question, c.name, c.message[:200])
                            break
            ok &= good
            continue
        name = label[len("mutant-"):]
        good = len(scores) == 1 and scores[0] < a.points
        mine = [r for r in rules if name in r.get("mutants", [])]
        for r in mine:
            each = all(any(f"{c.question}::{c.name}" in r["cases"] and c.status != PASSED for c in res.cases)
                       for res in results.values())
            if not each:
                good = False
                print(f"    rule {r['id']}: {name} not caught by its cases {r['cases']} for every id")
        ok &= good
        print(f"{'ok ' if good else 'BAD'} {name}: scores {scores}; cases lost (ids): "
              + ", ".join(f"{k}({v})" for k, v in sorted(lost.items())))
    print("ALL OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
