"""The grading pool's fork server starts under any temporary folder, however long its path."""
import os
import subprocess
import sys

import pytest

from autograder.core.assignment import REPO_ROOT

#: starts a pool of one grading process, runs one task in it, prints where multiprocessing's folder went
SCRIPT = """
import os
from multiprocessing import util
from autograder.grade.pool import GradingPool
with GradingPool(1) as pool:
    assert pool.executor(1).submit(os.getpid).result(timeout=120) != os.getpid()
print(util.get_temp_dir())
"""


@pytest.mark.parametrize("length", [20, 120])
def test_the_fork_server_starts_under_a_temporary_folder_of_any_length(tmp_path, length):
    """A socket's path holds at most 107 bytes: under a long TMPDIR (a test runner's temporary folder) every
    batch failed with "AF_UNIX path too long". The fork server's folder goes to /tmp then, else to TMPDIR."""
    tmpdir = tmp_path / ("t" * max(1, length - len(str(tmp_path)) - 1))
    tmpdir.mkdir()
    p = subprocess.run([sys.executable, "-c", SCRIPT], cwd=REPO_ROOT, capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TMPDIR": str(tmpdir)})
    assert p.returncode == 0, p.stderr[-2000:]
    folder = p.stdout.strip().splitlines()[-1]
    expected = str(tmpdir) if len(str(tmpdir)) <= 75 else "/tmp"
    assert os.path.dirname(folder) == expected, (folder, len(str(tmpdir)))
