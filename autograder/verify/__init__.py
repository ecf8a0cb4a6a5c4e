"""``verify``: prove an assignment's tests are right before students see them.

1. the reference scores full marks, with no grader error;
2. the generated starter (stubs) scores 0 and nothing crashes;
3. every mutant in ``solutions/<a>/mutants/`` loses points (the table shows which cases catch it);
   with ``ids`` > 0, the reference and every mutant are also graded (in-process: trusted code) under
   that many student ids: the reference must score full marks for each, and each mutant must lose points,
   and the same points, for each (hidden cases are drawn per student: a bug must not be caught for some
   students only). Only the cases that read the student key are re-run for the second id on
   (``autograder.grade.batch.sweep_one``);
4. the rule table ``assignments/<a>/rules.toml`` (``autograder.verify.rules``): every rule lists cases
   and mutants that exist, and each of its mutants fails one of its cases for every id graded;
5. the student bundle holds no solution line, no hidden case and no reference file;
6. ``starter_code/`` is up to date.
A mutant is graded only on the cases it can change (``autograder.verify.impact``: the cases whose
parameters reach a definition the mutant changed); every other case runs exactly the reference's code,
and its result is taken from the reference's grading (under the same id). ``full=True`` (``--full``)
grades every case of every mutant.
It prints a table of these checks, the rule table and the mutation score of each question (the mutants
it catches for every id), overall last.
Read-only: the release it checks is built in a temporary folder (the repository is never written).
Exit status 1 on any failure.
"""
from __future__ import annotations

import re
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.core.assignment import Assignment, load_assignment
from autograder.core.results import GRADER_ERROR, OK, PASSED, TIMEOUT, SubmissionResult
from autograder.core.testfiles import load_test_files
from autograder.grade.batch import grade_files, sweep_in_process
from autograder.grade.runner import completed  # a mutant graded on its selected cases, completed from the reference
from autograder.release import main as release
from autograder.release.markers import BEGIN, END
from autograder.verify.mutants import load_mutants


@dataclass
class Verdict:
    label: str
    ok: bool
    detail: str
    score: float | None = None
    caught_by: list[str] = field(default_factory=list)


def _not_graded(result: SubmissionResult) -> list[str]:
    """Why the file was not graded normally (its status and first note), if it was not: a stub or a mutant
    that does not import scores 0 without a single case testing it (it is not "caught"). A timeout counts as
    graded: the cases ran until the submission's time was spent (a mutant that hangs)."""
    if result.status in (OK, TIMEOUT):
        return []
    return [f"{result.status}: {(result.notes or [''])[0]}"[:300]]


def _errors(result: SubmissionResult) -> list[str]:
    return _not_graded(result) + [f"{c.question}/{c.name}: {c.message}" for c in result.cases
                                  if c.status == GRADER_ERROR]


def check_reference(a: Assignment, r: SubmissionResult) -> Verdict:
    failed = _not_graded(r) + [f"{c.question}/{c.name}: {c.message}" for c in r.cases if c.status != PASSED]
    return Verdict("reference", not failed, "; ".join(failed[:5]) or "full marks", r.score)


def check_stubs(a: Assignment, r: SubmissionResult) -> Verdict:
    errors, passed = _errors(r), [f"{c.question}/{c.name}" for c in r.cases if c.status == PASSED]
    ok = not errors and r.score == 0
    detail = "; ".join(errors[:3]) or (f"passes {', '.join(passed[:5])}" if passed else "0 points, no crash")
    return Verdict("starter stubs", ok, detail, r.score)


def _loses_points(r: SubmissionResult) -> bool:
    return any(c.status != PASSED and c.points > 0 for c in r.cases)


def against_reference(r: SubmissionResult, reference: SubmissionResult) -> SubmissionResult:
    """A mutant's ``r`` with only the cases the reference passes (graded under the same id): a case the
    reference fails too (a broken test) catches nothing, in any table."""
    passed = {(c.question, c.name) for c in reference.cases if c.status == PASSED}
    return replace(r, cases=[c for c in r.cases if (c.question, c.name) in passed])


def check_mutant(a: Assignment, m, r: SubmissionResult) -> Verdict:
    """Caught: a case worth points that the reference passes (``against_reference``) fails for it."""
    caught = [f"{c.question}/{c.name}" for c in r.cases if c.status != PASSED]
    errors = _errors(r)
    ok = _loses_points(r) and not errors
    detail = (f"not a test of the cases: {errors[0]}" if errors else m.description if ok else
              f"ESCAPES: no case worth points fails it (an equivalent mutant, or a missing test): {m.description}")
    return Verdict(f"mutant {m.name}", ok, detail, r.score, caught)


def sweep_ids(a: Assignment, files: dict[str, Path], n_ids: int, jobs: int = 2,
              reuse: bool = True, cases: dict[str, frozenset] | None = None) -> dict[str, dict[str, SubmissionResult]]:
    """Grade each TRUSTED file (reference, mutants) in-process under ``n_ids`` student ids:
    ``{label: {student id: result}}``. With ``reuse``, only the cases that read the student key are
    re-run for the second id on (``autograder.grade.batch.sweep_one``). A label in ``cases`` is graded
    on those cases only."""
    ids = [f"verify-id-{i:02d}" for i in range(n_ids)]
    return sweep_in_process(a, files, ids, jobs=jobs, reuse=reuse, cases=cases)


def selected_cases(a: Assignment, mutants, reference: str) -> dict[str, frozenset[tuple[str, str]]]:
    """``{"mutant-<name>": {(test file name, case name)}}``: the cases each mutant can change
    (``autograder.verify.impact``)."""
    from autograder.verify.impact import affected_cases

    test_files = load_test_files(a.tests_dir)
    return {f"mutant-{m.name}": frozenset(affected_cases(test_files, reference, m.apply(reference))) for m in mutants}


def check_across_ids(a: Assignment, label: str, results: dict[str, SubmissionResult], *, mutant: bool) -> Verdict:
    """The reference: full marks for every id; a mutant: caught for every id, at the same cost."""
    scores = {sid: r.score for sid, r in results.items()}
    errors = [f"{sid}: {e}" for sid, r in results.items() for e in _errors(r)]
    if mutant:
        escaped = sorted(sid for sid, r in results.items() if not _loses_points(r))
        ok = not errors and not escaped and len(set(scores.values())) == 1
        detail = (f"grader error: {errors[0]}" if errors else f"escapes for {len(escaped)} ids ({', '.join(escaped[:3])})"
                  if escaped else f"score differs between ids: {sorted(set(scores.values()))}"
                  if len(set(scores.values())) > 1 else f"caught for all {len(scores)} ids at the same cost")
    else:
        short = sorted(sid for sid, v in scores.items() if v != a.points)
        ok = not errors and not short
        detail = f"grader error: {errors[0]}" if errors else \
            f"not full marks for {', '.join(short[:3])}" if short else f"full marks for all {len(scores)} ids"
    return Verdict(f"{label} x {len(scores)} ids", ok, detail, min(scores.values()) if scores else None)


def mutation_scores(a: Assignment, graded: dict[str, list[SubmissionResult]]) -> dict[str, tuple[int, int]]:
    """``{question: (mutants it catches for every id graded, mutants)}`` over ``graded``
    (``{label: results}``; labels ``mutant-<name>``), one row per question of the test files. A mutant that
    did not import is caught by none (no case tested it)."""
    mutants = {k: v for k, v in graded.items() if k.startswith("mutant-")}
    questions = sorted({c.question for rs in graded.values() for r in rs for c in r.cases})
    return {q: (sum(bool(rs) and all(not _not_graded(r) and any(c.question == q and c.status != PASSED
                                                                 for c in r.cases) for r in rs)
                    for rs in mutants.values()), len(mutants)) for q in questions}


def mutation_table(a: Assignment, graded: dict[str, list[SubmissionResult]], n_ids: int):
    """The per-question mutation scores as a table (the one to paste), with the overall score last."""
    from rich.table import Table

    scores = mutation_scores(a, graded)
    mutants = {k: rs for k, rs in graded.items() if k.startswith("mutant-")}
    caught = sum(bool(rs) and all(not _not_graded(r) and _loses_points(r) for r in rs) for rs in mutants.values())
    points = {q.name: q.points for q in a.questions}
    table = Table(title=f"mutation score of {a.name}: mutants a question catches for every one of "
                        f"{n_ids} student ids")
    for col in ("question", "points", "mutants caught", "score"):
        table.add_column(col, justify="left" if col == "question" else "right")
    for q, (n, total) in scores.items():
        table.add_row(q, f"{points.get(q, 0):g}", f"{n}/{total}", f"{n / total:.0%}" if total else "-")
    total = len(mutants)
    table.add_row("overall", f"{a.points:g}", f"{caught}/{total}", f"{caught / total:.0%}" if total else "-",
                  style="bold")
    return table


def check_rule_table(a: Assignment, graded: dict[str, list[SubmissionResult]]):
    """``(verdicts, table, problems)``: one row per rule of ``assignments/<a>/rules.toml``, and one line per
    problem naming its rule; a missing or malformed table is one failed verdict and one problem naming
    the file (and the rule and key)."""
    from rich.table import Table

    from autograder.verify.rules import FILE_NAME, RuleTableError, check_rules, load_rules

    path = a.source_dir / FILE_NAME
    try:
        rules = load_rules(path)
    except RuleTableError as exc:
        return [Verdict("rule table", False, "malformed or missing (below)")], None, [str(exc)]
    test_files = load_test_files(a.tests_dir)
    stem = {tf.name: tf.path.stem for tf in test_files}
    cases = {f"{tf.path.stem}::{c.name}" for tf in test_files for c in tf.cases}
    # results name their question by the test file's otter name: the table by the file's stem
    mutants = {k.removeprefix("mutant-"): [SubmissionResult(r.student, [replace(c, question=stem.get(c.question,
                                                                                                  c.question))
                                                                         for c in r.cases]) for r in rs]
               for k, rs in graded.items() if k.startswith("mutant-")}
    verdicts = check_rules(rules, cases, mutants)
    table = Table(title=f"rule table {path.relative_to(a.root)} ({len(rules)} rules)")
    for col in ("rule", "cases", "mutants", "caught", "ok / problem"):
        table.add_column(col, overflow="fold")
    for v in verdicts:
        table.add_row(v.rule.id, "\n".join(v.rule.cases) or "-", "\n".join(v.rule.mutants) or "-",
                      "\n".join(v.caught.get(m, "-") for m in v.rule.mutants) or "-",
                      "yes" if v.ok else "NO: " + "; ".join(v.problems), style=None if v.ok else "red")
    bad = [v for v in verdicts if not v.ok]
    summary = Verdict("rule table", not bad, f"{len(bad)} of {len(rules)} rules fail (listed below the rule table)"
                      if bad else f"{len(rules)} rules, each caught by its cases for every id")
    return [summary], table, [f"rule {v.rule.id!r}: {p}" for v in bad for p in v.problems]


def _solution_lines(source: str) -> set[str]:
    """Distinctive lines inside solution regions (long enough not to occur by chance)."""
    lines, inside = set(), False
    for line in source.splitlines():
        text = line.strip()
        if text in (BEGIN, END):
            inside = text == BEGIN
        elif inside and len(text) >= 24 and not text.startswith(("#", '"""')):
            lines.add(text)
    return lines


def check_bundle(a: Assignment, bundle: Path) -> Verdict:
    secrets = _solution_lines(a.solution_file.read_text())
    hidden = {c.name for tf in load_test_files(a.tests_dir) for c in tf.cases if c.hidden}
    problems = []
    with zipfile.ZipFile(bundle) as zf:
        for name in zf.namelist():
            if "/reference/" in name or name.endswith("context.json") or "/mutants/" in name:
                problems.append(f"{name} must not ship")
            text = zf.read(name).decode("utf-8", errors="replace")
            problems += [f"{name} contains solution line {s!r}" for s in secrets if s in text]
            problems += [f"{name} names hidden case {h}" for h in hidden if re.search(rf"\b{h}\b", text)]
            problems += [f"{name} contains hidden-test markers" for _ in [0] if "BEGIN HIDDEN TESTS" in text
                         and name.endswith(".py") and "/tests/" in name]
    return Verdict("student bundle", not problems, "; ".join(problems[:5]) or
                   f"no solution line ({len(secrets)} checked), no hidden case ({len(hidden)} checked)")


def main(assignment: str, *, sandbox: str = "auto", jobs: int = 2, ids: int = 20, root: Path | None = None,
         out=None, full: bool = False) -> int:
    """Verify ``assignment`` (of the repository at ``root``, this one by default); print the tables;
    return 0 when every check holds."""
    from rich.console import Console
    from rich.table import Table

    console = Console(file=out, highlight=False, width=160)
    a = load_assignment(assignment, root)
    stale = release(assignment, check=True, root=root).stale
    mutants = load_mutants(a.mutants_dir)
    reference = a.solution_file.read_text()
    with tempfile.TemporaryDirectory() as tmp:
        built = release(assignment, root=root, dist=Path(tmp) / "dist", starter=Path(tmp) / "starter")
        files = {"reference": a.solution_file, "starter": built.starter_dir / a.student_file}
        for m in mutants:
            path = Path(tmp) / m.name / a.student_file
            path.parent.mkdir()
            path.write_text(m.apply(reference))
            files[f"mutant-{m.name}"] = path
        selected = {} if full else selected_cases(a, mutants, reference)
        results = grade_files(a, files, sandbox=sandbox, jobs=jobs, cases=selected)
        results = {k: completed(r, results["reference"]) if k in selected else r for k, r in results.items()}
        trusted = {k: v for k, v in files.items() if k != "starter"}
        swept = sweep_ids(a, trusted, ids, jobs, cases=selected) if ids > 0 else {}
        swept = {k: {sid: completed(r, swept["reference"][sid]) if k in selected else r for sid, r in by_id.items()}
                 for k, by_id in swept.items()}
        # a case the reference fails (a broken test) catches no mutant: not in the verdicts nor the tables
        results = {k: against_reference(r, results["reference"]) if k.startswith("mutant-") else r
                   for k, r in results.items()}
        swept = {k: {sid: against_reference(r, swept["reference"][sid]) if k.startswith("mutant-") else r
                     for sid, r in by_id.items()} for k, by_id in swept.items()}
        bundle = check_bundle(a, built.dist_dir / "student.zip")
    # every result of each trusted file: the sandboxed grading, then one per swept id
    graded = {k: [results[k], *swept.get(k, {}).values()] for k in trusted}
    rule_verdicts, rule_table, rule_problems = check_rule_table(a, graded)
    fresh = Verdict("starter_code up to date", not stale, f"stale: {', '.join(stale)} (run `python -m autograder "
                    f"release {assignment}` and commit)" if stale else "matches the solutions")
    verdicts = [check_reference(a, results["reference"]), check_stubs(a, results["starter"]),
                *(check_mutant(a, m, results[f"mutant-{m.name}"]) for m in mutants),
                *(check_across_ids(a, k, rs, mutant=k != "reference") for k, rs in swept.items()),
                *rule_verdicts, bundle, fresh]
    backends = sorted({r.backend for r in results.values()})
    table = Table(title=f"verify {assignment} ({a.points:g} points, sandbox: {', '.join(backends)})")
    for col in ("check", "ok", "score", "caught by / detail"):
        table.add_column(col, overflow="fold")
    for v in verdicts:
        shown = f"{len(v.caught_by)} cases: {', '.join(v.caught_by[:4])}" + (" ..." if len(v.caught_by) > 4 else "") \
            if v.caught_by and v.ok else v.detail
        table.add_row(v.label, "yes" if v.ok else "NO", "" if v.score is None else f"{v.score:g}", shown,
                      style=None if v.ok else "red")
    console.print(table)
    if rule_table is not None:
        console.print(rule_table)
    for line in rule_problems:
        console.print(f"RULE TABLE: {line}", style="red", soft_wrap=True)
    console.print(mutation_table(a, graded, 1 + ids))
    if selected:
        every = sum(len(r.cases) for k, r in results.items() if k.startswith("mutant-"))
        ran = sum(len(v) for v in selected.values())
        console.print(f"test selection: the mutants were graded on {ran} of {every} cases, the cases whose "
                      "parameters reach a definition the mutant changes; every other case runs the reference's "
                      "code and was taken from its grading (--full grades them all)", soft_wrap=True)
    failed = [v for v in verdicts if not v.ok]
    console.print(f"{len(verdicts) - len(failed)}/{len(verdicts)} checks hold" +
                  (f"; FAILED: {', '.join(v.label for v in failed)}" if failed else ""))
    return 1 if failed else 0
