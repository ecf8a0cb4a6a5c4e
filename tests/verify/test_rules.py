"""The rule table (assignments/<a>/rules.toml): typed reading, and `verify` failing on a rule that is not
tested on its own, naming the rule."""
import io
import shutil

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.core.results import FAILED, PASSED, CaseResult, SubmissionResult
from autograder.core.testfiles import load_test_files
from autograder.verify import main
from autograder.verify.mutants import load_mutants
from autograder.verify.rules import Rule, RuleTableError, check_rules, load_rules

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))
A1 = "a1_numpy_cnn"
GOOD = '''
[[rules]]
id = "pool-pair-padding"
rule = "padding=(ph, pw) pads H by ph and W by pw (pooling)"
cases = ["q09_pooling::max_pool2d_random", "q09_pooling::avg_pool2d_random"]
mutants = ["pool_padding_swapped"]
'''


def _write(tmp_path, text):
    path = tmp_path / "rules.toml"
    path.write_text(text)
    return path


def test_reads_a_well_formed_table(tmp_path):
    rules = load_rules(_write(tmp_path, GOOD))
    assert rules == [Rule("pool-pair-padding", "padding=(ph, pw) pads H by ph and W by pw (pooling)",
                          ("q09_pooling::max_pool2d_random", "q09_pooling::avg_pool2d_random"),
                          ("pool_padding_swapped",))]


@pytest.mark.parametrize("text, message", [
    (GOOD.replace('mutants =', 'mutant = ["x"]\nmutants ='), r"rule 'pool-pair-padding' \(entry 1\): unknown key 'mutant'"),
    (GOOD + "\n[extra]\nx = 1\n", "unknown top-level key 'extra'"),
    (GOOD.replace('cases = [', 'cases = "q09_pooling::x"\n#['), "rule 'pool-pair-padding'.*'cases' must be a list"),
    (GOOD.replace('mutants = ["pool_padding_swapped"]', 'mutants = [1]'), "'mutants' must be a list of strings"),
    (GOOD.replace('id = "pool-pair-padding"\n', ''), r"entry 1: 'id' must be a string, got nothing"),
    (GOOD.replace('"pool-pair-padding"', '"Pool_Padding"'), "'id' must be kebab-case"),
    (GOOD + GOOD, "entry 2\\): duplicate id 'pool-pair-padding'"),
    ("", "no \\[\\[rules\\]\\] entries"),
    ("[[rules]\n", "not valid TOML"),
])
def test_malformed_table_names_file_rule_and_key(tmp_path, text, message):
    path = _write(tmp_path, text)
    with pytest.raises(RuleTableError, match=message) as info:
        load_rules(path)
    assert str(path) in str(info.value)


def test_missing_table_is_an_error(tmp_path):
    with pytest.raises(RuleTableError, match="rules.toml: the rule table is missing"):
        load_rules(tmp_path / "rules.toml")


def _graded(failing):
    """One result per id: the cases in ``failing`` fail, the others pass."""
    return [SubmissionResult(f"id{i}", [CaseResult(q, c, 1.0, True, FAILED if f"{q}::{c}" in failing else PASSED)
                                        for q, c in (("q1", "a"), ("q1", "b"), ("q2", "c"))])
            for i, failing in enumerate(failing)]


def test_check_rules_flags_each_problem_by_rule():
    cases = {"q1::a", "q1::b", "q2::c"}
    mutants = {"m_a": _graded([{"q1::a"}] * 3), "m_some_ids": _graded([{"q1::b"}, set(), {"q1::b"}]),
               "m_other_case": _graded([{"q2::c"}] * 3)}
    verdicts = {v.rule.id: v for v in check_rules([
        Rule("good", "r", ("q1::a",), ("m_a",)),
        Rule("bogus-case", "r", ("q1::a", "q1::nope"), ("m_a",)),
        Rule("not-caught", "r", ("q1::a",), ("m_other_case",)),
        Rule("some-ids", "r", ("q1::b",), ("m_some_ids",)),
        Rule("no-mutant", "r", ("q1::a",), ()),
        Rule("no-case", "r", (), ("m_a",)),
        Rule("ghost-mutant", "r", ("q1::a",), ("m_ghost",)),
    ], cases, mutants)}
    assert verdicts["good"].ok and verdicts["good"].caught == {"m_a": "3/3 ids"}
    assert verdicts["bogus-case"].problems == ["case 'q1::nope' does not exist (write <test file stem>::<test case name>)"]
    assert verdicts["not-caught"].problems == ["mutant 'm_other_case' is not caught by the rule's cases for 3 of 3 ids"]
    assert verdicts["some-ids"].problems == ["mutant 'm_some_ids' is not caught by the rule's cases for 1 of 3 ids"]
    assert verdicts["no-mutant"].problems == ["lists no mutant"]
    assert verdicts["no-case"].problems[0] == "lists no case"
    assert verdicts["ghost-mutant"].problems == ["mutant 'm_ghost' does not exist in the mutants folder"]


@pytest.fixture
def a1_copy(tmp_path):
    """A copy of the repository's release inputs, where a test may write A1's rules.toml."""
    from tests.conftest import RELEASE_INPUTS

    root = tmp_path / "repo"
    for name in RELEASE_INPUTS:
        src = REPO_ROOT / name
        if src.is_dir():
            shutil.copytree(src, root / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(src, root / name)
    return root


def _fake_grading(monkeypatch, caught_by):
    """verify's gradings replaced by results where mutant ``m`` fails exactly the cases ``caught_by[m]``
    (every mutant not named fails q01_sizes::conv_output_size_random); the reference passes everything."""
    import autograder.verify as verify

    a = load_assignment(A1)
    every = [(tf.name, c.name, c.points, c.hidden) for tf in load_test_files(a.tests_dir) for c in tf.cases]

    def result(label, student):
        m = label.removeprefix("mutant-")
        fails = set() if label == "reference" else {c for _, c, *_ in every} if label == "starter" else \
            caught_by.get(m, {"conv_output_size_random"})
        return SubmissionResult(student, [CaseResult(q, c, p, h, FAILED if c in fails else PASSED) for q, c, p, h in every])

    monkeypatch.setattr(verify, "grade_files", lambda a, files, **kw: {k: result(k, k) for k in files})
    monkeypatch.setattr(verify, "sweep_ids", lambda a, files, n, jobs=2, **kw: {
        k: {f"id{i}": result(k, f"id{i}") for i in range(n)} for k in files})


def _bad(rule_id, **changes):
    """GOOD's rule, renamed ``rule_id``, with ``changes`` as TOML text per key."""
    text = GOOD.replace('"pool-pair-padding"', f'"{rule_id}"')
    for key, value in changes.items():
        start = text.index(f"{key} = ")
        text = text[:start] + f"{key} = {value}" + text[text.index("\n", start):]
    return text


@pytest.mark.parametrize("table, names", [
    (GOOD + _bad("bogus-case", cases='["q09_pooling::no_such_case"]')
     + _bad("uncaught", mutants='["conv_size_ceil"]') + _bad("no-mutant", mutants="[]"),
     ["rule 'bogus-case': case 'q09_pooling::no_such_case' does not exist",
      "rule 'uncaught': mutant 'conv_size_ceil' is not caught by the rule's cases",
      "rule 'no-mutant': lists no mutant"]),
])
def test_verify_fails_on_a_bad_rule_table_naming_the_rule(monkeypatch, a1_copy, table, names):
    """Does `verify` (the user's path, on a copy of the repository) fail, naming each rule, for a rule with
    a bogus case, a mutant its cases do not catch, and no mutant?"""
    path = a1_copy / "assignments" / A1 / "rules.toml"
    path.unlink(missing_ok=True)
    if table is not None:
        path.write_text(table)
    _fake_grading(monkeypatch, {"pool_padding_swapped": {"max_pool2d_random"}})
    out = io.StringIO()
    assert main(A1, root=a1_copy, ids=3, sandbox="in-process", out=out) == 1
    text = " ".join(out.getvalue().split())
    assert "FAILED: rule table" in text
    for name in names:
        assert name in text, text


@pytest.mark.parametrize("table, message", [
    (GOOD.replace('mutants =', 'mutant = ["x"]\nmutants ='), "rule 'pool-pair-padding' (entry 1): unknown key 'mutant'"),
    (None, "rules.toml: the rule table is missing"),
])
def test_malformed_or_missing_table_fails_verify_naming_it(tmp_path, table, message):
    """verify's rule-table check (what `main` prints and fails on) for an unknown key and a missing table."""
    from autograder.verify import check_rule_table

    root = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "assignments" / A1, root / "assignments" / A1)
    if table is not None:
        (root / "assignments" / A1 / "rules.toml").write_text(table)
    else:
        (root / "assignments" / A1 / "rules.toml").unlink(missing_ok=True)
    verdicts, table_shown, problems = check_rule_table(load_assignment(A1, root), {})
    assert [v.ok for v in verdicts] == [False] and table_shown is None
    assert len(problems) == 1 and message in problems[0] and str(root) in problems[0]


def test_verify_holds_with_a_good_rule_table_and_prints_it(monkeypatch, a1_copy):
    """The same fake gradings with a table whose rule is caught for every id: verify holds and prints the rule."""
    (a1_copy / "assignments" / A1 / "rules.toml").write_text(GOOD)
    _fake_grading(monkeypatch, {"pool_padding_swapped": {"max_pool2d_random"}})
    out = io.StringIO()
    assert main(A1, root=a1_copy, ids=3, sandbox="in-process", out=out) == 0, out.getvalue()
    rows = [line for line in out.getvalue().splitlines() if "pool-pair-padding" in line]
    assert rows and "pool_padding_swapped" in rows[0] and "4/4 ids" in rows[0] and "yes" in rows[0], rows


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_real_rule_table_names_existing_cases_and_mutants(assignment):
    """Does each committed rules.toml load, and name only cases and mutants that exist? (Whether its mutants
    are caught by its cases for every id is `verify`'s check, in tests/verify/test_verify.py.)"""
    a = load_assignment(assignment)
    path = a.source_dir / "rules.toml"
    if not path.is_file():
        pytest.skip(f"{path} is not written yet (verify fails without it)")
    rules = load_rules(path)
    cases = {f"{tf.path.stem}::{c.name}" for tf in load_test_files(a.tests_dir) for c in tf.cases}
    mutants = {m.name for m in load_mutants(a.mutants_dir)}
    for rule in rules:
        assert rule.cases and rule.mutants, rule.id
        assert set(rule.cases) <= cases, (rule.id, sorted(set(rule.cases) - cases))
        assert set(rule.mutants) <= mutants, (rule.id, sorted(set(rule.mutants) - mutants))
