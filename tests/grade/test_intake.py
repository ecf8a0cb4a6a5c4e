"""Submission intake: every accepted form yields the student's source; hostile archives are refused."""
import json
import os
import zipfile
from pathlib import Path

import nbformat
import pytest

from autograder.grade.intake import (
    MAX_ENTRIES,
    MAX_NOTEBOOK,
    MAX_SOURCE,
    MAX_UNCOMPRESSED,
    collect,
    load,
    notebook_source,
    student_id,
)

SOURCE = "def conv_output_size(n, k):\n    return n - k + 1\n"


def _nb(*sources, markdown=()) -> str:
    """A valid nbformat v4 notebook with these code cells (and markdown cells)."""
    cells = [nbformat.v4.new_code_cell(s) for s in sources] + [nbformat.v4.new_markdown_cell(m) for m in markdown]
    return nbformat.writes(nbformat.v4.new_notebook(cells=cells))


def _zip(path, entries, symlink=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (0o120777) << 16
            zf.writestr(info, "/etc/passwd")
    return path


def test_folder_of_submissions_uses_entry_names(tmp_path):
    """Does a folder of submissions grade each entry, with the student id from its name?"""
    (tmp_path / "alice.py").write_text(SOURCE)
    (tmp_path / "bob").mkdir()
    (tmp_path / "bob" / "cnn_numpy.py").write_text(SOURCE)
    _zip(tmp_path / "carol.zip", {"hw/cnn_numpy.py": SOURCE})
    (tmp_path / "dave.ipynb").write_text(_nb(SOURCE))
    subs = [load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")]
    assert [s.student for s in subs] == ["alice", "bob", "carol", "dave"]
    assert all(s.source.strip() == SOURCE.strip() and not s.error for s in subs)


def test_notebook_magics_and_shell_escapes_are_not_run():
    """Are magics and shell escapes replaced by pass (never executed), indentation kept?"""
    src = notebook_source(_nb("%load_ext autoreload\n!rm -rf /\nif True:\n    %time x = 1\n", "%%bash\nrm -rf /\n",
                              markdown=["# not code"]), "nb.ipynb")
    assert "rm -rf" not in src.replace("# removed: !rm -rf /", "")
    compile(src, "nb", "exec")
    assert "    pass  # removed: %time x = 1" in src


def test_assigned_shell_escape_is_not_run():
    """Is IPython's `files = !ls` form replaced (name bound to None), not run and not a SyntaxError?"""
    src = notebook_source(_nb("files = !ls /\nt = %timeit 1\n"), "nb.ipynb")
    namespace = {}
    exec(compile(src, "nb", "exec"), namespace)
    assert namespace["files"] is None and namespace["t"] is None


@pytest.mark.parametrize("name", ["../evil.py", "/etc/cnn_numpy.py", "a/../../cnn_numpy.py"])
def test_zip_slip_is_rejected(tmp_path, name):
    """Is an entry pointing outside the archive rejected with a message?"""
    sub = load(collect([_zip(tmp_path / "s.zip", {name: SOURCE})], "cnn_numpy.py")[0], "cnn_numpy.py")
    assert "outside the archive" in sub.error and not sub.source


def test_symlink_entry_is_rejected(tmp_path):
    sub = load(collect([_zip(tmp_path / "s.zip", {"cnn_numpy.py": SOURCE}, symlink="link")], "x")[0],
               "cnn_numpy.py")
    assert "symbolic link" in sub.error


def test_zip_bomb_is_rejected(tmp_path):
    """Is an archive that expands beyond the limit rejected as a zip bomb?"""
    big = b"\0" * (MAX_UNCOMPRESSED + 10)
    sub = load(collect([_zip(tmp_path / "s.zip", {"cnn_numpy.py": SOURCE, "junk.bin": big})], "x")[0],
               "cnn_numpy.py")
    assert "zip bomb" in sub.error


def test_otter_log_and_pickles_are_dropped_unread(tmp_path):
    """Are .OTTER_LOG and pickle-like files dropped (never loaded), with a note?"""
    sub = load(collect([_zip(tmp_path / "s.zip", {"cnn_numpy.py": SOURCE, ".OTTER_LOG": b"\x80\x04evil",
                                                   "weights.pkl": b"\x80\x04evil"})], "x")[0], "cnn_numpy.py")
    assert sub.source == SOURCE and not sub.error
    assert any(".OTTER_LOG" in n for n in sub.notes) and any("weights.pkl" in n for n in sub.notes)
    folder = tmp_path / "class" / "bob"  # the same rule for a folder submission (a folder in the class folder)
    folder.mkdir(parents=True)
    (folder / "cnn_numpy.py").write_text(SOURCE.decode() if isinstance(SOURCE, bytes) else SOURCE)
    (folder / "model.pt").write_bytes(b"\x80\x04evil")
    sub = load(collect([folder.parent], "x")[0], "cnn_numpy.py")
    assert not sub.error and any("model.pt" in n and "never loaded" in n for n in sub.notes), sub.notes


def test_unusable_submissions_get_a_message(tmp_path):
    (tmp_path / "x.zip").write_bytes(b"not a zip")
    (tmp_path / "y.py").write_bytes(b"\xff\xfe bad")
    subs = [load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")]
    assert "not a valid zip" in subs[0].error
    assert "not UTF-8" in subs[1].error


def test_student_ids_are_safe_file_names(tmp_path):
    """Can a submission's name not escape the results folder?"""
    (tmp_path / "evil name;rm -rf.py").write_text(SOURCE)
    (sub,) = collect([tmp_path], "cnn_numpy.py")
    assert sub.student == "evil+name+rm+-rf" and sub.original == "evil name;rm -rf.py"
    assert student_id(Path("..")) == "unnamed+" and student_id(Path("..secret.py")) == "++secret"
    assert "/" not in student_id(Path("a\\b.py")) and student_id(Path("x" * 300 + ".py")).startswith("x" * 60)


# ------------------------------------------------------------------------------------------------
# ids (issue 10 item 4, issue 13: readable, unique, an exact name keeps its own id)

def test_exact_names_keep_their_ids_and_squatters_get_distinct_ones(tmp_path):
    """Does `alice.py` keep `alice` beside `alice..py`, `alice.ipynb`, `alice-2.py`, `alice.zip` and a folder
    `alice/`, with every id distinct, deterministic and unable to collide with an exact name?"""
    for name in ("alice.py", "alice..py", "alice-2.py", "alice+.py", "José García.py", "李雷.py", "王芳.py"):
        (tmp_path / name).write_text(SOURCE)
    (tmp_path / "alice.ipynb").write_text(_nb(SOURCE))
    _zip(tmp_path / "alice.zip", {"cnn_numpy.py": SOURCE})
    (tmp_path / "alice").mkdir()
    (tmp_path / "alice" / "cnn_numpy.py").write_text(SOURCE)
    subs = collect([tmp_path], "cnn_numpy.py")
    ids = {s.original: s.student for s in subs}
    assert ids["alice.py"] == "alice" and ids["alice-2.py"] == "alice-2"
    assert ids["alice.ipynb"] == "alice+ipynb" and ids["alice.zip"] == "alice+zip" and ids["alice"] == "alice+dir"
    assert ids["李雷.py"] == "李雷" and ids["王芳.py"] == "王芳" and ids["José García.py"] == "José+García"
    assert ids["alice..py"].startswith("alice+") and ids["alice+.py"].startswith("alice+")
    assert len(set(ids.values())) == len(ids) == 10, ids
    assert [s.student for s in collect([tmp_path], "cnn_numpy.py")] == [s.student for s in subs]
    loaded = [load(s, "cnn_numpy.py") for s in subs]
    assert all(s.source.strip() == SOURCE.strip() and not s.error for s in loaded), [s.error for s in loaded]


def test_the_same_name_in_two_folders_gets_two_ids(tmp_path):
    """Two folders given together, each with an `alice.py`: the first keeps `alice`, the second gets another id."""
    for d in ("a", "b"):
        (tmp_path / d).mkdir()
        (tmp_path / d / "alice.py").write_text(SOURCE)
        (tmp_path / d / "bob.py").write_text(SOURCE)
    subs = collect([tmp_path / "a", tmp_path / "b"], "cnn_numpy.py")
    assert [s.student for s in subs] == ["alice", "bob", "alice+py", "bob+py"]


def test_file_names_that_are_not_utf8(tmp_path):
    """Does a file name with bytes that are not UTF-8 get a usable id and a printable original name?"""
    raw = os.fsencode(str(tmp_path)) + b"/st\xffud.py"
    with open(raw, "wb") as f:
        f.write(SOURCE.encode())
    (sub,) = collect([tmp_path], "cnn_numpy.py")
    load(sub, "cnn_numpy.py")
    assert sub.student == "st+ud" and sub.original == "st\ufffdud.py" and sub.source == SOURCE
    json.dumps(sub.student).encode("utf-8")
    with open(os.fsencode(str(tmp_path)) + b"/x\xfe.ipynb", "wb") as f:  # a message naming it must be text
        f.write(b"{")
    by = {s.original: load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")}
    assert "x\ufffd.ipynb is not a valid notebook" in by["x\ufffd.ipynb"].error


# ------------------------------------------------------------------------------------------------
# symbolic links, special files, sizes

@pytest.fixture
def secret(tmp_path_factory):
    path = tmp_path_factory.mktemp("secret") / "cnn_numpy.py"
    path.write_text("SECRET_REFERENCE = 42\n" + SOURCE)
    return path


def test_symbolic_links_are_refused_everywhere(tmp_path, secret):
    """A symlink as a folder entry (to a file, to a folder), as a path given, inside a student's folder:
    refused with a message naming it, and the target's content is never read."""
    subs_dir = tmp_path / "subs"
    subs_dir.mkdir()
    (subs_dir / "honest.py").write_text(SOURCE)
    (subs_dir / "mallory.py").symlink_to(secret)
    (subs_dir / "trudy").symlink_to(secret.parent, target_is_directory=True)
    (subs_dir / "eve").mkdir()
    (subs_dir / "eve" / "cnn_numpy.py").symlink_to(secret)
    (tmp_path / "given.py").symlink_to(secret)
    subs = [load(s, "cnn_numpy.py") for s in collect([subs_dir, tmp_path / "given.py"], "cnn_numpy.py")]
    by = {s.student: s for s in subs}
    assert set(by) == {"honest", "mallory", "trudy", "eve", "given"}
    assert by["honest"].source == SOURCE and not by["honest"].error
    for student in ("mallory", "trudy", "eve", "given"):
        s = by[student]
        assert "symbolic link" in s.error and not s.source, (student, s.error)
        assert "SECRET_REFERENCE" not in s.error + "".join(s.notes)
    assert "mallory.py" in by["mallory"].error and "cnn_numpy.py" in by["eve"].error


def test_fifo_is_refused_without_blocking(tmp_path):
    """A FIFO named like a submission: refused at once (opening it must not wait for a writer)."""
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / "ok.py").write_text(SOURCE)
    subs = [load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")]
    assert "pipe.py is not a regular file" in subs[1].error and subs[0].source == SOURCE


def _peak_rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@pytest.mark.parametrize("name", ["huge.py", "huge.ipynb", "huge.zip"])
def test_huge_file_is_refused_before_reading(tmp_path, name):
    """A 2 GiB (sparse) file is refused by its size, before it is read: this process's peak memory grows
    by far less than the file."""
    path = tmp_path / name
    with open(path, "wb") as f:
        f.truncate(2 * 2**30)
    before = _peak_rss_mb()
    (sub,) = collect([path], "cnn_numpy.py")
    load(sub, "cnn_numpy.py")
    assert name in sub.error and "byte limit" in sub.error, sub.error
    assert _peak_rss_mb() - before < 200


def test_oversized_source_is_refused(tmp_path):
    (tmp_path / "big.py").write_text("#" * (MAX_SOURCE + 1))
    (sub,) = collect([tmp_path / "big.py"], "cnn_numpy.py")
    assert "byte limit" in load(sub, "cnn_numpy.py").error


def test_folder_caps_total_size_and_entries(tmp_path):
    """A student's folder over the total size (sparse files, each under the per-file limit) or the entry
    count is refused, naming the folder; a normal one next to it is read."""
    subs = tmp_path / "subs"
    (subs / "fat").mkdir(parents=True)
    (subs / "fat" / "cnn_numpy.py").write_text(SOURCE)
    for i in range(3):
        with open(subs / "fat" / f"data{i}.bin", "wb") as f:
            f.truncate(MAX_UNCOMPRESSED // 2)
    (subs / "many").mkdir()
    (subs / "many" / "cnn_numpy.py").write_text(SOURCE)
    for i in range(MAX_ENTRIES):
        (subs / "many" / f"f{i}.txt").write_text("x")
    (subs / "fine").mkdir()
    (subs / "fine" / "cnn_numpy.py").write_text(SOURCE)
    by = {s.student: load(s, "cnn_numpy.py") for s in collect([subs], "cnn_numpy.py")}
    assert "folder fat holds more than 64 MB" in by["fat"].error
    assert f"folder many has more than {MAX_ENTRIES} entries" in by["many"].error
    assert by["fine"].source == SOURCE and not by["fine"].error


# ------------------------------------------------------------------------------------------------
# notebooks and zips that used to stop the batch

def _nb_json(**changes) -> str:
    nb = json.loads(_nb(SOURCE))
    nb.update(changes)
    return json.dumps(nb)


NESTED = "[" * 100_000 + "]" * 100_000

BROKEN_NOTEBOOKS = {
    "cells_not_a_list": (_nb_json(cells={"a": 1}), "not a valid Jupyter notebook"),
    "cells_of_strings": (_nb_json(cells=["x = 1"]), "not a valid Jupyter notebook"),
    "surrogate_in_message": (_nb_json(metadata={"kernelspec": "\ud800"}), "not a valid Jupyter notebook"),
    "nested_100000": (_nb(SOURCE)[:-2] + ', "deep": ' + NESTED + "}\n", "nested"),
    "nested_metadata": (_nb_json(metadata={"k": json.loads("[" * 500 + "]" * 500)}), "nested deeper"),
    "lone_surrogate": (_nb(SOURCE).replace("return n - k + 1", "return '\\ud800'"), "lone surrogate"),
    "not_json": ("{not json", "not JSON"),
    "top_level_list": ("[1, 2]", "not a JSON object"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_NOTEBOOKS))
def test_broken_notebook_is_that_submissions_error(tmp_path, case):
    text, fragment = BROKEN_NOTEBOOKS[case]
    (tmp_path / f"{case}.ipynb").write_text(text, encoding="utf-8", errors="surrogatepass")
    (sub,) = collect([tmp_path / f"{case}.ipynb"], "cnn_numpy.py")
    load(sub, "cnn_numpy.py")
    assert f"{case}.ipynb" in sub.error and fragment in sub.error, sub.error
    assert not sub.source and sub.error.encode("utf-8") and len(sub.error) < 600


def test_lone_surrogate_test_notebook_is_otherwise_valid(tmp_path):
    """The surrogate case fails only because of the surrogate (the same notebook without it is read)."""
    assert "'\\ud800'" in BROKEN_NOTEBOOKS["lone_surrogate"][0]
    ok = BROKEN_NOTEBOOKS["lone_surrogate"][0].replace("\\ud800", "x")
    assert "return 'x'" in notebook_source(ok, "ok.ipynb")


def test_notebook_without_cell_ids_is_accepted(tmp_path):
    """A v4.5 notebook whose cells lack ids (older tools) is normalised, not refused."""
    nb = json.loads(_nb(SOURCE))
    for cell in nb["cells"]:
        del cell["id"]
    (tmp_path / "s.ipynb").write_text(json.dumps(nb))
    (sub,) = collect([tmp_path / "s.ipynb"], "cnn_numpy.py")
    assert load(sub, "cnn_numpy.py").source.strip() == SOURCE.strip() and not sub.error


def _patch_zip(data: bytes, local_offset: int, central_offset: int, value: bytes) -> bytes:
    """Overwrite a field of the (only) entry's local header and central directory record."""
    lh, cd = data.index(b"PK\x03\x04"), data.index(b"PK\x01\x02")
    data = bytearray(data)
    data[lh + local_offset: lh + local_offset + len(value)] = value
    data[cd + central_offset: cd + central_offset + len(value)] = value
    return bytes(data)


def test_zip_entry_with_bad_crc_or_unknown_compression(tmp_path):
    """A zip whose student file has a wrong CRC, or a compression method Python cannot read: that
    submission's error, naming the zip and the entry."""
    base = tmp_path / "base.zip"
    with zipfile.ZipFile(base, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("cnn_numpy.py", SOURCE)
    data = base.read_bytes()
    (tmp_path / "crc.zip").write_bytes(_patch_zip(data, 14, 16, b"\x00\x00\x00\x00"))
    (tmp_path / "method.zip").write_bytes(_patch_zip(data, 8, 10, (98).to_bytes(2, "little")))  # PPMd
    base.unlink()
    by = {s.student: load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")}
    assert "crc.zip: cnn_numpy.py is corrupt" in by["crc"].error and "CRC" in by["crc"].error
    assert "method.zip: cnn_numpy.py" in by["method"].error and "compression" in by["method"].error
    assert not by["crc"].source and not by["method"].source


def test_zip_entry_headers_cannot_hide_a_big_file(tmp_path):
    """An entry whose header claims a small size is still read with a cap."""
    big = "#" * (MAX_SOURCE + 10)
    path = tmp_path / "s.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("cnn_numpy.py", big)
    data = path.read_bytes()
    small = (100).to_bytes(4, "little")
    path.write_bytes(_patch_zip(data, 22, 24, small))  # uncompressed size
    (sub,) = collect([path], "cnn_numpy.py")
    assert load(sub, "cnn_numpy.py").error and not sub.source
    assert MAX_NOTEBOOK > MAX_SOURCE


# ------------------------------------------------------------------------------------------------
# the batch goes on: every failure above, graded beside honest submissions

def _batch_journal(out: Path) -> dict[str, dict]:
    entries = {}
    for line in (out / "journal.jsonl").read_text().splitlines():
        e = json.loads(line)
        if "student" not in e:  # the batch's own line (hashes of the gradebook and report)
            continue
        result = e.get("result", {})
        for d in [e, result] + result.get("cases", []):  # timings differ from run to run
            for k in [k for k in d if k.endswith("_s")]:
                del d[k]
        entries[e["student"]] = e
    return entries


def _gradebook_rows(out: Path) -> dict[str, str]:
    return {line.split(",")[0]: line for line in (out / "gradebook.csv").read_text().splitlines()[1:]}


@pytest.mark.slow
def test_a_batch_with_every_intake_failure_finishes_and_the_others_are_unaffected(tmp_path, secret):
    """Broken notebooks, corrupt zips, symlinks (to the reference, to any file), a 2 GiB file, a FIFO, a
    folder over its cap, a file name that is not UTF-8 and id squatters, beside two honest submissions:
    the batch finishes; each bad entry scores 0 with a message naming its file; `alice.py` keeps `alice`;
    the honest results (results JSON, feedback, journal entry, gradebook row) are byte-identical to a
    batch of the honest ones alone; the linked files' content appears in no output."""
    from autograder.core.assignment import load_assignment
    from autograder.grade.batch import main as grade

    a = load_assignment("a1_numpy_cnn")
    reference, stub = a.solution_file.read_text(), (a.starter_dir / a.student_file).read_text()
    honest_dir, mixed = tmp_path / "honest", tmp_path / "mixed"
    for d in (honest_dir, mixed):
        d.mkdir()
        (d / "alice.py").write_text(reference)
        (d / "alice-2.py").write_text(stub)
    broken = "def conv_output_size(:\n"  # a squatter's file: a syntax error, cheap to grade
    (mixed / "alice..py").write_text(broken)
    (mixed / "alice.ipynb").write_text(BROKEN_NOTEBOOKS["cells_not_a_list"][0])
    (mixed / "deep.ipynb").write_text(BROKEN_NOTEBOOKS["nested_100000"][0])
    (mixed / "surrogate.ipynb").write_text(BROKEN_NOTEBOOKS["lone_surrogate"][0])
    with zipfile.ZipFile(tmp_path / "base.zip", "w", zipfile.ZIP_STORED) as zf:
        zf.writestr("cnn_numpy.py", reference)
    data = (tmp_path / "base.zip").read_bytes()
    (mixed / "crc.zip").write_bytes(_patch_zip(data, 14, 16, b"\x00\x00\x00\x00"))
    (mixed / "method.zip").write_bytes(_patch_zip(data, 8, 10, (98).to_bytes(2, "little")))
    (mixed / "link_ref.py").symlink_to(a.solution_file)
    (mixed / "link_any.py").symlink_to(secret)
    with open(mixed / "huge.py", "wb") as f:
        f.truncate(2 * 2**30)
    os.mkfifo(mixed / "fifo.py")
    (mixed / "fat").mkdir()
    (mixed / "fat" / "cnn_numpy.py").write_text(reference)
    with open(mixed / "fat" / "data.bin", "wb") as f:
        f.truncate(MAX_UNCOMPRESSED + 1)
    with open(os.fsencode(str(mixed)) + b"/st\xffud.py", "wb") as f:
        f.write(broken.encode())

    grade("a1_numpy_cnn", [honest_dir], out=tmp_path / "honest_out", jobs=2, progress=False)
    summary = grade("a1_numpy_cnn", [mixed], out=tmp_path / "mixed_out", jobs=2, progress=False)
    ho, mo = tmp_path / "honest_out", tmp_path / "mixed_out"

    expected = {"alice": None, "alice-2": None, "alice+": "SyntaxError", "alice+ipynb": "not a valid Jupyter notebook",
                "deep": "nested", "surrogate": "lone surrogate", "crc": "is corrupt", "method": "compression",
                "link_ref": "symbolic link", "link_any": "symbolic link", "huge": "byte limit",
                "fifo": "not a regular file", "fat": "holds more than", "st+ud": "SyntaxError"}
    assert {r.student for r in summary.results} == set(expected), [r.student for r in summary.results]
    assert not summary.grader_errors
    for student, fragment in expected.items():
        data = json.loads((mo / "results" / f"{student}.json").read_text())
        if fragment is None:
            continue
        assert data["score"] == 0, (student, data["score"])
        feedback = (mo / "feedback" / f"{student}.md").read_text()
        assert fragment in data["output"] + feedback, (student, data["output"])
    for name in ("huge.py", "fifo.py", "link_ref.py", "link_any.py", "crc.zip", "method.zip", "deep.ipynb",
                 "surrogate.ipynb", "alice.ipynb"):
        student = name.rsplit(".", 1)[0] if name != "alice.ipynb" else "alice+ipynb"
        assert name in json.loads((mo / "results" / f"{student}.json").read_text())["output"], student
    assert json.loads((mo / "results" / "alice.json").read_text())["score"] == a.points

    for student in ("alice", "alice-2"):
        for sub in (f"results/{student}.json", f"feedback/{student}.md"):
            assert (mo / sub).read_bytes() == (ho / sub).read_bytes(), f"{sub} differs"
        assert _batch_journal(mo)[student] == _batch_journal(ho)[student]
        assert _gradebook_rows(mo)[student] == _gradebook_rows(ho)[student]
    for p in mo.rglob("*"):
        if p.is_file():
            assert b"SECRET_REFERENCE" not in p.read_bytes(), p


def test_jupyter_checkpoints_and_macos_folders_are_not_read(tmp_path):
    """A folder or zip with the notebook and Jupyter's .ipynb_checkpoints/ copy (or __MACOSX/): one notebook."""
    (tmp_path / "bob" / ".ipynb_checkpoints").mkdir(parents=True)
    (tmp_path / "bob" / "hw.ipynb").write_text(_nb(SOURCE))
    (tmp_path / "bob" / ".ipynb_checkpoints" / "hw-checkpoint.ipynb").write_text(_nb("old = 1\n"))
    _zip(tmp_path / "carol.zip", {"hw.ipynb": _nb(SOURCE), "__MACOSX/._hw.ipynb": "junk",
                                  ".ipynb_checkpoints/hw-checkpoint.ipynb": _nb("old = 1\n")})
    subs = [load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")]
    assert [s.student for s in subs] == ["bob", "carol"]
    assert all(s.source.strip() == SOURCE.strip() and not s.error for s in subs), [s.error for s in subs]


def test_other_code_files_beside_the_graded_one_are_named(tmp_path):
    """A folder (or zip) with cnn_numpy.py and cnn_numpy_final.py graded cnn_numpy.py without a word to
    anyone (helper-19's finding 5). Is the student (and the TA) told which file was graded, and which not?"""
    folder = tmp_path / "class" / "ann"
    folder.mkdir(parents=True)
    (folder / "cnn_numpy.py").write_text(SOURCE)
    (folder / "cnn_numpy_final.py").write_text("# the real one\n")
    (folder / "notes.txt").write_text("not code")
    zipped = _zip(tmp_path / "ben.zip", {"cnn_numpy.py": SOURCE, "old/cnn_numpy (1).ipynb": _nb("x = 1")})
    for given in (folder.parent, zipped):
        sub = load(collect([given], "cnn_numpy.py")[0], "cnn_numpy.py")
        assert sub.source == SOURCE and not sub.error
        told = [n for n in sub.notes if n.startswith("graded cnn_numpy.py; also handed in, not graded: ")]
        assert told and ("cnn_numpy_final.py" in told[0] or "cnn_numpy (1).ipynb" in told[0]), sub.notes
        assert "notes.txt" not in told[0]
    alone = tmp_path / "solo"
    alone.mkdir()
    (alone / "cnn_numpy.py").write_text(SOURCE)
    assert load(collect([alone], "cnn_numpy.py")[0], "cnn_numpy.py").notes == []
