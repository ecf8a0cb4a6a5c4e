"""Temporary folders named after their maker's pid; the orphans of killed makers removed, nothing else."""
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.sandbox import backends, tempdirs


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_make_names_the_kind_and_this_process(tmp_path):
    path = tempdirs.make("scratch", tmp_path)
    assert path.parent == tmp_path and path.name.startswith(f"ag-scratch-{os.getpid()}-")
    assert oct(path.stat().st_mode & 0o777) == "0o700"
    with pytest.raises(ValueError, match="unknown temporary folder kind 'tmp'"):
        tempdirs.make("tmp", tmp_path)


def test_temporary_is_removed_after_an_error(tmp_path):
    with pytest.raises(RuntimeError), tempdirs.temporary("batch", tmp_path) as path:
        (path / "locked").mkdir()
        (path / "locked" / "f").write_text("x")
        os.chmod(path / "locked", 0)  # what a hostile submission could leave
        raise RuntimeError
    assert list(tmp_path.iterdir()) == []


def test_only_the_orphans_of_dead_makers_are_removed(tmp_path):
    """Is a folder of a dead pid removed (its mode-000 contents too), and are a live maker's, this process's,
    unknown kinds', plain files' and (as root) another user's left alone?"""
    dead = _dead_pid()
    orphan = tmp_path / f"ag-batch-{dead}-abc"
    (orphan / "student" / "locked").mkdir(parents=True)
    os.chmod(orphan / "student" / "locked", 0)
    (tmp_path / f"ag-private-{dead}-def").mkdir()
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        kept = [tmp_path / f"ag-scratch-{sleeper.pid}-x", tmp_path / f"ag-helpers-{os.getpid()}-y",
                tmp_path / f"ag-other-{dead}-z", tmp_path / f"pymp-{dead}-w"]
        for p in kept:
            p.mkdir()
        (tmp_path / f"ag-intake-{dead}-file").write_text("not a folder")
        kept.append(tmp_path / f"ag-intake-{dead}-file")
        gone = [orphan, tmp_path / f"ag-private-{dead}-def"]
        if os.geteuid() == 0:
            theirs = tmp_path / f"ag-reference-{dead}-theirs"  # a real account's (nobody)
            theirs.mkdir()
            os.chown(theirs, 65534, 65534)
            kept.append(theirs)
            scratch = tmp_path / f"ag-scratch-{dead}-s"  # chowned to the session's uid, as sessions do
            (scratch / "cnn_numpy.py").parent.mkdir()
            (scratch / "cnn_numpy.py").write_text("x = 1\n")
            uid = backends.session_uid()
            for p in (scratch, scratch / "cnn_numpy.py"):
                os.chown(p, uid, uid)
            gone.append(scratch)
        removed = tempdirs.remove_orphans(tmp_path)
    finally:
        sleeper.kill()
        sleeper.wait()
    assert sorted(removed) == sorted(gone)
    assert sorted(tmp_path.iterdir()) == sorted(kept)


def test_a_zombie_maker_counts_as_gone(tmp_path):
    """A killed grader's child can stay a zombie (a container's PID 1 need not reap it): its folders go."""
    zombie = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        while Path(f"/proc/{zombie.pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z":
            time.sleep(0.01)
        (tmp_path / f"ag-scratch-{zombie.pid}-x").mkdir()
        assert tempdirs.remove_orphans(tmp_path) == [tmp_path / f"ag-scratch-{zombie.pid}-x"]
    finally:
        zombie.wait()


def test_remove_orphans_of_a_missing_folder_is_nothing(tmp_path):
    assert tempdirs.remove_orphans(tmp_path / "absent") == []
