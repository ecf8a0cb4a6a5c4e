"""Real class exports in (issue 13, items 1 and 7): a Gradescope export, a Canvas zip, a class zip, Moodle
names and a roster; every student found with their identity, and one seeding key locally and on Gradescope."""
import csv
import json
import zipfile
from pathlib import Path

import pytest

from autograder.checks.context import case_rng, use_context
from autograder.core.assignment import load_assignment
from autograder.grade import exports, intake
from autograder.grade.batch import BatchError
from autograder.grade.batch import main as grade
from autograder.grade.gradescope import submission_identity
from autograder.grade.submission import grading_context
from autograder.verify.mutants import load_mutants

A = load_assignment("a1_numpy_cnn")
F = A.student_file
#: Ten students: non-ASCII names, a group, one without an e-mail, one late.
PEOPLE = [("José García", "0001", "JGarcia@uni.edu"), ("李雷", "0002", "lilei@uni.edu"), ("王芳", "0003", ""),
          ("Zoë Ørsted", "0004", "zoe@uni.edu"), ("Ада Лавлейс", "0005", "ada@uni.edu"),
          ("Dan Brown", "0006", "dbrown@uni.edu"), ("Ngọc Trần", "0007", "ngoc@uni.edu"),
          ("محمد علي", "0008", "mali@uni.edu"), ("Siobhán Ó Briain", "0009", "siobhan@uni.edu"),
          ("Ana Pérez", "0010", "ana@uni.edu")]


def sources() -> list[str]:
    """Cheap submissions: the reference, the stub and a mutant of A1, in turn."""
    reference = A.solution_file.read_text()
    mutant = load_mutants(A.mutants_dir)[0].apply(reference)
    return [reference, (A.starter_dir / F).read_text(), mutant]


def gradescope_export(folder: Path) -> Path:
    """``assignment_123_export/``: ``submission_<id>/cnn_numpy.py`` and ``submission_metadata.yml`` in
    Gradescope's layout (Ruby-symbol keys, a UTC timestamp, a group submission, ``:history:``)."""
    root = folder / "assignment_123_export"
    root.mkdir(parents=True)
    texts, lines = sources(), []
    for i, (name, sid, email) in enumerate(PEOPLE):
        sub = root / f"submission_{1000 + i}"
        sub.mkdir()
        (sub / F).write_text(texts[i % 3])
        lines += [f"submission_{1000 + i}:", "  :submitters:", f"  - :name: {name}", f"    :sid: '{sid}'"]
        lines += [f"    :email: {email}"] if email else []
        if i == 1:  # a group: the first submitter is the student
            lines += ["  - :name: Partner Two", "    :sid: '0999'", "    :email: partner@uni.edu"]
        day = 21 if i == 9 else 19  # the last one after the due date
        lines += [f"  :created_at: 2026-11-{day} 17:34:00.861687000 Z", "  :score: 0.0", "  :status: processed",
                  "  :results:", "    score: 0.0", "    tests: []", "  :history: []"]
    (root / "submission_metadata.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def canvas_zip(folder: Path) -> Path:
    """Canvas's "Download Submissions" zip: ``<name>[_LATE]_<user id>_<submission id>_<file>[-N]``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "submissions.zip"
    texts = sources()
    with zipfile.ZipFile(path, "w") as z:
        for i, (name, _, _) in enumerate(PEOPLE):
            short = "".join(c for c in name.lower() if c.isalnum())
            late = "_LATE" if i == 5 else ""
            again = "-1" if i == 5 else ""  # Canvas renames a re-uploaded file
            z.writestr(f"{short}{late}_{2000 + i}_{5000 + i}_cnn_numpy{again}.py", texts[i % 3])
        z.writestr("anapérez_2009_5099_notes.txt", "a second file of the same student")
    return path


def class_zip(folder: Path) -> Path:
    """A zip of the class folder: ``class/<name>/cnn_numpy.py``, made with Python's zipfile (UTF-8 names)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "class.zip"
    texts = sources()
    with zipfile.ZipFile(path, "w") as z:
        for i, (name, _, _) in enumerate(PEOPLE):
            z.writestr(f"class/{name}/{F}", texts[i % 3])
        z.writestr("__MACOSX/class/._x", "litter")
    return path


def collected(paths, tmp_path, roster=None):
    unpack = tmp_path / "unpack"
    unpack.mkdir(exist_ok=True)
    return [intake.load(s, F) for s in intake.collect(paths, F, roster=roster, unpack=unpack)]


def test_gradescope_export_every_student_with_identity(tmp_path):
    """Is each submission folder of a Gradescope export one student, with the metadata's name, e-mail,
    sid and time, even when the export is given inside a parent folder (the issue's case)?"""
    gradescope_export(tmp_path / "downloads")
    subs = collected([tmp_path / "downloads"], tmp_path)
    assert len(subs) == 10 and not any(s.error for s in subs)
    by_name = {s.identity.name.split("; ")[0]: s for s in subs}
    assert set(by_name) == {p[0] for p in PEOPLE}
    jose = by_name["José García"]
    assert jose.student == "JGarcia@uni.edu" and jose.key == "jgarcia@uni.edu"
    assert jose.info["sid"] == "0001" and jose.info["submitted"] == "2026-11-19T17:34:00.861687+00:00"
    assert jose.info["original"] == "assignment_123_export/submission_1000"
    assert by_name["李雷"].identity.name == "李雷; Partner Two" and by_name["李雷"].key == "lilei@uni.edu"
    assert by_name["王芳"].key == "sid:0003" and by_name["王芳"].student == "sid-0003"  # no e-mail
    assert by_name["Ana Pérez"].source == sources()[0]  # the right folder's file
    # the same export zipped (as downloaded): the same students, keys and sources
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as z:
        for f in sorted((tmp_path / "downloads").rglob("*")):
            if f.is_file():
                z.write(f, f.relative_to(tmp_path / "downloads").as_posix())
    zipped = collected([path], tmp_path)
    assert [(s.student, s.key, s.source) for s in zipped] == [(s.student, s.key, s.source) for s in subs]
    assert zipped[0].original == "export.zip: submission_1000"


def test_a_local_regrade_of_an_export_draws_gradescopes_hidden_inputs(tmp_path):
    """Item 7: the key and the hidden inputs of a submission graded from the export equal those that
    gradescope.py draws for it from /autograder/submission_metadata.json (same user, same file)."""
    export = gradescope_export(tmp_path / "downloads")
    local = {s.identity.email: s for s in collected([export], tmp_path) if s.identity.email}
    for name, _sid, email in PEOPLE:
        if not email:
            continue
        metadata = {"id": 1, "users": [{"email": email, "name": name, "id": 77}]}  # Gradescope's own fields
        student, key = submission_identity(metadata)
        sub = local[email]
        assert key == sub.key, name
        file = tmp_path / "graded" / sub.student / F
        file.parent.mkdir(parents=True)
        file.write_text(sub.source)  # what both graders write and hash
        draws = []
        for k in (key, sub.key):
            with use_context(grading_context(A, k, file=file)):
                draws.append(case_rng("conv2d hidden").integers(0, 2**62, 4).tolist())
        assert draws[0] == draws[1]
        with use_context(grading_context(A, sub.student if sub.student != key else "x", file=file)):
            assert case_rng("conv2d hidden").integers(0, 2**62, 4).tolist() != draws[0]  # the key matters


def test_canvas_zip_names_lateness_and_renumbered_files(tmp_path):
    """A Canvas zip: one student per Canvas user (a second file joins its owner), the readable name as
    the id, Canvas's LATE mark recorded, ``cnn_numpy-1.py`` read as cnn_numpy.py."""
    subs = collected([canvas_zip(tmp_path)], tmp_path)
    assert len(subs) == 10 and not any(s.error for s in subs)
    ids = {s.student for s in subs}
    assert {"joségarcía", "李雷", "王芳", "адалавлейс", "danbrown"} <= ids
    late = [s.student for s in subs if s.info.get("late") == "yes"]
    assert late == ["danbrown"] and all(s.info["late"] == "no" for s in subs if s.student != "danbrown")
    ana = next(s for s in subs if s.student == "anapérez")
    assert "notes.txt" in ana.original and ana.key == "canvas:2009"
    assert next(s for s in subs if s.student == "danbrown").original.startswith("submissions.zip: danbrown_LATE")


def test_class_zip_is_one_submission_per_student(tmp_path):
    """A zip of the class folder (the issue's ``class, 0/92``) is ten students, named as their folders."""
    subs = collected([class_zip(tmp_path)], tmp_path)
    assert sorted(s.student for s in subs) == sorted(
        intake.student_id(Path(p[0])) for p in PEOPLE)
    assert "李雷" in {s.student for s in subs} and not any(s.error for s in subs)
    assert all(s.original.startswith("class.zip: ") for s in subs)


def test_a_students_own_zip_is_not_a_class(tmp_path):
    """A student's zip holding cnn_numpy.py and a helper stays one submission."""
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"alice/{F}", "x = 1\n")
        z.writestr("alice/helpers.py", "y = 2\n")
    subs = collected([path], tmp_path)
    assert [(s.student, s.source) for s in subs] == [("alice", "x = 1\n")]


def test_moodle_names(tmp_path):
    """Moodle's ``<Full Name>_<id>_assignsubmission_file_`` folders and files: one student each."""
    (tmp_path / "m" / "Zoë Ørsted_123_assignsubmission_file_").mkdir(parents=True)
    (tmp_path / "m" / "Zoë Ørsted_123_assignsubmission_file_" / F).write_text("a = 1\n")
    (tmp_path / "m" / f"李雷_456_assignsubmission_file_{F}").write_text("b = 2\n")
    subs = collected([tmp_path / "m"], tmp_path)
    assert sorted((s.student, s.identity.name, s.key, s.source) for s in subs) == [
        ("Zoë_Ørsted", "Zoë Ørsted", "moodle:123", "a = 1\n"), ("李雷", "李雷", "moodle:456", "b = 2\n")]


def test_roster_maps_files_to_students(tmp_path):
    """``--roster``: a file pattern or an id gives the id, name, e-mail (hence the key), sid and lateness."""
    (tmp_path / "s").mkdir()
    (tmp_path / "s" / "hw_final_v2.py").write_text("a = 1\n")
    (tmp_path / "s" / "bob.py").write_text("b = 2\n")
    roster = tmp_path / "roster.csv"
    roster.write_text("file,id,student,name,email,sid,late\nhw_final*.py,,josé,José García,JG@uni.edu,1,yes\n"
                      ",bob,,Bob B,,7,\n", encoding="utf-8")
    subs = {s.student: s for s in collected([tmp_path / "s"], tmp_path, exports.Roster.read(roster))}
    assert set(subs) == {"josé", "bob"}
    assert subs["josé"].key == "jg@uni.edu" and subs["josé"].info["late"] == "yes"
    assert subs["bob"].key == "sid:7" and subs["bob"].info["name"] == "Bob B"
    bad = tmp_path / "bad.csv"
    bad.write_text("who,name\nx,y\n")
    with pytest.raises(exports.ClassExportError, match="bad.csv needs a 'file' or an 'id' column"):
        exports.Roster.read(bad)


@pytest.mark.parametrize("kind", ["folder", "zip"])
def test_an_empty_input_is_refused(tmp_path, kind):
    """An empty folder or zip is nobody's submission: the batch refuses (no fake student ``empty, 0``)."""
    path = tmp_path / "empty"
    if kind == "folder":
        path.mkdir()
    else:
        path = tmp_path / "empty.zip"
        zipfile.ZipFile(path, "w").close()
    assert intake.collect([path], F, unpack=tmp_path) == []
    with pytest.raises(BatchError, match="no submissions found"):
        grade("a1_numpy_cnn", [tmp_path / "empty"] if kind == "folder" else [path], out=tmp_path / "out",
              sandbox="in-process", progress=False)


def test_a_class_zip_escaping_its_folder_is_refused(tmp_path):
    path = tmp_path / "class.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"a/{F}", "x = 1\n")
        z.writestr(f"../b/{F}", "y = 2\n")
    with pytest.raises(exports.ClassExportError, match="points outside the archive"):
        collected([path], tmp_path)


@pytest.mark.slow
def test_exports_graded_end_to_end(tmp_path):
    """The user's path: ``grade`` on a Gradescope export and a Canvas zip (ten students each, -j 2): every
    student in the gradebook with name, e-mail, sid and lateness; scores right; the results record them."""
    export = gradescope_export(tmp_path / "gs")
    s = grade("a1_numpy_cnn", [export.parent, canvas_zip(tmp_path / "canvas")], out=tmp_path / "out", jobs=2,
              progress=False)
    rows = list(csv.DictReader((tmp_path / "out" / "gradebook.csv").open(encoding="utf-8")))
    assert len(rows) == 20 and not s.grader_errors
    header = list(rows[0])
    assert header[:3] == ["student", "total", "max"] and header[-2:] == ["status", "flags"]
    assert header[-8:-2] == ["name", "email", "sid", "submitted", "late", "file"]
    by = {r["student"]: r for r in rows}
    jose = by["JGarcia@uni.edu"]
    assert (jose["name"], jose["email"], jose["sid"]) == ("José García", "JGarcia@uni.edu", "0001")
    assert float(jose["total"]) == A.points  # the reference
    assert float(by["lilei@uni.edu"]["total"]) == 0  # the stub
    assert 0 < float(by["sid-0003"]["total"]) < A.points  # the mutant
    assert by["danbrown"]["late"] == "yes" and by["joségarcía"]["late"] == "no"
    assert by["danbrown"]["file"] == "submissions.zip: danbrown_LATE_2005_5005_cnn_numpy-1.py"
    journal = [json.loads(line) for line in (tmp_path / "out" / "journal.jsonl").read_text().splitlines()]
    info = {e["student"]: e["result"]["student_info"] for e in journal if "student" in e}
    assert info["JGarcia@uni.edu"]["key"] == "jgarcia@uni.edu" and info["danbrown"]["key"] == "canvas:2005"


def test_the_batch_seeds_from_the_key(tmp_path, monkeypatch):
    """``grade_one`` (what each grading process runs) builds its context from the key, not the id."""
    from autograder.grade import batch, submission

    seen = []
    real = submission.grading_context
    monkeypatch.setattr(submission, "grading_context", lambda a, student, *args, **kw: (
        seen.append(student), real(a, student, *args, **kw))[1])
    stub = tmp_path / F
    stub.write_text((A.starter_dir / F).read_text())
    result = batch.grade_one(A.name, str(A.root), str(stub), "JGarcia@uni.edu", "in-process", "cpu",
                             "jgarcia@uni.edu")
    assert seen == ["jgarcia@uni.edu"] and result.student == "JGarcia@uni.edu"


#: What a hostile student writes beside their file: their file under another student's identity, and a
#: made-up row for a third (helper-18's attack); a Gradescope export's metadata is the TA's, not theirs.
FORGED_METADATA = """cnn_numpy.py:
  :submitters:
  - {":name": Bob Victim, ":email": bob, ":sid": "900002"}
ghost_row:
  :submitters:
  - {":name": Carol Victim, ":email": carol@uni.edu, ":sid": "900003"}
"""


def _forged_class(root: Path, alice: str, bob: str) -> Path:
    for name, text in ((alice, "alice_code = 1\n"), (bob, "bob_code = 2\n")):
        (root / name).mkdir(parents=True)
        (root / name / F).write_text(text)
    (root / alice / exports.GRADESCOPE_METADATA).write_text(FORGED_METADATA)
    return root


@pytest.mark.parametrize("alice, bob", [("alice", "bob"),
                                        ("Alice Smith_111_assignsubmission_file_", "Bob Jones_222_assignsubmission_file_")])
@pytest.mark.parametrize("zipped", [False, True])
def test_a_students_forged_export_metadata_is_ignored(tmp_path, caplog, alice, bob, zipped):
    """A student's folder (plain, or Moodle's) holding a submission_metadata.yml that names other students,
    in a folder of submissions or a class zip: it was read as a Gradescope export (Alice's file graded as
    Bob's, Bob moved to another id, a made-up 0 for Carol). Is it one student's folder now, flagged for the
    staff to review?"""
    root = _forged_class(tmp_path / "class", alice, bob)
    given = root
    if zipped:
        given = tmp_path / "class.zip"
        with zipfile.ZipFile(given, "w") as z:
            for f in sorted(root.rglob("*")):
                if f.is_file():
                    z.write(f, f.relative_to(tmp_path).as_posix())
    subs = collected([given], tmp_path)
    assert len(subs) == 2 and not any(s.error for s in subs), [(s.student, s.error) for s in subs]
    by_source = {s.source: s for s in subs}
    forger, victim = by_source["alice_code = 1\n"], by_source["bob_code = 2\n"]
    assert "Bob" not in forger.identity.name and forger.identity.email == "" and forger.identity.sid in ("", "111")
    assert victim.student in ("bob", "Bob_Jones") and victim.identity.sid in ("", "222")
    assert "carol" not in " ".join(s.student + s.key for s in subs).lower()
    assert any("submission_metadata.yml: ignored" in f for f in forger.flags), forger.flags  # for the staff
    assert not victim.flags and "graded as one student's" in caplog.text


def test_a_students_own_folder_or_zip_with_metadata_is_one_submission(tmp_path):
    """Given alone (a folder or a zip holding the student file and a forged metadata file): one submission,
    the student's, not an export."""
    folder = _forged_class(tmp_path / "c", "alice", "bob") / "alice"
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(F, "alice_code = 1\n")
        z.writestr(exports.GRADESCOPE_METADATA, FORGED_METADATA)
    for given in (folder, path):  # the folder reads as a folder of submissions (hw/), as before: no identity
        subs = collected([given], tmp_path)
        assert [(s.source, s.identity.email, s.identity.sid) for s in subs] == [("alice_code = 1\n", "", "")], given


def test_a_students_malformed_metadata_does_not_refuse_the_class(tmp_path):
    """A student's folder holding a metadata file that is not valid YAML stopped the whole batch (a class
    export error): it is that student's folder now, and the class is graded."""
    root = _forged_class(tmp_path / "class", "alice", "bob")
    (root / "alice" / exports.GRADESCOPE_METADATA).write_text("{ not: [valid yaml")
    assert sorted(s.student for s in collected([root], tmp_path)) == ["alice", "bob"]


def test_a_students_folder_given_directly_with_an_export_layout_inside_is_still_one_submission(tmp_path):
    """Given directly (``grade A subs/*``), a student's folder or zip with a metadata file beside a folder of
    their own (not Gradescope's ``submission_<id>/`` folders only) is that student's submission, not an
    export naming classmates (the reviewer's variant of helper-18's attack)."""
    folder = tmp_path / "alice"
    (folder / "hw").mkdir(parents=True)
    (folder / "hw" / F).write_text("alice_code = 1\n")
    (folder / exports.GRADESCOPE_METADATA).write_text(FORGED_METADATA)
    path = tmp_path / "alice.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr(f"alice/hw/{F}", "alice_code = 1\n")
        z.writestr(f"alice/{exports.GRADESCOPE_METADATA}", FORGED_METADATA)
    for given in (folder, path):  # the folder reads as a folder of submissions (hw/), as before: no identity
        subs = collected([given], tmp_path)
        assert [(s.source, s.identity.email, s.identity.sid) for s in subs] == [("alice_code = 1\n", "", "")], given


def test_two_canvas_uploads_of_one_file_grade_the_later_one_and_say_so(tmp_path):
    """Canvas names a student's re-upload of cnn_numpy.py ``..._<larger attachment id>_cnn_numpy-1.py``. Both
    read as cnn_numpy.py, and the one graded was whichever sorted last as text ("1000" < "999": the OLD one),
    with no note. Is the later upload graded, and does the feedback's note name both files?"""
    folder = tmp_path / "canvas"
    folder.mkdir()
    (folder / "smithalice_1001_999_cnn_numpy.py").write_text((A.starter_dir / F).read_text())  # the first upload
    (folder / "smithalice_1001_1000_cnn_numpy-1.py").write_text(A.solution_file.read_text())  # the later one
    (sub,) = collected([folder], tmp_path)
    assert sub.source == A.solution_file.read_text()
    assert any("smithalice_1001_1000_cnn_numpy-1.py" in n and "smithalice_1001_999_cnn_numpy.py" in n
               and "graded smithalice_1001_1000_cnn_numpy-1.py, the later upload" in n for n in sub.notes), sub.notes
