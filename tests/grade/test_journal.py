"""The journal: what --resume trusts."""
from autograder.core.results import PASSED, CaseResult, SubmissionResult
from autograder.grade.journal import Journal


def _result(student, status=PASSED):
    return SubmissionResult(student, [CaseResult("q1", "case", 2.0, False, status, "")])


def test_done_only_for_same_content(tmp_path):
    """Is a submission skipped on resume only when its content (sha256) is unchanged?"""
    j = Journal(tmp_path / "journal.jsonl")
    j.append(_result("alice"), "sha-1")
    assert j.done("alice", "sha-1").score == 2.0
    assert j.done("alice", "sha-2") is None
    assert j.done("bob", "sha-1") is None


def test_torn_last_line_is_ignored(tmp_path):
    """Does a line torn by kill -9 mid-write count as not done (and break nothing)?"""
    path = tmp_path / "journal.jsonl"
    j = Journal(path)
    j.append(_result("alice"), "sha-1")
    with open(path, "a") as f:
        f.write('{"student": "bob", "sha256": "sha-2", "res')
    assert set(j.entries()) == {"alice"}
    assert j.done("bob", "sha-2") is None
