"""``export``: an out folder's grades in a learning-management system's import format.

``python -m autograder export OUT --format canvas|moodle|gradescope|csv [--output FILE]`` reads the
out folder's ``journal.jsonl`` (the batch's record of truth, ``autograder/grade/journal.py``), after
checking that its results and batch files still match the hashes it recorded (a mismatch is refused:
``grade --resume`` rewrites them from the journal). One row per student of the batch:

* ``canvas``: Canvas's gradebook import CSV (Gradebook > Import), the layout of Canvas's own gradebook
  export: a header ``Student, ID, SIS User ID, SIS Login ID, Section, <assignment>``, then a row whose
  first cell is ``Points Possible`` (the assignment's points under its column), then one row per
  student. Canvas finds each row's student by ``ID`` (its user id), else ``SIS User ID``, else ``SIS
  Login ID``, else the ``Student`` name; so ``ID`` is the Canvas user id where the batch knows it (a
  Canvas "Download Submissions" file name carries it: intake's key ``canvas:<user id>``), ``SIS User
  ID`` the student's sid and ``SIS Login ID`` the e-mail where known; a column the batch does not
  know is left EMPTY (never the submission id: it could be another student's SIS id); ``Student`` is
  the name, else the submission id. The assignment column is ``<title> (<canvas assignment id>)``
  with ``canvas_assignment_id`` (``--canvas-assignment-id``, the number in the assignment's Canvas
  URL): Canvas then updates that assignment whatever its title. Without it the column is the title
  alone, which Canvas matches to an assignment of exactly that title or else creates as a new
  assignment (a title ending in `` (<digits>)`` would be read as an id: refused). Canvas leaves a
  student's grade unchanged where the cell is empty (a grader error's).
* ``moodle``: Moodle's grade import (CSV file): ``Email address, ID number, Full name, <title>``;
  the import maps the email or ID number column to its users.
* ``gradescope``: ``Name, SID, Email, Total Score``.
* ``csv``: ``student, name, email, sid, score, max, status, late, penalty``.

Where the batch does not know a student's name, email or sid (only the submission's id), the id
stands in for it (in ``canvas``: in the ``Student`` column only), and ``ExportResult.unknown_identity``
lists the students the LMS's import cannot match (the CLI says so): in ``moodle`` and ``gradescope``,
those with neither an e-mail nor a sid (those imports match no name; the number in a Moodle download's
names is the assignment's participant id, not a user id); in ``canvas``, those with no Canvas user id,
sid, e-mail or name; in ``csv``, those with none of them. A
grader error's score is left EMPTY (an LMS would record a 0 as the grade); it is listed in
``ExportResult.grader_errors``. A late policy applies only when ``assignment.toml`` configures one::

    [grading]
    late_penalty = 0.1   # fraction of the score taken off a submission marked late (default: none)

It applies to results intake marked late (``student_info["late"] == "yes"``: a Canvas ``LATE`` file
name, a roster's ``late`` column), never otherwise.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.assignment import load_assignment
from autograder.core.errors import UsageError
from autograder.core.results import GRADER_ERROR, submission_from_dict
from autograder.core.sanitize import for_csv
from autograder.grade.batch import assignment_fingerprint, changed_files, changed_parts
from autograder.grade.journal import Journal
from autograder.grade.outputs import atomic_write

FORMATS = ("canvas", "moodle", "gradescope", "csv")
#: Canvas's column header ``<title> (<assignment id>)`` (how its importer splits a header into the two).
CANVAS_TITLE_AND_ID = re.compile(r"^(.*)\s\((\d+)\)$", re.DOTALL)
#: Canvas's gradebook import: the columns before the assignments', and the first cell of the points row.
CANVAS_COLUMNS = ("Student", "ID", "SIS User ID", "SIS Login ID", "Section")
CANVAS_POINTS_ROW = "    Points Possible"


class ExportError(UsageError):
    """The out folder cannot be exported (no batch, tampered outputs, bad arguments)."""


@dataclass
class Row:
    student: str
    name: str
    email: str
    sid: str
    lms_id: str
    """The student's Canvas user id (intake's key ``canvas:<id>``), else "" (a Moodle download's number is
    the assignment's participant id: no column of any import takes it)."""
    score: str
    """Empty for a grader error (no grade yet), else the score after any late penalty."""
    max: float
    status: str
    late: bool
    penalty: float
    submission: str = ""
    """The submission this row's grade is of, as the batch names it (``<student> (<name handed in>)``; a
    group's partners share it); "" = ``student``."""


@dataclass(frozen=True)
class Duplicate:
    """One student with a row in more than one submission (a group's partner who also handed in alone)."""
    student: str
    """How the rows name the student: the e-mail, else the sid, else the LMS user id they share."""
    submissions: tuple[str, ...]

    def __str__(self) -> str:
        return (f"{self.student} is in {len(self.submissions)} submissions: {', '.join(self.submissions[:-1])} and "
                f"{self.submissions[-1]}")


@dataclass
class ExportResult:
    output: Path
    rows: list[Row] = field(default_factory=list)
    unknown_identity: list[str] = field(default_factory=list)
    grader_errors: list[str] = field(default_factory=list)
    duplicates: list[Duplicate] = field(default_factory=list)
    """Students in more than one submission: written in ``csv`` only; an LMS format is refused."""
    changed_since: list[str] = field(default_factory=list)
    """What changed since the batch was graded (``tests``, ``reference``, ``assignment.toml``, ``engine``):
    its grades are not what this checkout would give (``grade --resume --regrade-all``)."""


def _identity(data: dict, key: str) -> str:
    """A student's ``name``/``email``/``sid``/``late``... from a journaled result: what intake recorded
    (``student_info``, ``autograder/grade/exports.py``), else a field of the result or of its
    ``identity`` mapping (older journals); "" when the batch does not know it."""
    for where in (data.get("student_info"), data, data.get("identity")):
        value = where.get(key) if isinstance(where, dict) else None
        if isinstance(value, str) and value:
            return value
    return ""


def _lms_id(data: dict, source: str) -> str:
    """The Canvas/Moodle user id of a journaled result (``source``: ``canvas`` or ``moodle``), from
    intake's seeding key ``<source>:<digits>``; "" when the batch does not know it."""
    key = _identity(data, "key")
    prefix, _, uid = key.partition(":")
    return uid if prefix == source and uid.isdigit() else ""


def _late(data: dict) -> bool:
    """Marked late by intake (``student_info["late"] == "yes"``: Canvas's LATE, a roster's column), or by
    an older journal's boolean ``late``."""
    info = data.get("student_info")
    if isinstance(info, dict) and "late" in info:
        return str(info["late"]).strip().lower() in ("yes", "true", "1")
    return data.get("late") is True


def rows_of(out: Path, *, root: Path | None = None) -> tuple[str, list[Row], list[str]]:
    """``(assignment title, rows sorted by student, what changed since it was graded)`` of the batch in
    ``out``, hashes checked first. What changed: the parts of the fingerprint
    (``autograder.grade.batch.assignment_fingerprint``) that differ between the batch and this checkout."""
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
    penalty = a.grading.late_penalty
    rows = []
    for student, entry in sorted(journal.entries().items()):
        data = entry.get("result") or {}
        r = submission_from_dict(data)
        late = _late(data)
        cut = penalty if late else 0.0
        error = r.status == GRADER_ERROR or any(c.status == GRADER_ERROR for c in r.cases)
        score = "" if error else f"{r.score * (1 - cut):g}"
        source = _identity(data, "source")
        original = _identity(data, "original")
        submission = f"{student} ({original})" if original and original != student else student
        status = GRADER_ERROR if error else r.status
        rows.append(Row(student, _identity(data, "name"), _identity(data, "email"), _identity(data, "sid"),
                        _lms_id(data, source) if source == "canvas" else "",
                        score, r.max_score, status, late, cut, submission=submission))
        for i, m in enumerate(_members(data), 2):  # a group submission: each submitter gets its grade
            rows.append(Row(m["email"] or (f"sid-{m['sid']}" if m["sid"] else f"{student}+member{i}"), m["name"],
                            m["email"], m["sid"], "", score, r.max_score, status, late, cut, submission=submission))
    changed = sorted(changed_parts(header, assignment_fingerprint(a)[1]))
    return a.title, sorted(rows, key=lambda row: row.student), changed


def duplicates(rows: list[Row]) -> list[Duplicate]:
    """The students with rows in more than one submission: rows of different submissions that share an
    e-mail (case-insensitive), a sid or an LMS user id. An LMS import of both rows would keep whichever
    comes last, so the grade would depend on the order of the file."""
    by_key: dict[tuple[str, str], list[Row]] = {}
    for row in rows:
        for kind, value in (("email", row.email.strip().lower()), ("sid", row.sid.strip()), ("lms", row.lms_id)):
            if value:
                by_key.setdefault((kind, value), []).append(row)
    found: dict[tuple[str, ...], Duplicate] = {}
    for (kind, value), same in by_key.items():
        submissions = tuple(sorted({row.submission or row.student for row in same}))
        if len(submissions) > 1 and submissions not in found:
            found[submissions] = Duplicate(value if kind == "email" else f"{kind} {value}", submissions)
    return sorted(found.values(), key=lambda d: d.student)


def _members(data: dict) -> list[dict[str, str]]:
    """A group submission's other submitters, as intake recorded them (``student_info["members"]``)."""
    info = data.get("student_info")
    members = info.get("members") if isinstance(info, dict) else None
    if not isinstance(members, list):
        return []
    return [{k: str(m.get(k) or "") for k in ("name", "email", "sid")} for m in members if isinstance(m, dict)]


def matchable(row: Row, fmt: str) -> bool:
    """Whether ``fmt``'s import can match ``row`` to a user (module docstring)."""
    if fmt in ("moodle", "gradescope"):
        return bool(row.email or row.sid)
    return bool(row.email or row.sid or row.name or (fmt == "canvas" and row.lms_id))


def canvas_column(title: str, assignment_id: str | int | None = None) -> str:
    """The assignment's column header in Canvas's import: ``<title> (<id>)``, or the title alone when
    no Canvas assignment id is given (refused when Canvas would read the title's end as an id)."""
    if assignment_id is not None and str(assignment_id) != "":
        if not str(assignment_id).isdigit():
            raise ExportError(f"--canvas-assignment-id must be Canvas's numeric assignment id (the number after "
                              f"/assignments/ in its URL), got {assignment_id!r}")
        return f"{title} ({int(str(assignment_id))})"
    if CANVAS_TITLE_AND_ID.match(title):
        raise ExportError(f"the assignment title {title!r} ends in '(<digits>)', which Canvas's import reads as "
                          "an assignment id: pass --canvas-assignment-id")
    return title


def render(title: str, rows: list[Row], fmt: str, *, canvas_assignment_id: str | int | None = None) -> str:
    """The CSV text of ``rows`` in format ``fmt`` (module docstring). Every text cell goes through
    ``for_csv`` (no spreadsheet formula)."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    top = max((r.max for r in rows), default=0.0)

    def cells(*values) -> list[str]:
        return [for_csv(str(v)) for v in values]

    if fmt == "canvas":
        w.writerow(cells(*CANVAS_COLUMNS, canvas_column(title, canvas_assignment_id)))
        w.writerow(cells(CANVAS_POINTS_ROW, "", "", "", "", f"{top:g}"))
        for r in rows:
            w.writerow(cells(r.name or r.student, r.lms_id, r.sid, r.email, "", r.score))
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


def _check_target(out: Path, target: Path) -> None:
    """Inside the out folder an export may write only a ``.csv`` of its own beside the batch's files (never
    the journal, the gradebook, results/ or feedback/: the batch's record)."""
    here, inside = target.resolve(), out.resolve()
    if here.is_relative_to(inside) and (here.parent != inside or here.suffix != ".csv"
                                        or here.name in ("gradebook.csv", "journal.jsonl")):
        raise ExportError(f"--output {target} would overwrite the batch's own files in {out}: write the export "
                          f"beside them as {out}/grades-<format>.csv (the default) or outside {out}")


def main(out: Path, *, format: str = "csv", output: Path | None = None, root: Path | None = None,
         canvas_assignment_id: str | int | None = None) -> ExportResult:
    """Export the grades of the batch in ``out`` as ``format`` to ``output`` (default
    ``OUT/grades-<format>.csv``); returns what was written and which students lack an identity.
    ``canvas_assignment_id``: the Canvas assignment the ``canvas`` column updates (module docstring)."""
    if format not in FORMATS:
        raise ExportError(f"--format must be one of {', '.join(FORMATS)}, got {format!r}")
    if canvas_assignment_id is not None and format != "canvas":
        raise ExportError(f"--canvas-assignment-id applies to --format canvas only, not {format}")
    title, rows, changed = rows_of(Path(out), root=root)
    twice = duplicates(rows)
    if twice and format != "csv":
        raise ExportError(f"{out}: {'; '.join(map(str, twice[:5]))}{'; ...' if len(twice) > 5 else ''}. A "
                          f"{format} import would keep whichever row comes last. Decide which submission counts, "
                          "remove the other from the class folder and grade it into a new --out (a --resume keeps "
                          "every row it has); see both rows with --format csv. Nothing was written")
    target = Path(output) if output is not None else Path(out) / f"grades-{format}.csv"
    _check_target(Path(out), target)
    atomic_write(target, render(title, rows, format, canvas_assignment_id=canvas_assignment_id), mode=0o644)
    return ExportResult(target, rows, changed_since=changed,
                        unknown_identity=[r.student for r in rows if not matchable(r, format)],
                        grader_errors=[r.student for r in rows if r.status == GRADER_ERROR], duplicates=twice)
