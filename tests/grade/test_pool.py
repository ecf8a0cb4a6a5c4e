"""The grading pool's fork server starts under any temporary folder, however long its path, and its
folder is removed when the batch exits, or by the next batch when the batch was killed."""
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT
from autograder.sandbox import tempdirs

#: starts a pool of one grading process, runs one task in it, prints where multiprocessing's folder went
SCRIPT = """
import os, sys, time
from multiprocessing import util
from autograder.grade.pool import GradingPool
with GradingPool(1) as pool:
    assert pool.executor(1).submit(os.getpid).result(timeout=120) != os.getpid()
print(util.get_temp_dir(), flush=True)
if sys.argv[1:] == ["wait"]:
    time.sleep(600)
"""


def _start(tmpdir, *args):
    return subprocess.Popen([sys.executable, "-c", SCRIPT, *args], cwd=REPO_ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "TMPDIR": str(tmpdir)})


@pytest.fixture
def short_tmpdir():
    """A TMPDIR short enough for the socket's path (a test's tmp_path is not)."""
    with tempfile.TemporaryDirectory(prefix="agt-", dir="/tmp") as d:
        yield d


@pytest.mark.parametrize("long", [False, True])
def test_the_fork_server_starts_under_a_temporary_folder_of_any_length(tmp_path, short_tmpdir, long):
    """A socket's path holds at most 107 bytes: under a long TMPDIR (a test runner's temporary folder) every
    batch failed with "AF_UNIX path too long". The fork server's folder goes to /tmp then, else to TMPDIR;
    it lies in an engine folder ``ag-pool-<pid>-*``, removed (with the socket's) when the process exits."""
    tmpdir = tmp_path / ("t" * 100) if long else short_tmpdir
    os.makedirs(tmpdir, exist_ok=True)
    p = _start(tmpdir)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err[-2000:]
    folder = out.strip().splitlines()[-1]
    holder = os.path.dirname(folder)
    assert os.path.dirname(holder) == ("/tmp" if long else str(tmpdir)), (folder, len(str(tmpdir)))
    assert os.path.basename(holder).startswith(f"ag-pool-{p.pid}-"), folder
    assert not os.path.exists(holder), f"{holder} left behind by a process that exited"
    assert "Traceback" not in err, err[-2000:]


def test_a_killed_batch_process_s_pool_folder_is_removed_by_the_next(short_tmpdir):
    """kill -9 leaves the fork server's folder behind (nothing runs the exit handlers): it names the killed
    process, so ``tempdirs.remove_orphans`` (run when a batch starts) removes it."""
    p = _start(short_tmpdir, "wait")
    try:
        folder = p.stdout.readline().strip()
        assert folder, p.stderr.read()[-2000:] if p.poll() is not None else "no folder printed"
    finally:
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=60)
    holder = os.path.dirname(folder)
    assert os.path.isdir(holder), "the killed process's pool folder should still be there"
    assert tempdirs.remove_orphans(short_tmpdir) == [Path(holder)]
    assert not os.path.exists(holder)
