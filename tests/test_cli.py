"""Does every verb, given bad input, end in one line on stderr (no traceback) and exit code 2?"""
import subprocess
import sys

import pytest

from autograder.core.assignment import REPO_ROOT

BAD = {
    "release unknown assignment": ["release", "nope"],
    "release --check unknown assignment": ["release", "nope", "--check"],
    "release missing argument": ["release"],
    "verify unknown assignment": ["verify", "nope"],
    "verify bad ids": ["verify", "a1_numpy_cnn", "--ids", "many"],
    "grade unknown assignment": ["grade", "nope", "examples/submissions", "--out", "{tmp}/out"],
    "grade missing submission": ["grade", "a1_numpy_cnn", "{tmp}/missing.py", "--out", "{tmp}/out"],
    "grade bad jobs": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "-j", "0"],
    "grade bad device": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "--device", "tpu"],
    "grade bad sandbox": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "--sandbox", "vm"],
    "grade bad shard": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "{tmp}/out", "--shard", "3/2"],
    "grade out is a file": ["grade", "a1_numpy_cnn", "examples/submissions", "--out", "README.md"],
    "check unknown assignment": ["check", "nope", "README.md"],
    "check missing file": ["check", "a1_numpy_cnn", "{tmp}/missing.py"],
    "check not a python file": ["check", "a1_numpy_cnn", "README.md"],
    "merge not a batch": ["merge", "{tmp}", "--out", "{tmp}/out"],
    "merge missing shard": ["merge", "{tmp}/missing", "--out", "{tmp}/out"],
    "export not a batch": ["export", "{tmp}"],
    "export bad format": ["export", "{tmp}", "--format", "blackboard"],
    "doctor bad backend": ["doctor", "--backend", "vm"],
    "doctor unexpected argument": ["doctor", "a1_numpy_cnn"],
    "demo unknown assignment": ["demo", "nope"],
    "demo bad option": ["demo", "--jobs", "2"],
    "unknown verb": ["grades"],
    "unknown option": ["--colour"],
}


@pytest.mark.parametrize("label", sorted(BAD))
def test_bad_input_is_one_line_and_exit_2(label, tmp_path):
    args = [a.replace("{tmp}", str(tmp_path)) for a in BAD[label]]
    done = subprocess.run([sys.executable, "-m", "autograder", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2, (done.returncode, done.stdout[-1500:], done.stderr[-1500:])
    assert "Traceback" not in done.stderr + done.stdout, done.stderr[-1500:]
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), done.stderr
    assert len(lines[0]) > len("Error: ") + 20, lines  # names the problem, not just "Error"
    assert not (tmp_path / "out").exists()


def test_usage_error_names_the_help_command():
    """A click usage error (bad option value) is one line that still says where the help is."""
    done = subprocess.run([sys.executable, "-m", "autograder", "doctor", "--backend", "vm"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.stderr.strip() == ("Error: Invalid value for '--backend': 'vm' is not one of 'auto', 'bwrap', "
                                   "'uid', 'process' (see `python -m autograder doctor --help`)")


def test_demo_help_says_it_grades():
    done = subprocess.run([sys.executable, "-m", "autograder", "demo", "--help"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0
    summary = " ".join(done.stdout.split())
    assert "grade" in summary and "verif" not in summary, summary


def test_an_error_message_is_sanitised_for_the_terminal(tmp_path):
    """An error naming a user's file passes through ``for_terminal``: no escape sequence reaches stderr."""
    bad = tmp_path / "evil\x1b[2Jname"
    bad.mkdir()
    done = subprocess.run([sys.executable, "-m", "autograder", "export", str(bad)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "\x1b" not in done.stderr, done.stderr


def test_no_arguments_shows_the_help():
    done = subprocess.run([sys.executable, "-m", "autograder"], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120)
    assert "Commands:" in done.stdout + done.stderr and "Error" not in done.stdout + done.stderr
