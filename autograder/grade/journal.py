"""``journal.jsonl``: one line per graded submission, appended and fsynced when it is done.

``--resume`` re-grades nothing the journal already holds for the same submission content (sha256).
A batch killed at any instant (even ``kill -9``) loses at most the submissions in flight: a line is
written only after that submission's results and feedback files are in place, and a torn last line
(killed mid-write) is ignored.
"""
from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path

from autograder.core.results import SubmissionResult, submission_from_dict


class Journal:
    def __init__(self, path: Path):
        self.path = Path(path)

    def entries(self) -> dict[str, dict]:
        """The latest complete entry of each student."""
        latest: dict[str, dict] = {}
        if not self.path.is_file():
            return latest
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entry = json.loads(line)
                latest[entry["student"]] = entry
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a torn line from a killed run
        return latest

    def done(self, student: str, sha256: str) -> SubmissionResult | None:
        entry = self.entries().get(student)
        if entry and entry.get("sha256") == sha256:
            return submission_from_dict(entry["result"])
        return None

    def append(self, result: SubmissionResult, sha256: str) -> None:
        line = json.dumps({"student": result.student, "sha256": sha256, "score": result.score,
                           "max": result.max_score, "status": result.status, "result": asdict(result)})
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, (line + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)
