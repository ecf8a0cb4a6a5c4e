"""Does every verb, given bad input, end in one line on stderr (no traceback) and exit code 2?"""
import subprocess
import sys

import pytest

from autograder.core.assignment import REPO_ROOT

BAD = {
    "release unknown assignment": ["release", "nope"],
    "verify unknown assignment": ["verify", "nope"],
    "grade unknown assignment": ["grade", "nope", "examples/submissions", "--out", "{tmp}/out"],
    "grade missing submission": ["grade", "a1_numpy_cnn", "{tmp}/missing.py", "--out", "{tmp}/out"],
    "grade bad jobs": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "-j", "0"],
    "grade bad device": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "--device", "tpu"],
    "grade bad sandbox": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "--sandbox", "vm"],
    "check unknown assignment": ["check", "nope", "README.md"],
    "check missing file": ["check", "a1_numpy_cnn", "{tmp}/missing.py"],
    "doctor bad backend": ["doctor", "--backend", "vm"],
    "demo unknown assignment": ["demo", "nope"],
    "unknown verb": ["grades"],
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_input_is_one_line_and_exit_2(label, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in BAD[label]]
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-1500:]
    errors = [line for line in done.stderr.splitlines() if line.startswith("Error")]
    assert len(errors) == 1, done.stderr
    assert not (tmp_path / "out").exists()
