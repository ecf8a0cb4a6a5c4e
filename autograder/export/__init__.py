"""``export``: an out folder's grades in a learning-management system's import format.

``python -m autograder export OUT --format canvas|moodle|gradescope|csv [--output FILE]`` reads the
out folder's ``journal.jsonl`` (the batch's record of truth, ``autograder/grade/journal.py``), after
checking that its results and batch files still match the hashes it recorded (a mismatch is refused:
``grade --resume`` rewrites them from the journal). One row per student of the batch:

* ``canvas``: Canvas's gradebook import CSV: ``Student, ID, SIS User ID, SIS Login ID, Section,
  <assignment title>`` then a ``Points Possible`` row. Canvas matches rows by ``ID`` (its user id),
  ``SIS User ID`` or ``SIS Login ID``: we fill ``SIS User ID`` with the student's sid and ``SIS Login
  ID`` with the email where the batch knows them (else the student id), and leave ``ID`` empty. A
  column title without ``(<canvas id>)`` makes Canvas create a new assignment on import.
* ``moodle``: Moodle's grade import (CSV file): ``Email address, ID number, Full name, <title>``;
  the import maps the email or ID number column to its users.
* ``gradescope``: ``Name, SID, Email, Total Score``.
* ``csv``: ``student, name, email, sid, score, max, status, late, penalty``.

Where the batch does not know a student's name, email or sid (only the submission's id), the id
stands in for it, and ``ExportResult.unknown_identity`` lists those students (the CLI says so). A
grader error's score is left EMPTY (an LMS would record a 0 as the grade); it is listed in
``ExportResult.grader_errors``. A late policy applies only when ``assignment.toml`` configures one::

    [grading]
    late_penalty = 0.1   # fraction of the score taken off a submission marked late (default: none)

It applies to results marked late (a ``late`` field set by intake: a Gradescope export's metadata or
a Canvas ``LATE`` file name), never otherwise.
"""
from __future__ import annotations

import csv
import io
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.assignment import load_assignment
from autograder.core.errors import UsageError
from autograder.core.results import GRADER_ERROR, submission_from_dict
from autograder.core.sanitize import for_csv
from autograder.grade.batch import changed_files
from autograder.grade.journal import Journal
from autograder.grade.outputs import atomic_write

FORMATS = ("canvas", "moodle", "gradescope", "csv")


class ExportError(UsageError):
    """The out folder cannot be exported (no batch, tampered outputs, bad arguments)."""


@dataclass
class Row:
    student: str
    name: str
    email: str
    sid: str
    score: str
    """Empty for a grader error (no grade yet), else the score after any late penalty."""
    max: float
    status: str
    late: bool
    penalty: float


@dataclass
class ExportResult:
    output: Path
    rows: list[Row] = field(default_factory=list)
    unknown_identity: list[str] = field(default_factory=list)
    grader_errors: list[str] = field(default_factory=list)


def _identity(data: dict, key: str) -> str:
    """A student's ``name``/``email``/``sid`` from a journaled result (a field of the result, or of its
    ``identity`` mapping), "" when the batch does not know it."""
    value = data.get(key)
    if not value and isinstance(data.get("identity"), dict):
        value = data["identity"].get(key)
    return value if isinstance(value, str) else ""


def late_penalty(assignment_toml: Path) -> float:
    """``[grading] late_penalty`` of ``assignment_toml`` (a fraction in [0, 1]); 0 when not configured."""
    data = tomllib.loads(Path(assignment_toml).read_text(encoding="utf-8"))
    value = data.get("grading", {}).get("late_penalty", 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise ExportError(f"{assignment_toml}: [grading] late_penalty must be a number in [0, 1], got {value!r}")
    return float(value)


def rows_of(out: Path, *, root: Path | None = None) -> tuple[str, list[Row]]:
    """``(assignment title, rows sorted by student)`` of the batch in ``out``, hashes checked first."""
    out = Path(out)
    journal = Journal(out / "journal.jsonl")
    if not journal.path.is_file():
        raise ExportError(f"{out} holds no batch (no journal.jsonl): grade into it first")
    bad = changed_files(out, journal)
    if bad:
        raise ExportError(f"{out}: {len(bad)} file(s) no longer match the journal ({', '.join(bad[:5])}"
                          f"{', ...' if len(bad) > 5 else ''}): run `python -m autograder grade ... --out {out} "
                          "--resume` to rewrite them from the journal, then export")
    header = journal.batch()
    if header is None:
        raise ExportError(f"{out}/journal.jsonl has no batch line (written by an older grader): regrade it")
    a = load_assignment(header["assignment"], root)
    penalty = late_penalty(a.source_dir / "assignment.toml")
    rows = []
    for student, entry in sorted(journal.entries().items()):
        data = entry.get("result") or {}
        r = submission_from_dict(data)
        late = bool(data.get("late"))
        cut = penalty if late else 0.0
        error = r.status == GRADER_ERROR or any(c.status == GRADER_ERROR for c in r.cases)
        score = "" if error else f"{r.score * (1 - cut):g}"
        rows.append(Row(student, _identity(data, "name"), _identity(data, "email"), _identity(data, "sid"),
                        score, r.max_score, GRADER_ERROR if error else r.status, late, cut))
    return a.title, rows


def render(title: str, rows: list[Row], fmt: str) -> str:
    """The CSV text of ``rows`` in format ``fmt`` (module docstring). Every text cell goes through
    ``for_csv`` (no spreadsheet formula)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    top = max((r.max for r in rows), default=0.0)

    def cells(*values) -> list[str]:
        return [for_csv(str(v)) for v in values]

    if fmt == "canvas":
        w.writerow(cells("Student", "ID", "SIS User ID", "SIS Login ID", "Section", title))
        w.writerow(cells("    Points Possible", "", "", "", "", f"{top:g}"))
        for r in rows:
            w.writerow(cells(r.name or r.student, "", r.sid or r.student, r.email or r.student, "", r.score))
    elif fmt == "moodle":
        w.writerow(cells("Email address", "ID number", "Full name", title))
        for r in rows:
            w.writerow(cells(r.email or r.student, r.sid or r.student, r.name or r.student, r.score))
    elif fmt == "gradescope":
        w.writerow(cells("Name", "SID", "Email", "Total Score"))
        for r in rows:
            w.writerow(cells(r.name or r.student, r.sid or r.student, r.email or r.student, r.score))
    elif fmt == "csv":
        w.writerow(cells("student", "name", "email", "sid", "score", "max", "status", "late", "penalty"))
        for r in rows:
            w.writerow(cells(r.student, r.name, r.email, r.sid, r.score, f"{r.max:g}", r.status,
                             "yes" if r.late else "", f"{r.penalty:g}" if r.penalty else ""))
    else:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    return buf.getvalue()


def main(out: Path, *, format: str = "csv", output: Path | None = None, root: Path | None = None) -> ExportResult:
    """Export the grades of the batch in ``out`` as ``format`` to ``output`` (default
    ``OUT/grades-<format>.csv``); returns what was written and which students lack an identity."""
    if format not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {format!r}")
    title, rows = rows_of(Path(out), root=root)
    target = Path(output) if output is not None else Path(out) / f"grades-{format}.csv"
    atomic_write(target, render(title, rows, format), mode=0o644)
    return ExportResult(target, rows,
                        unknown_identity=[r.student for r in rows if not (r.name or r.email or r.sid)],
                        grader_errors=[r.student for r in rows if r.status == GRADER_ERROR])
