"""Tamper-evident outputs: the journal's hashes, the check, the repair."""
import hashlib
import json
import os
import stat

import pytest

from autograder.core.results import FAILED, PASSED, CaseResult, SubmissionResult
from autograder.grade.batch import verify_outputs
from autograder.grade.journal import Journal
from autograder.grade.outputs import atomic_write, submission_files, write_submission

TITLE, VIS = "A1", "visible"


def _result(student: str, passed: int) -> SubmissionResult:
    return SubmissionResult(student, [CaseResult("q1", f"c{i}", 1.0, False, PASSED if i < passed else FAILED,
                                                 "" if i < passed else "wrong") for i in range(3)])


def _batch(out, students=(("alice", 3), ("bob", 1))):
    """What a batch leaves: each student's files written, then journaled with their hashes."""
    journal = Journal(out / "journal.jsonl")
    for student, passed in students:
        r = _result(student, passed)
        journal.append(r, f"sha-{student}", write_submission(out, r, TITLE, VIS))
    return journal


def _snapshot(out):
    return {p.relative_to(out).as_posix(): p.read_bytes() for p in out.rglob("*")
            if p.is_file() and p.name != "journal.jsonl"}


def test_journal_records_the_hash_of_each_file_written(tmp_path):
    """Does each journal entry hold the sha256 of exactly the bytes of its results and feedback files?"""
    _batch(tmp_path)
    entries = Journal(tmp_path / "journal.jsonl").entries()
    for student in ("alice", "bob"):
        files = entries[student]["files"]
        assert set(files) == {f"results/{student}.json", f"feedback/{student}.md"}
        for rel, sha in files.items():
            assert hashlib.sha256((tmp_path / rel).read_bytes()).hexdigest() == sha


def test_written_files_are_read_only_and_journal_private(tmp_path):
    """Are written files 0444 (replaced whole, never edited in place) and the journal 0600?"""
    _batch(tmp_path)
    for p in (tmp_path / "results").iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o444, p
    assert stat.S_IMODE((tmp_path / "journal.jsonl").stat().st_mode) == 0o600
    sha = atomic_write(tmp_path / "results" / "alice.json", "{}\n")  # the parent can still replace it
    assert sha == hashlib.sha256(b"{}\n").hexdigest() and (tmp_path / "results" / "alice.json").read_text() == "{}\n"
    assert not [p for p in tmp_path.rglob(".*.tmp")]


def test_intact_outputs_report_nothing(tmp_path):
    _batch(tmp_path)
    before = _snapshot(tmp_path)
    assert verify_outputs(tmp_path, Journal(tmp_path / "journal.jsonl"), TITLE, VIS) == []
    assert _snapshot(tmp_path) == before


def _rewrite_score(path):
    data = json.loads(path.read_text())
    data["score"] = 3.0
    os.chmod(path, 0o644)
    path.write_text(json.dumps(data))


@pytest.mark.parametrize("attack, message", [
    (lambda out: _rewrite_score(out / "results" / "bob.json"),
     "results/bob.json was changed after the grader wrote it; rewritten from the journal"),
    (lambda out: (out / "feedback" / "bob.md").unlink(),
     "feedback/bob.md is missing after the grader wrote it; rewritten from the journal"),
    (lambda out: ((out / "results" / "bob.json").unlink(), (out / "results" / "bob.json").symlink_to(
        out / "results" / "alice.json")),
     "results/bob.json is missing after the grader wrote it; rewritten from the journal"),
    (lambda out: ((out / "results" / "bob.json").unlink(), (out / "results" / "bob.json").mkdir()),
     "results/bob.json is missing after the grader wrote it; rewritten from the journal"),
    (lambda out: (out / "results" / "mallory.json").write_text('{"score": 92}'),
     "results/mallory.json was not written by the grader (not in the journal); removed"),
    (lambda out: (out / "feedback" / "notes").mkdir(),
     "feedback/notes was not written by the grader (not in the journal); removed"),
])
def test_tampering_is_reported_and_repaired(tmp_path, attack, message):
    """Is a rewritten, deleted, symlinked or replaced results/feedback file reported and rewritten
    byte-identical from the journal, and a foreign file reported and removed?"""
    _batch(tmp_path)
    before = _snapshot(tmp_path)
    attack(tmp_path)
    assert verify_outputs(tmp_path, Journal(tmp_path / "journal.jsonl"), TITLE, VIS) == [message]
    assert _snapshot(tmp_path) == before
    assert not (tmp_path / "results" / "bob.json").is_symlink()
    assert verify_outputs(tmp_path, Journal(tmp_path / "journal.jsonl"), TITLE, VIS) == []  # repaired for good


def test_repair_follows_the_latest_entry(tmp_path):
    """A regraded student (a second journal line): is the file checked against the newest entry?"""
    journal = _batch(tmp_path)
    r = _result("bob", 2)
    journal.append(r, "sha-bob-2", write_submission(tmp_path, r, TITLE, VIS))
    assert verify_outputs(tmp_path, journal, TITLE, VIS) == []
    _rewrite_score(tmp_path / "results" / "bob.json")
    assert len(verify_outputs(tmp_path, journal, TITLE, VIS)) == 1
    assert json.loads((tmp_path / "results" / "bob.json").read_text())["score"] == 2.0


def test_before_resume_leftovers_of_a_killed_run_are_not_tampering(tmp_path):
    """Files written for a submission whose journal line a kill -9 prevented: not reported by the
    check before a resume (the submission is regraded over them), reported by the final sweep."""
    journal = _batch(tmp_path)
    write_submission(tmp_path, _result("carol", 0), TITLE, VIS)  # killed before journal.append
    assert verify_outputs(tmp_path, journal, TITLE, VIS, sweep=False) == []
    assert (tmp_path / "results" / "carol.json").exists()
    assert len(verify_outputs(tmp_path, journal, TITLE, VIS)) == 2  # not graded again: foreign


def test_leftover_temporary_files_are_removed_silently(tmp_path):
    journal = _batch(tmp_path)
    (tmp_path / "results" / ".alice.json.1234.tmp").write_text("half")
    assert verify_outputs(tmp_path, journal, TITLE, VIS) == []
    assert not (tmp_path / "results" / ".alice.json.1234.tmp").exists()


def test_batch_files_are_checked_before_a_resume(tmp_path):
    """Are a changed gradebook and a deleted report (recorded at the end of a run) reported?"""
    journal = _batch(tmp_path)
    journal.append_outputs({"gradebook.csv": atomic_write(tmp_path / "gradebook.csv", "student\n"),
                            "report.html": atomic_write(tmp_path / "report.html", "<html>")})
    assert verify_outputs(tmp_path, journal, TITLE, VIS, batch_files=True) == []
    os.chmod(tmp_path / "gradebook.csv", 0o644)
    (tmp_path / "gradebook.csv").write_text("student\nmallory,92\n")
    (tmp_path / "report.html").unlink()
    assert verify_outputs(tmp_path, journal, TITLE, VIS, batch_files=True) == [
        "gradebook.csv was changed or removed after the grader wrote it; rebuilt from the journal",
        "report.html was changed or removed after the grader wrote it; rebuilt from the journal"]


def test_a_journal_entry_cannot_steer_writes_outside_the_folder(tmp_path):
    """A journal line naming ``../x`` as the student: ignored and reported, nothing written outside."""
    out = tmp_path / "out"
    journal = _batch(out)
    evil = _result("../escaped", 3)
    journal.append(evil, "sha", {"results/../escaped.json": "0" * 64})
    found = verify_outputs(out, journal, TITLE, VIS)
    assert found == ["journal.jsonl names an impossible student '../escaped'; ignored"]
    assert not (tmp_path / "escaped.json").exists() and not (out / "escaped.json").exists()


def test_old_journal_lines_without_hashes_are_not_tampering(tmp_path):
    """A journal written before hashes were recorded: nothing to compare, nothing reported."""
    journal = Journal(tmp_path / "journal.jsonl")
    r = _result("alice", 3)
    write_submission(tmp_path, r, TITLE, VIS)
    journal.append(r, "sha-alice")  # no files
    assert verify_outputs(tmp_path, journal, TITLE, VIS) == []


def test_files_are_rendered_from_the_journal(tmp_path):
    """Is what the check rewrites exactly what the batch wrote (same renderer, same journal result)?"""
    _batch(tmp_path)
    entry = Journal(tmp_path / "journal.jsonl").entries()["alice"]
    from autograder.core.results import submission_from_dict

    texts = submission_files(submission_from_dict(entry["result"]), TITLE, VIS)
    for rel, text in texts.items():
        assert (tmp_path / rel).read_text() == text


def test_atomic_write_never_writes_through_a_planted_temporary_name(tmp_path):
    """A symlink planted at the temporary name (``.<name>.<pid>.tmp``): is the target left alone?"""
    target = tmp_path / "precious.txt"
    target.write_text("precious\n")
    (tmp_path / f".out.json.{os.getpid()}.tmp").symlink_to(target)
    atomic_write(tmp_path / "out.json", "{}\n")
    assert target.read_text() == "precious\n" and (tmp_path / "out.json").read_text() == "{}\n"


def test_a_symlinked_results_folder_is_replaced_and_refilled(tmp_path):
    """results/ swapped for a symlink to another folder: is it reported, replaced by a real folder,
    the other folder left alone, and every file rewritten from the journal?"""
    from autograder.grade.batch import _private_folders

    out = tmp_path / "out"
    journal = _batch(out)
    before = _snapshot(out)
    elsewhere = tmp_path / "elsewhere"
    (out / "results").rename(elsewhere)
    (out / "results").symlink_to(elsewhere)
    found = _private_folders(out) + verify_outputs(out, journal, TITLE, VIS, sweep=False)
    assert found[0] == "results/ is not the grader's folder (a symlink or a file); replaced"
    assert len(found) == 3 and all(f.endswith("is missing after the grader wrote it; rewritten from the journal")
                                   for f in found[1:])
    assert not (out / "results").is_symlink() and _snapshot(out) == before
    assert stat.S_IMODE((out / "results").stat().st_mode) == 0o700
    assert sorted(p.name for p in elsewhere.iterdir()) == ["alice.json", "bob.json"]


def test_a_journal_result_naming_another_student_is_ignored(tmp_path):
    """An entry for 'bob' whose stored result names '../x': ignored and reported, nothing written."""
    out = tmp_path / "out"
    journal = _batch(out)
    line = json.loads((out / "journal.jsonl").read_text().splitlines()[-1])
    line["result"]["student"] = "../x"
    with open(out / "journal.jsonl", "a") as f:
        f.write(json.dumps(line) + "\n")
    found = verify_outputs(out, journal, TITLE, VIS, sweep=False)
    assert found == ["journal.jsonl holds a malformed entry for 'bob'; ignored"]
    assert not (tmp_path / "x.json").exists() and not (out / "x.json").exists()
