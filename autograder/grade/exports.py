"""Class exports: who handed in what, read from the LMS's own naming and metadata (README "Class exports").

* **Gradescope** "Download Submissions": a folder (or a zip of it) holding ``submission_metadata.yml`` and
  one ``submission_<id>/`` folder per submission. The metadata maps each folder to ``:submitters:``
  (``:name:``, ``:sid:``, ``:email:``) and ``:created_at:`` (the submission time; the export has no late
  mark: a roster's ``late`` column gives it). It is read with
  ``yaml.safe_load`` (plain data only, never Python objects), at most ``MAX_METADATA`` bytes.
* **Canvas** "Download Submissions": ``<name>[_LATE]_<user id>_<submission id>_<file name>[-N]`` (Canvas
  appends ``-N`` to a re-uploaded file's name); ``LATE`` is Canvas's own late mark.
* **Moodle** "Download all submissions": ``<Full Name>_<id>_assignsubmission_file_[<file name>]`` (a file,
  or a folder when downloaded "in folders").
* A **roster** (``--roster roster.csv``): columns ``file`` (a file name or glob pattern, matched against
  the entry's name as found) or ``id`` (the student id it would get), then any of ``student`` (the id
  to use), ``name``, ``email``, ``sid``, ``submitted``, ``late``.

**The student key** (README, "Class exports": what hidden inputs are seeded from, with the course
secret and the sha256 of the file) is the same wherever a submission is graded: the first submitter's
e-mail, lower-cased, when known; else ``sid:<sid>``; else the student id. Gradescope's
``submission_metadata.json`` (``gradescope.py``) and its export's ``submission_metadata.yml`` name the
same e-mail, so a local regrade of an export draws the hidden inputs Gradescope drew.
"""
from __future__ import annotations

import csv
import datetime as dt
import fnmatch
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.errors import UsageError

#: ``submission_metadata.yml`` of a Gradescope export (its ``:results:`` hold every output: generous).
MAX_METADATA = 256 * 2**20
MAX_ROSTER = 16 * 2**20
GRADESCOPE_METADATA = "submission_metadata.yml"

#: A Canvas "Download Submissions" name: ``<name>[_LATE]_<user id>_<attachment id>_<file>[-N]``.
CANVAS_NAME = re.compile(r"^(?P<name>[^_]+?)(?P<late>_LATE)?_(?P<uid>\d+)_(?P<subid>\d+)_(?P<file>.+)$")
_MOODLE = re.compile(r"^(?P<name>.+?)_(?P<uid>\d+)_assignsubmission_(?:file|onlinetext)_(?P<file>.*)$")
#: Canvas's name for a re-upload of a file: ``<stem>-<N><suffix>`` (``cnn_numpy-1.py``).
RENUMBERED = re.compile(r"^(?P<stem>.+?)-(?P<n>\d+)(?P<suffix>\.[A-Za-z0-9]+)$")


class ClassExportError(UsageError, ValueError):
    """A class export or a roster cannot be read (the message names the file and the problem)."""


@dataclass
class Identity:
    """Who a submission belongs to, as far as the export or roster says."""

    id_name: str = ""
    """The name the student id is made from (else the entry's file name)."""
    name: str = ""
    email: str = ""
    sid: str = ""
    submitted: str = ""
    """Submission time, ISO 8601, when the export records it."""
    late: str = ""
    """``yes``/``no`` when the export says; empty when unknown."""
    source: str = ""
    """``gradescope``, ``canvas``, ``moodle``, ``roster`` or empty."""
    lms_id: str = ""
    """The LMS's user id (Canvas, Moodle), grouping one student's several files."""
    files: dict[str, str] = field(default_factory=dict)
    """``{file name as handed in: file name to read it as}`` (Canvas's prefix and ``-N`` removed)."""
    members: list[dict] = field(default_factory=list)
    """A group submission's other submitters (``{"name", "email", "sid"}``, Gradescope's order): each gets
    the submission's grade in the LMS exports (``autograder.export``)."""

    def info(self, original: str, key: str) -> dict:
        """What the results record (``SubmissionResult.student_info``)."""
        out = {"original": original, "key": key}
        for k in ("name", "email", "sid", "submitted", "late", "source"):
            if getattr(self, k):
                out[k] = getattr(self, k)
        if self.members:
            out["members"] = [dict(m) for m in self.members]
        return out


def student_key(email: str = "", sid: str = "", fallback: str = "") -> str:
    """The seeding key (module docstring): e-mail lower-cased, else ``sid:<sid>``, else ``fallback``."""
    email, sid = (email or "").strip().lower(), str(sid or "").strip()
    return email or (f"sid:{sid}" if sid else fallback)


def canvas(name: str) -> Identity | None:
    """Identity from a Canvas download name, or None when ``name`` is not one."""
    m = CANVAS_NAME.match(name)
    if not m or not m["name"].isalnum():
        return None
    original = m["file"]
    renumbered = RENUMBERED.match(original)
    if renumbered:
        original = renumbered["stem"] + renumbered["suffix"]
    return Identity(id_name=m["name"], late="yes" if m["late"] else "no", source="canvas", lms_id=m["uid"],
                    files={name: original})


def moodle(name: str) -> Identity | None:
    """Identity from a Moodle download name (file or folder), or None when ``name`` is not one."""
    m = _MOODLE.match(name)
    if not m:
        return None
    full = " ".join(m["name"].split())
    files = {name: m["file"]} if m["file"] else {}
    return Identity(id_name=full.replace(" ", "_"), name=full, source="moodle", lms_id=m["uid"], files=files)


def lms_identity(name: str) -> Identity | None:
    return canvas(name) or moodle(name)


def _when(value) -> str:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # YAML's timestamps with a ``Z`` are read as naive UTC
            value = value.replace(tzinfo=dt.timezone.utc)
        return value.isoformat()
    return str(value or "")


def gradescope_metadata(path: Path) -> dict[str, Identity]:
    """``{submission folder name: Identity}`` from a Gradescope export's ``submission_metadata.yml``."""
    import yaml

    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_METADATA + 1)
    except OSError as exc:
        raise ClassExportError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if len(data) > MAX_METADATA:
        raise ClassExportError(f"{path} is larger than {MAX_METADATA // 2**20} MB")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    try:
        meta = yaml.load(data, Loader=loader)  # noqa: S506 - a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        raise ClassExportError(f"{path} is not valid YAML ({' '.join(str(exc).split())[:200]})") from None
    if not isinstance(meta, dict):
        raise ClassExportError(f"{path} is not a Gradescope submission_metadata.yml (no submission folders in it)")
    found = {}
    for folder, record in meta.items():
        if not isinstance(record, dict):
            continue
        submitters = [s for s in record.get(":submitters") or [] if isinstance(s, dict)]
        first = submitters[0] if submitters else {}
        ident = Identity(source="gradescope", submitted=_when(record.get(":created_at")))
        ident.name = "; ".join(str(s.get(":name") or "") for s in submitters if s.get(":name"))
        ident.email = str(first.get(":email") or "")
        ident.sid = str(first.get(":sid") or "")
        ident.id_name = ident.email or (f"sid-{ident.sid}" if ident.sid else "")
        ident.members = [{k: str(s.get(f":{k}") or "") for k in ("name", "email", "sid")} for s in submitters[1:]]
        found[str(folder)] = ident
    return found


@dataclass
class Roster:
    """Rows of ``--roster``: each maps a file pattern or an id to a student's identity."""

    rows: list[dict] = field(default_factory=list)
    path: str = ""
    used: set[int] = field(default_factory=set)
    """The rows ``match`` has returned (by index): the others matched no submission."""

    @classmethod
    def read(cls, path: Path) -> "Roster":
        path = Path(path)
        try:
            data = path.read_bytes()[: MAX_ROSTER + 1]
        except OSError as exc:
            raise ClassExportError(f"roster {path} cannot be read ({exc.strerror or exc})") from None
        if len(data) > MAX_ROSTER:
            raise ClassExportError(f"roster {path} is larger than {MAX_ROSTER // 2**20} MB")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ClassExportError(f"roster {path} is not UTF-8 (byte {exc.start})") from None
        reader = csv.DictReader(io.StringIO(text))
        columns = {c.strip().lower() for c in reader.fieldnames or []}
        if not columns & {"file", "id"}:
            raise ClassExportError(f"roster {path} needs a 'file' or an 'id' column (found: {', '.join(sorted(columns))})")
        rows = []
        for number, row in enumerate(reader, 2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items() if k}
            if not (row.get("file") or row.get("id")):
                raise ClassExportError(f"roster {path}, line {number}: neither 'file' nor 'id' is set")
            rows.append(row)
        return cls(rows, str(path))

    @staticmethod
    def _names(original: str) -> list[str]:
        """What a ``file`` pattern is matched against: ``original``, its last part, and each of an LMS's files
        of one student (``a.py, b.py``)."""
        last = original.rsplit("/", 1)[-1].rsplit(": ", 1)[-1]
        return [original, last, *(p.strip() for p in original.split(", "))]

    @staticmethod
    def _matches(row: dict, names: list[str], student_id: str) -> bool:
        pattern = row.get("file")
        return bool((pattern and any(fnmatch.fnmatchcase(p, pattern) for p in names))
                    or (row.get("id") and row["id"] == student_id))

    def match(self, original: str, student_id: str) -> dict | None:
        """The first row whose ``file`` pattern matches ``original`` (or its last part) or whose ``id`` is
        ``student_id``."""
        names = self._names(original)
        for i, row in enumerate(self.rows):
            if self._matches(row, names, student_id):
                self.used.add(i)
                return row
        return None

    def journaled(self, original: str, student: str) -> None:
        """Mark the rows that matched ``student`` when the batch graded them (a ``--resume`` given only
        some of the batch's submissions: the others' rows matched no path given, yet did match)."""
        names = self._names(original) if original else []  # not recorded: the id and student columns only
        for i, row in enumerate(self.rows):
            if self._matches(row, names, student) or (row.get("student") and row["student"] == student):
                self.used.add(i)

    def unmatched(self) -> list[str]:
        """The rows no submission matched, as ``line N (file/id)``: a misspelt pattern leaves its student
        without the identity the roster gives."""
        return [f"line {i + 2} ({row.get('file') or row.get('id')})" for i, row in enumerate(self.rows)
                if i not in self.used]

    def apply(self, ident: Identity, row: dict) -> Identity:
        """``ident`` with the roster row's values (the roster wins over the export)."""
        for k in ("name", "email", "sid", "submitted", "late"):
            if row.get(k):
                setattr(ident, k, row[k] if k != "late" else _yes_no(row[k]))
        if row.get("student"):
            ident.id_name = row["student"]
        elif ident.email and not ident.id_name:
            ident.id_name = ident.email
        ident.source = ident.source or "roster"
        return ident


def _yes_no(value: str) -> str:
    v = value.strip().lower()
    return "yes" if v in {"yes", "y", "true", "1", "late"} else "no" if v in {"no", "n", "false", "0"} else v
