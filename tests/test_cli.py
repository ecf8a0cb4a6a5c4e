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
    "verify negative ids": ["verify", "a1_numpy_cnn", "--ids", "-1"],
    "verify bad sandbox": ["verify", "a1_numpy_cnn", "--sandbox", "bogus"],
    "verify bad jobs": ["verify", "a1_numpy_cnn", "-j", "0"],
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


def test_check_of_a_file_that_is_not_utf8_is_one_line(tmp_path):
    """A student's file saved in another encoding: a traceback from read_text, in the locale's encoding."""
    path = tmp_path / "cnn_numpy.py"
    path.write_bytes(b'NAME = "Jos\xe9"\n')
    done = subprocess.run([sys.executable, "-m", "autograder", "check", "a1_numpy_cnn", str(path)], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and done.stderr.strip() == f"Error: {path} is not UTF-8 text (byte 11): save it as " \
        "UTF-8, as the grader reads it", done.stderr[-1500:]


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


def _grade(*args):
    return subprocess.run([sys.executable, "-m", "autograder", "grade", "a1_numpy_cnn", *map(str, args), "-j", "1"],
                          cwd=REPO_ROOT, capture_output=True, text=True, timeout=600)


def test_a_class_where_nothing_could_be_read_exits_1(tmp_path):
    """Every student folder holds two candidate files (a wrong layout): it exited 0, and said '0 graded, 2 from
    the journal' on a fresh folder. Does it say what happened and exit 1?"""
    for who in ("ann", "ben"):
        (tmp_path / "class" / who).mkdir(parents=True)
        for name in ("a.py", "b.py"):
            (tmp_path / "class" / who / name).write_text("x = 1\n")
    done = _grade(tmp_path / "class", "--out", tmp_path / "out")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "graded 0 submission(s), 0 from the journal, 2 could not be read" in done.stdout, done.stdout
    assert "could not be read (0 points" in done.stdout and "ann, ben" in done.stdout
    assert "NO SUBMISSION COULD BE READ" in done.stderr


def test_some_unreadable_submissions_are_listed_and_the_batch_succeeds(tmp_path):
    """One good submission and one folder with no student file: exit 0, the counts right, the unread named."""
    from autograder.core.assignment import load_assignment

    a = load_assignment("a1_numpy_cnn")
    (tmp_path / "class" / "cat").mkdir(parents=True)
    (tmp_path / "class" / "cat" / "notes.txt").write_text("no code")
    (tmp_path / "class" / "dan.py").write_text(a.solution_file.read_text())
    done = _grade(tmp_path / "class", "--out", tmp_path / "out", "--no-reference-check")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "graded 1 submission(s), 0 from the journal, 1 could not be read" in done.stdout, done.stdout
    assert "sandbox: none" not in done.stdout and "could not be read (0 points" in done.stdout and ": cat" in done.stdout


@pytest.mark.parametrize("verb", ["grade", "verify", "export"])
def test_help_shows_the_defaults_not_dynamic(verb):
    """Options whose defaults come from the verb's signature showed '[default: (dynamic)]'."""
    done = subprocess.run([sys.executable, "-m", "autograder", verb, "--help"], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env={**__import__("os").environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "(dynamic)" not in done.stdout and "[default: " in done.stdout, done.stdout
