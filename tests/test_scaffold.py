"""Can an instructor add an assignment with no engine change (issue 12, items 1 and 6)?

``python -m autograder new`` scaffolds it in a fresh course root (``AUTOGRADER_ROOT``: the root holds
nothing but the repository's requirements.txt), the test fills it in as ``docs/authoring.md`` says (a second
question: reference, tests, a hidden generator in the [support] parent file, a worker helper, a mutant), then
runs ``release``, ``check``, ``verify`` and ``grade`` on it through the command line, as an instructor would.
"""
import csv
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NAME = "demo_stats"


def _cli(root: Path, *args, timeout=600):
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "PYTHONPATH": str(REPO), "COLUMNS": "200"}
    env.pop("AG_COURSE_SECRET", None)
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=root, env=env, capture_output=True,
                          text=True, timeout=timeout)


def _ok(done):
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"
    return done.stdout


SOLUTION_ADDITION = '''

def centre(x):
    """``x`` minus its mean, as a new float64 array."""
    out = None
    # BEGIN SOLUTION
    v = np.asarray(x, dtype=np.float64)
    out = v - v.mean()
    # END SOLUTION
    return out
'''

TEST_Q02 = '''\
"""Q2 centre: subtract the mean."""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, check_array, check_true, helper, parent_support, reference

OK_FORMAT = False
name = "q02_centre"


@test_case(points=1, hidden=False)
def centre_example(centre):
    check_array("centre", call("centre", centre, np.array([1.0, 2.0, 6.0])), np.array([-2.0, -1.0, 3.0]),
                case="[1, 2, 6]")


@test_case(points=2, hidden=True)
def centre_random(centre):
    x = parent_support().hidden_vector("centre random")
    check_array("centre", call("centre", centre, x), reference().centre(x), case="random vector")
    twice = helper("apply_twice", "centre", centre, centre, x)   # the [support] worker helper, in the worker
    check_array("centre", twice, reference().centre(reference().centre(x)), case="centre of centre")
'''

HIDDEN_ADDITION = '''

def hidden_vector(label):
    rng = case_rng(label)
    return rng.standard_normal(int(rng.integers(3, 9))) * 10 + 5
'''

WORKER = '''\
"""Helpers run where the student's code runs."""


def apply_twice(_module, fn, x):
    return fn(fn(x))
'''

MUTANT = '''\
description = "centre subtracts the first element instead of the mean"
[[replace]]
old = \'\'\'out = v - v.mean()\'\'\'
new = \'\'\'out = v - v[0]\'\'\'
'''


def _fill_in(root: Path) -> None:
    """What docs/authoring.md asks of an author: a second question, end to end."""
    a, s = root / "assignments" / NAME, root / "solutions" / NAME
    (s / f"{NAME}.py").write_text((s / f"{NAME}.py").read_text() + SOLUTION_ADDITION)
    (a / "tests" / "q02_centre.py").write_text(TEST_Q02)
    hidden = a / "support" / "hidden_data.py"
    hidden.write_text(hidden.read_text() + HIDDEN_ADDITION)
    (a / "support" / "inworker.py").write_text(WORKER)
    toml = a / "assignment.toml"
    text = toml.read_text().replace('parent = "support/hidden_data.py"',
                                    'parent = "support/hidden_data.py"\nworker = "support/inworker.py"')
    toml.write_text(text + '\n[[questions]]\nname = "q02_centre"\ntitle = "centre: subtract the mean"\npoints = 3\n')
    handout = a / "handout.md"
    handout.write_text(handout.read_text().replace("| **total** | | **2** |",
                                                   "| q02_centre | the mean | 3 |\n| **total** | | **5** |"))
    (s / "mutants" / "centre_first_element.toml").write_text(MUTANT)
    rules = a / "rules.toml"
    rules.write_text(rules.read_text() + '\n[[rules]]\nid = "centre-mean"\nrule = "centre subtracts the mean"\n'
                     'cases = ["q02_centre::centre_random"]\nmutants = ["centre_first_element"]\n')


@pytest.mark.slow
def test_new_assignment_releases_verifies_and_grades(tmp_path):
    """Does a scaffolded, filled-in assignment in a fresh root release, verify and grade, engine unchanged?"""
    root = tmp_path / "course"
    root.mkdir()
    (root / "requirements.txt").write_bytes((REPO / "requirements.txt").read_bytes())
    engine_before = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "autograder"],
                                   capture_output=True, text=True).stdout

    out = _ok(_cli(root, "new", NAME))
    assert f"wrote {root / 'assignments' / NAME / 'assignment.toml'}" in out
    refused = _cli(root, "new", NAME)
    assert refused.returncode == 2 and "already exists" in refused.stderr and len(refused.stderr.splitlines()) == 1
    _fill_in(root)

    _ok(_cli(root, "release", NAME))
    starter = root / "starter_code" / NAME / f"{NAME}.py"
    assert "BEGIN SOLUTION" not in starter.read_text() and "v.mean()" not in starter.read_text()
    dist = root / "dist" / NAME
    with zipfile.ZipFile(dist / "student.zip") as z:
        names = set(z.namelist())
        public_q02 = z.read(f"{NAME}/tests/q02_centre.py").decode()
    assert f"{NAME}/support/inworker.py" in names  # public cases may call worker helpers
    assert not any("hidden_data" in n for n in names), "the parent support (hidden inputs) reached the student"
    assert "centre_random" not in public_q02 and "centre_example" in public_q02
    with zipfile.ZipFile(dist / "autograder.zip") as z:
        assert {f"assignments/{NAME}/support/hidden_data.py", f"assignments/{NAME}/support/inworker.py"} <= set(z.namelist())
    with zipfile.ZipFile(dist / "otter-autograder.zip") as z:
        assert {"files/reference/support/hidden_data.py", "files/reference/support/inworker.py"} <= set(z.namelist())

    _ok(_cli(root, "check", NAME, str(root / "solutions" / NAME / f"{NAME}.py")))
    stub_check = _cli(root, "check", NAME, str(starter))
    assert stub_check.returncode == 1, stub_check.stdout

    verify = _cli(root, "verify", NAME, "--ids", "3", "-j", "1")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "FAILED" not in verify.stdout

    subs = tmp_path / "subs"
    subs.mkdir()
    reference = (root / "solutions" / NAME / f"{NAME}.py").read_text()
    (subs / "ada.py").write_text(reference)
    (subs / "bob.py").write_text(starter.read_text())
    (subs / "carol.py").write_text(reference.replace("out = v - v.mean()", "out = v - v[0]"))
    (subs / "dan.py").write_text(reference.replace("* float(factor)", ""))
    _ok(_cli(root, "grade", NAME, str(subs), "--out", str(tmp_path / "grades"), "-j", "1"))
    with (tmp_path / "grades" / "gradebook.csv").open() as f:
        scores = {row["student"]: float(row["total"]) for row in csv.DictReader(f)}
    assert scores["ada"] == 5 and scores["bob"] == 0
    assert scores["carol"] == 2  # q01 2/2; both cases of q02 catch the bug (the hidden one via the worker helper too)
    assert scores["dan"] == 3  # q01's public and hidden cases both catch the ignored factor

    engine_after = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "autograder"],
                                  capture_output=True, text=True).stdout
    assert engine_after == engine_before, "the engine changed while adding an assignment"


def test_new_refuses_bad_names(tmp_path):
    """Does `new` refuse a bad name or student file in one line, exit 2, writing nothing?"""
    for args in (["new", "Bad-Name"], ["new", "ok_name", "--student-file", "x.txt"], ["new", "ok", "--title", 'a"b']):
        done = _cli(tmp_path, *args)
        assert done.returncode == 2, (args, done.stdout, done.stderr)
        assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())


def test_release_refuses_a_graded_function_without_a_solution_marker(tmp_path):
    """The markers removed from the scaffold's function: `release` shipped the solution whole in the student
    bundle, exit 0 (helper-19's finding 4). Is it refused in one line naming the file and the function?"""
    import shutil

    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    _ok(_cli(tmp_path, "new", NAME))
    solution = tmp_path / "solutions" / NAME / f"{NAME}.py"
    text = solution.read_text()
    stripped = "\n".join(line for line in text.splitlines() if line.strip() not in ("# BEGIN SOLUTION",
                                                                                    "# END SOLUTION")) + "\n"
    assert stripped != text
    solution.write_text(stripped)
    done = _cli(tmp_path, "release", NAME)
    assert done.returncode == 1, (done.stdout, done.stderr)  # as every release refusal (a points mismatch...)
    assert len(done.stderr.strip().splitlines()) == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"solutions/{NAME}/{NAME}.py" in done.stderr and "no solution marker" in done.stderr, done.stderr
    assert not list(tmp_path.glob("**/student.zip"))


@pytest.mark.parametrize("entry", ["nonexistent_dir", "../../etc"])
def test_release_refuses_a_bundle_file_that_is_missing_or_outside(tmp_path, entry):
    """A bundle_files entry that does not exist printed a FileNotFoundError traceback (helper-19's finding 6):
    is it one line naming assignment.toml, the key and the entry?"""
    import shutil

    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    _ok(_cli(tmp_path, "new", NAME))
    toml = tmp_path / "assignments" / NAME / "assignment.toml"
    toml.write_text(toml.read_text().replace("bundle_files = []", f"bundle_files = [{entry!r}]"))
    assert entry in toml.read_text()
    done = _cli(tmp_path, "release", NAME)
    assert done.returncode == 1 and "Traceback" not in done.stderr, (done.stdout, done.stderr)
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "assignment.toml [options]: bundle_files entry" in done.stderr and repr(entry) in done.stderr


def test_release_of_a_solution_that_does_not_compile_is_one_line(tmp_path):
    import shutil

    shutil.copy(REPO / "requirements.txt", tmp_path / "requirements.txt")
    _ok(_cli(tmp_path, "new", NAME))
    solution = tmp_path / "solutions" / NAME / f"{NAME}.py"
    solution.write_text(solution.read_text() + "\ndef broken(:\n    pass\n")
    done = _cli(tmp_path, "release", NAME)
    assert done.returncode in (1, 2) and "Traceback" not in done.stderr, done.stderr
    assert len(done.stderr.strip().splitlines()) == 1 and f"{NAME}.py" in done.stderr, done.stderr
