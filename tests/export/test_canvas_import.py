"""``export --format canvas`` read back the way Canvas's gradebook import reads a CSV (Gradebook >
Import; the layout of Canvas's own gradebook export): the header's student columns ``Student, ID, SIS
User ID, SIS Login ID, Section``, the assignment column ``<title> (<assignment id>)``, the ``Points
Possible`` row, and each row's student found by ``ID`` (the Canvas user id), else ``SIS User ID``, else
``SIS Login ID``, else by name (no match: an unknown student in the import's preview, never another's
grade). The class: a Canvas "Download Submissions" folder (two students, one LATE), a roster student,
and a student known only by a file name that is another student's SIS id. Graded ``in-process``
(the reference and the stub are trusted code): what is tested is the export through the CLI."""
import csv
import io
import re
from dataclasses import dataclass, field

import pytest

from autograder.cli import main as cli
from autograder.core.assignment import load_assignment
from autograder.export import ExportError, canvas_column
from autograder.export import main as export
from autograder.grade.batch import main as grade

A = load_assignment("a1_numpy_cnn")


@dataclass
class CanvasUser:
    id: int
    name: str
    sis_user_id: str = ""
    login_id: str = ""


#: The Canvas course the grades go to.
COURSE = [CanvasUser(2000, "Ana García", "S1", "ana@uni.edu"), CanvasUser(2001, "Ben Lee", "S2", "ben@uni.edu"),
          CanvasUser(2002, "Carla Díaz", "S3", "carla@uni.edu"), CanvasUser(2003, "Dora Kim", "S4", "dora@uni.edu"),
          CanvasUser(2004, "Eli Roth", "S5", "eli@uni.edu")]
ASSIGNMENT_ID = 7701


@dataclass
class Imported:
    """What Canvas's importer makes of a CSV: the assignment columns (title, id or None, points) and the
    grade per matched Canvas user (``unmatched``: rows whose student it could not find)."""

    assignments: list[tuple[str, int | None, str]] = field(default_factory=list)
    grades: dict[int, list[str]] = field(default_factory=dict)
    unmatched: list[str] = field(default_factory=list)


def canvas_import(text: str, course: list[CanvasUser]) -> Imported:
    """Read ``text`` as Canvas's gradebook importer does (its header rules, points row and student
    matching, module docstring); an invalid header raises ``ValueError`` ("Invalid header row")."""
    rows = [r for r in csv.reader(io.StringIO(text)) if not all(c.strip(" ,;") == "" for c in r)]
    header = rows[0]
    if not (len(header) > 3 and "Student" in header[0] and "ID" in header[1]):
        raise ValueError("Invalid header row: no Student and ID columns")
    info, sis_col, login_col = 3, None, None
    if re.search(r"SIS\s+Login\s+ID", header[2]):
        info, login_col = 4, 2
    elif re.search(r"SIS\s+User\s+ID", header[2]) and re.search(r"SIS\s+Login\s+ID", header[3]):
        info, sis_col, login_col = 5, 2, 3
    if "Section" not in header[info - 1]:
        raise ValueError("Invalid header row: Section is not the last student column")
    skip = re.compile("Current Score|Current Points|Current Grade|Final Score|Final Points|Final Grade|Override")
    columns = [(i, h) for i, h in enumerate(header) if i >= info and not skip.search(h)]
    out = Imported()
    parsed = []
    for _, h in columns:
        m = re.fullmatch(r"(.*)\s\((\d+)\)", h, re.DOTALL)
        parsed.append((m[1], int(m[2])) if m else (h, None))
    points = [""] * len(columns)
    by_id = {u.id: u for u in course}
    for row in rows[1:]:
        if "Points Possible" in row[0]:
            points = [row[i] if i < len(row) else "" for i, _ in columns]
            continue
        user = by_id.get(int(row[1])) if row[1].strip().isdigit() else None
        if user is None and sis_col is not None and row[sis_col]:
            user = next((u for u in course if u.sis_user_id == row[sis_col]), None)
        if user is None and login_col is not None and row[login_col]:
            user = next((u for u in course if u.login_id == row[login_col]), None)
        if user is None:
            user = next((u for u in course if u.name == row[0]), None)
        if user is None:
            out.unmatched.append(row[0])
            continue
        out.grades[user.id] = [row[i].strip() for i, _ in columns]
    out.assignments = [(t, i, p) for (t, i), p in zip(parsed, points, strict=True)]
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("canvas")
    subs = tmp / "subs"
    subs.mkdir()
    ref, stub = A.solution_file.read_text(), (A.starter_dir / A.student_file).read_text()
    (subs / "anagarcía_2000_5000_cnn_numpy.py").write_text(ref)  # Canvas's download names
    (subs / "benlee_LATE_2001_5001_cnn_numpy-1.py").write_text(ref)
    (subs / "carla.py").write_text(stub)
    (subs / "S4.py").write_text(ref)  # nobody says who this is; "S4" is Dora's SIS id
    roster = tmp / "roster.csv"
    roster.write_text("file,name,email,sid\ncarla.py,Carla Díaz,carla@uni.edu,S3\n", encoding="utf-8")
    out = tmp / "out"
    grade("a1_numpy_cnn", [subs], out=out, jobs=1, sandbox="in-process", progress=False, roster=roster)
    return out


def test_canvas_reads_every_student_and_the_points(batch, tmp_path, capsys):
    """Through the CLI with --canvas-assignment-id: Canvas's importer accepts the header, reads the
    assignment's id and points, finds the Canvas students by user id (the download names) and by SIS id
    (the roster), and gives the unknown "S4" to nobody: not to Dora, whose SIS id it happens to be."""
    target = tmp_path / "canvas.csv"
    assert cli(["export", str(batch), "--format", "canvas", "--canvas-assignment-id", str(ASSIGNMENT_ID),
                "--output", str(target)]) == 0
    assert "S4" in capsys.readouterr().err  # the CLI warns that S4's identity is unknown
    text = target.read_text(encoding="utf-8")
    imported = canvas_import(text, COURSE)
    assert imported.assignments == [(A.title, ASSIGNMENT_ID, f"{A.points:g}")]
    full = f"{A.points:g}"
    assert imported.grades == {2000: [full], 2001: [full], 2002: ["0"]}
    assert imported.unmatched == ["S4"] and 2003 not in imported.grades
    header, points_row = list(csv.reader(io.StringIO(text)))[:2]
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", f"{A.title} ({ASSIGNMENT_ID})"]
    assert points_row[0].strip() == "Points Possible"


def test_lateness_and_identity_come_from_intake(batch, tmp_path):
    """The export reads what intake recorded (``student_info``): the roster's name, e-mail and sid,
    Canvas's LATE mark, the Canvas user id; nothing for the student nobody named."""
    rows = {r[0]: r for r in csv.reader(export(batch, format="csv", output=tmp_path / "x.csv").output.open())}
    assert rows["carla@uni.edu"][1:4] == ["Carla Díaz", "carla@uni.edu", "S3"]  # the roster e-mail is the id
    assert [s for s, r in rows.items() if r[7] == "yes"] == ["benlee"]
    canvas = list(csv.reader(export(batch, format="canvas", output=tmp_path / "c.csv").output.open()))
    by = {r[0]: r[1:4] for r in canvas[2:]}
    assert by == {"anagarcía": ["2000", "", ""], "benlee": ["2001", "", ""],
                  "Carla Díaz": ["", "S3", "carla@uni.edu"], "S4": ["", "", ""]}


def test_title_alone_without_an_assignment_id(batch, tmp_path):
    """Without --canvas-assignment-id the column is the title (Canvas matches it by title or creates
    the assignment); a title Canvas would misread as ``<title> (<id>)`` is refused, as is a non-numeric
    id or the option with another format."""
    imported = canvas_import(export(batch, format="canvas", output=tmp_path / "c.csv").output.read_text(), COURSE)
    assert imported.assignments == [(A.title, None, f"{A.points:g}")]
    assert canvas_column("Lab 3 (2024)", 55) == "Lab 3 (2024) (55)"
    with pytest.raises(ExportError, match="canvas-assignment-id"):
        canvas_column("Lab 3 (2024)")
    with pytest.raises(ExportError, match="numeric"):
        export(batch, format="canvas", output=tmp_path / "d.csv", canvas_assignment_id="abc")
    with pytest.raises(ExportError, match="canvas only"):
        export(batch, format="moodle", output=tmp_path / "e.csv", canvas_assignment_id=5)


def test_the_importer_model_rejects_what_canvas_rejects():
    """The reader above is strict where Canvas is: no Section as the last student column, or no
    Student/ID header, is an invalid header (so the layout tests above can fail)."""
    with pytest.raises(ValueError, match="Section"):
        canvas_import("Student,ID,SIS User ID,SIS Login ID,A1\n", COURSE)
    with pytest.raises(ValueError, match="Student"):
        canvas_import("Name,SID,Email,Total Score\nx,1,a,2\n", COURSE)
    got = canvas_import("Student,ID,SIS User ID,SIS Login ID,Section,A1 (5)\n    Points Possible,,,,,10\n"
                        "x,,S2,,,7\n", COURSE)
    assert got.assignments == [("A1", 5, "10")] and got.grades == {2001: ["7"]}
