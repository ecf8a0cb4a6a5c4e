"""verify's test selection: which cases a mutant can change (autograder.verify.impact)."""
import tempfile
from pathlib import Path

import pytest

from autograder.core.assignment import load_assignment
from autograder.core.testfiles import Case, TestFile
from autograder.verify.impact import EVERYTHING, Module, affected_cases, changed_names

REFERENCE = '''"""A module docstring."""
import numpy as np

SCALE = 2


def _helper(x):
    return x * SCALE


def double(x):
    # a comment
    return _helper(x)


def other(x):
    return np.sum(x)


class Net:
    def forward(self, x):
        return double(x)


def dynamic(name):
    return globals()[name](1)
'''


def _edit(old, new):
    assert REFERENCE.count(old) == 1
    return REFERENCE.replace(old, new)


@pytest.mark.parametrize("old, new, changed", [
    ("# a comment", "# another comment", set()),                       # comments are not code
    ('"""A module docstring."""', '"""Another."""', set()),
    ("return x * SCALE", "return x * SCALE + 1", {"_helper"}),
    ("return double(x)", "return double(x) + 1", {"Net"}),               # a method: its class
    ("SCALE = 2", "SCALE = 3", {"SCALE"}),
    ("import numpy as np", "import numpy as np\nimport math", {"math"}),  # a new name
    ("def other(x):\n    return np.sum(x)\n", "", {"other"}),             # a removed name
    ("SCALE = 2", "SCALE = 2\nNet.forward = lambda self, x: x", {"Net"}),  # patched from outside
])
def test_changed_names_are_the_definitions_that_differ(old, new, changed):
    assert changed_names(REFERENCE, _edit(old, new)) == changed


def test_a_changed_statement_that_binds_no_name_changes_everything():
    assert changed_names(REFERENCE, _edit("SCALE = 2", "SCALE = 2\nprint('hi')")) is EVERYTHING


def test_reach_follows_names_and_gives_up_on_dynamic_lookups():
    module = Module(REFERENCE)
    assert module.reach(["Net"]) == {"Net", "double", "_helper", "SCALE"}
    assert module.reach(["other"]) == {"other", "np"}
    assert module.reach(["not_defined"]) == set()
    assert module.reach(["dynamic"]) is EVERYTHING


def _file(name, *cases):
    def make(params):
        namespace = {}
        exec(f"def f({', '.join(params)}): pass", namespace)  # a case receives the names it lists
        return namespace["f"]

    return TestFile(Path(f"{name}.py"), name, [Case(c, make(params), 1, False) for c, params in cases])


def test_affected_cases_are_those_whose_parameters_reach_a_change():
    files = [_file("q1", ("uses_double", ["double"]), ("uses_net", ["Net"]), ("uses_other", ["other"]),
                   ("sees_everything", ["env"]), ("uses_dynamic", ["dynamic"]))]
    mutant = _edit("return x * SCALE", "return x * SCALE + 1")
    assert affected_cases(files, REFERENCE, mutant) == {("q1", "uses_double"), ("q1", "uses_net"),
                                                       ("q1", "sees_everything"), ("q1", "uses_dynamic")}
    assert affected_cases(files, REFERENCE, _edit("# a comment", "# changed")) == set()
    loose = _edit("SCALE = 2", "SCALE = 2\nprint('hi')")
    assert len(affected_cases(files, REFERENCE, loose)) == 5


@pytest.mark.slow
def test_selection_gives_the_same_results_as_grading_every_case():
    """Graded on its selected cases and completed from the reference, every A1 mutant gets the same
    result, case by case, as graded on every case (in-process, 2 student ids)."""
    from autograder.grade.batch import grade_files
    from autograder.verify import completed, selected_cases, sweep_ids
    from autograder.verify.mutants import load_mutants

    a = load_assignment("a1_numpy_cnn")
    reference = a.solution_file.read_text()
    mutants = load_mutants(a.mutants_dir)
    with tempfile.TemporaryDirectory() as tmp:
        files = {"reference": a.solution_file}
        for m in mutants:
            path = Path(tmp) / m.name / a.student_file
            path.parent.mkdir()
            path.write_text(m.apply(reference))
            files[f"mutant-{m.name}"] = path
        selected = selected_cases(a, mutants, reference)
        assert sum(map(len, selected.values())) < 0.5 * len(mutants) * 110  # it does select
        full = grade_files(a, files, sandbox="in-process", jobs=2)
        some = grade_files(a, files, sandbox="in-process", jobs=2, cases=selected)
        full_ids = sweep_ids(a, files, 2, 2)
        some_ids = sweep_ids(a, files, 2, 2, cases=selected)

    def cases(r):
        return [(c.question, c.name, c.status, c.score) for c in r.cases]

    for label in selected:
        assert cases(completed(some[label], some["reference"])) == cases(full[label]), label
        for sid, r in full_ids[label].items():
            assert cases(completed(some_ids[label][sid], some_ids["reference"][sid])) == cases(r), (label, sid)
