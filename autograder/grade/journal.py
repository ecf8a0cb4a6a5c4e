"""``journal.jsonl``: one line per graded submission, appended and fsynced when it is done.

``--resume`` re-grades nothing the journal already holds for the same submission content (sha256).
A batch killed at any instant (even ``kill -9``) loses at most the submissions in flight: a line is
written only after that submission's results and feedback files are in place, and a torn last line
(killed mid-write) is ignored.

The journal is the batch's record of truth: each student's line holds
the whole result and the sha256 of every file written for it (``files``: ``{"results/<s>.json": sha,
"feedback/<s>.md": sha}``); the gradebook, the report and the per-student files are built from it,
and a file whose content no longer matches its hash is reported as tampering and rewritten from it
(``autograder.grade.batch``). A line ``{"kind": "outputs", "files": {...}}`` records the batch-wide
files (gradebook, report) at the end of each run. The file is the grader's own (mode 0600).

Each run starts with a batch line ``{"kind": "batch", "assignment": name, "fingerprint": sha, "parts":
{...}}`` (``batch.assignment_fingerprint``: the test files, reference, assignment.toml and the grading
engine), and each student's line carries the ``fingerprint`` it was graded under: ``--resume`` reuses
a line only under the same fingerprint, so a result graded by other tests or points is never kept.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from autograder.core.results import SubmissionResult, submission_from_dict

OUTPUTS, BATCH = "outputs", "batch"


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)

    def _lines(self):
        if not self.path.is_file():
            return
        for line in self.path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                entry = json.loads(line)
            except json.JSONDecodeError:
                continue  # a torn line from a killed run
            if isinstance(entry, dict):
                yield entry

    def entries(self) -> dict[str, dict]:
        """The latest complete entry of each student."""
        latest: dict[str, dict] = {}
        for entry in self._lines():
            if isinstance(entry.get("student"), str) and isinstance(entry.get("result"), dict):
                latest[entry["student"]] = entry
        return latest

    def outputs(self) -> dict[str, str]:
        """``{relative path: sha256}`` of the batch-wide files written by the last complete run."""
        files: dict[str, str] = {}
        for entry in self._lines():
            if entry.get("kind") == OUTPUTS and isinstance(entry.get("files"), dict):
                files = entry["files"]
        return files

    def batch(self) -> dict | None:
        """The latest batch line (``assignment``, ``fingerprint``, ``parts``), or None (an empty journal,
        or one written before batch lines existed)."""
        found = None
        for entry in self._lines():
            if entry.get("kind") == BATCH and isinstance(entry.get("assignment"), str):
                found = entry
        return found

    def append_batch(self, assignment: str, fingerprint: str, parts: dict[str, str], **extra) -> None:
        """Record the start of a run: which assignment, under which fingerprint (``extra``: e.g. a shard)."""
        self._append({"kind": BATCH, "assignment": assignment, "fingerprint": fingerprint, "parts": dict(parts),
                      **extra})

    def done(self, student: str, sha256: str) -> SubmissionResult | None:
        entry = self.entries().get(student)
        if entry and entry.get("sha256") == sha256:
            return submission_from_dict(entry["result"])
        return None

    def append(self, result: SubmissionResult, sha256: str, files: dict[str, str] | None = None,
               fingerprint: str = "") -> None:
        """Record ``result`` of the submission with content hash ``sha256``, graded under the assignment
        ``fingerprint``, and the sha256 of each file written for it (``{path relative to the output
        folder: sha256}``)."""
        self._append({"student": result.student, "sha256": sha256, "fingerprint": fingerprint,
                      "score": result.score, "max": result.max_score, "status": result.status,
                      "files": dict(files or {}), "result": asdict(result)})

    def append_outputs(self, files: dict[str, str]) -> None:
        """Record the sha256 of the batch-wide files (gradebook, report) just written."""
        self._append({"kind": OUTPUTS, "files": dict(files)})

    def _append(self, entry: dict) -> None:
        line = json.dumps(entry)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        try:
            view = memoryview((line + "\n").encode())
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
