"""Is assignment.toml read into typed dataclasses, with every unknown key and wrong type refused by name?"""
import shutil
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, AssignmentError, Options, load_assignment
from autograder.core.calls import Limits

MINIMAL = """\
[assignment]
name = "demo"
student_file = "demo.py"
seed = 1

[[questions]]
name = "q01_add"
points = 2
"""


def _write(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "assignments" / "demo"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "assignment.toml").write_text(text)
    return folder / "assignment.toml"


@pytest.mark.parametrize("name", sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml")))
def test_repository_assignments_load_typed(name):
    """Does every assignment of the repository load, its [limits] filling the one Limits of core/calls.py?"""
    a = load_assignment(name)
    assert type(a.limits) is Limits and type(a.options) is Options
    assert a.limits.call_timeout_s > 0 and a.limits.submission_timeout_s > 0
    assert a.options.student_packages and all(type(p) is str for p in a.options.student_packages)
    assert a.questions and sum(q.points for q in a.questions) == a.points


def test_minimal_toml_gets_defaults(tmp_path):
    """Does a minimal file load with the documented defaults (title = name, default Limits)?"""
    _write(tmp_path, MINIMAL)
    a = load_assignment("demo", tmp_path)
    assert (a.title, a.questions[0].title, a.questions[0].points) == ("demo", "q01_add", 2.0)
    assert a.limits == Limits() and a.options == Options() and a.root == tmp_path
    assert a.parent_support_file is None and a.worker_support_file is None


def test_limits_fill_calls_limits(tmp_path):
    """Does [limits] set any field of core/calls.py's Limits (ints accepted for floats)?"""
    _write(tmp_path, MINIMAL + "[limits]\ncall_timeout_s = 3\nmax_processes = 8\nsubmission_timeout_s = 30.5\n")
    limits = load_assignment("demo", tmp_path).limits
    assert (limits.call_timeout_s, limits.max_processes, limits.submission_timeout_s) == (3.0, 8, 30.5)
    assert type(limits.call_timeout_s) is float


@pytest.mark.parametrize("extra, words", [
    ("[limits]\ncall_timeout = 3\n", ["[limits]", "unknown key 'call_timeout'"]),
    ("[options]\nbundle_file = []\n", ["[options]", "unknown key 'bundle_file'"]),
    ("[support]\nhelpers = 'x.py'\n", ["[support]", "unknown key 'helpers'"]),
    ("[extras]\nx = 1\n", ["unknown table [extras]"]),
    ("[limits]\nmemory_mb = '2G'\n", ["[limits]", "memory_mb", "must be an integer"]),
    ("[limits]\nmemory_mb = 2.5\n", ["[limits]", "memory_mb", "must be an integer"]),
    ("[limits]\ncall_timeout_s = true\n", ["[limits]", "call_timeout_s", "must be a number"]),
    ("[limits]\nmemory_mb = -5\n", ["[limits]", "memory_mb = -5", "must be a number above 0"]),
    ("[limits]\ncall_timeout_s = 0\n", ["[limits]", "call_timeout_s = 0", "must be a number above 0"]),
    ("[limits]\ncpus = -1.0\n", ["[limits]", "cpus = -1.0", "(or 0)"]),
    ("[limits]\ncpus = nan\n", ["[limits]", "cpus = nan", "(or 0)"]),
    ("[limits]\ncall_timeout_s = inf\n", ["[limits]", "call_timeout_s = inf", "above 0"]),
    ("[options]\nstudent_packages = 'numpy'\n", ["[options]", "student_packages", "array of a string"]),
    ("[options]\nhidden_visibility = 'never'\n", ["[options]", "hidden_visibility", "after_published"]),
    ("[support]\nparent = '../../../etc/passwd'\n", ["[support]", "parent", "inside"]),
    ("[support]\nworker = 'support/missing.py'\n", ["[support]", "worker", ".py file"]),
    ("[[questions]]\nname = 'q02'\npoints = 'two'\n", ["[[questions]] #2", "points", "must be a number"]),
    ("[[questions]]\nname = 'q02'\nweight = 1\n", ["[[questions]] #2", "unknown key 'weight'"]),
    ("[[questions]]\npoints = 1\n", ["[[questions]] #2", "required key 'name'"]),
])
def test_bad_keys_and_types_are_refused_by_name(tmp_path, extra, words):
    """Is each unknown key, unknown table and wrong type refused, naming the file, the table and the key?"""
    path = _write(tmp_path, MINIMAL + extra)
    with pytest.raises(AssignmentError) as info:
        load_assignment("demo", tmp_path)
    message = str(info.value)
    assert str(path) in message, message
    for word in words:
        assert word in message, message


def test_assignment_table_checked(tmp_path):
    """Are [assignment]'s required keys, types and name (= folder) checked?"""
    _write(tmp_path, MINIMAL.replace('seed = 1', 'seed = "1"'))
    with pytest.raises(AssignmentError, match=r"\[assignment\]: seed = '1' must be an integer"):
        load_assignment("demo", tmp_path)
    _write(tmp_path, MINIMAL.replace('seed = 1\n', ''))
    with pytest.raises(AssignmentError, match=r"\[assignment\]: the required key 'seed' is missing"):
        load_assignment("demo", tmp_path)
    _write(tmp_path, MINIMAL.replace('name = "demo"', 'name = "other"'))
    with pytest.raises(AssignmentError, match="must be the folder's name"):
        load_assignment("demo", tmp_path)
    _write(tmp_path, MINIMAL + "[assignment.x]\n")
    with pytest.raises(AssignmentError, match="unknown key 'x'"):
        load_assignment("demo", tmp_path)


def test_support_files_resolved(tmp_path):
    """Do [support] paths resolve under the assignment's folder?"""
    folder = _write(tmp_path, MINIMAL + "[support]\nparent = 'support/hidden.py'\nworker = 'support/inworker.py'\n").parent
    (folder / "support").mkdir()
    for name in ("hidden.py", "inworker.py"):
        (folder / "support" / name).write_text("")
    a = load_assignment("demo", tmp_path)
    assert a.parent_support_file == folder / "support" / "hidden.py"
    assert a.worker_support_file == folder / "support" / "inworker.py"
    shutil.rmtree(folder / "support")
    with pytest.raises(AssignmentError, match="parent"):
        load_assignment("demo", tmp_path)


def test_demo_tables_name_existing_mutants():
    """Does some assignment give `demo` its sample class, and does each [demo] student hand in a mutant that
    exists?"""
    names = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))
    demos = [load_assignment(n) for n in names if load_assignment(n).demo.mutant_students]
    assert demos, "no assignment has a [demo] table: `python -m autograder demo` would grade nothing"
    for a in demos:
        for student, mutant in a.demo.mutant_students.items():
            assert (a.mutants_dir / f"{mutant}.toml").is_file(), f"{a.toml_path} [demo]: {student} = {mutant!r}"


def test_demo_table_typed(tmp_path):
    """Is [demo] mutant_students a table of strings (anything else refused by key)?"""
    _write(tmp_path, MINIMAL + '[demo]\nmutant_students = { carol = 3 }\n')
    with pytest.raises(AssignmentError, match=r"\[demo\]: mutant_students = .* must be a table of a string"):
        load_assignment("demo", tmp_path)
    _write(tmp_path, MINIMAL + '[demo]\nmutant_students = { carol = "m1" }\n')
    assert load_assignment("demo", tmp_path).demo.mutant_students == {"carol": "m1"}
