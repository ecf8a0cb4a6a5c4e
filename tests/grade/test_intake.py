"""Submission intake: every accepted form yields the student's source; hostile archives are refused."""
import io
import json
import zipfile

import pytest

from pathlib import Path

from autograder.grade.intake import MAX_UNCOMPRESSED, collect, load, notebook_source, student_id

SOURCE = "def conv_output_size(n, k):\n    return n - k + 1\n"


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
    nb = {"cells": [{"cell_type": "code", "source": SOURCE}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    (tmp_path / "dave.ipynb").write_text(json.dumps(nb))
    subs = [load(s, "cnn_numpy.py") for s in collect([tmp_path], "cnn_numpy.py")]
    assert [s.student for s in subs] == ["alice", "bob", "carol", "dave"]
    assert all(s.source.strip() == SOURCE.strip() and not s.error for s in subs)


def test_notebook_magics_and_shell_escapes_are_not_run():
    """Are magics and shell escapes replaced by pass (never executed), indentation kept?"""
    src = notebook_source(json.dumps({"cells": [
        {"cell_type": "code", "source": ["%load_ext autoreload\n", "!rm -rf /\n", "if True:\n", "    %time x = 1\n"]},
        {"cell_type": "code", "source": "%%bash\nrm -rf /\n"},
        {"cell_type": "markdown", "source": "# not code"}]}), "nb.ipynb")
    assert "rm -rf" not in src.replace("# removed: !rm -rf /", "")
    compile(src, "nb", "exec")
    assert "    pass  # removed: %time x = 1" in src


def test_assigned_shell_escape_is_not_run():
    """Is IPython's `files = !ls` form replaced (name bound to None), not run and not a SyntaxError?"""
    src = notebook_source(json.dumps({"cells": [{"cell_type": "code", "source": "files = !ls /\nt = %timeit 1\n"}]}),
                          "nb.ipynb")
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
    assert sub.student == "evil_name_rm_-rf"
    assert student_id(Path("..")) == "unnamed" and student_id(Path("..secret.py")) == "secret"
