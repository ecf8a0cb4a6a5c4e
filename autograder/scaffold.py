"""``new``: scaffold an assignment that ``release``, ``verify`` and ``grade`` accept as it is.

``python -m autograder new <name>`` writes, under the repository root (``AUTOGRADER_ROOT`` overrides it):

* ``assignments/<name>/``: ``assignment.toml`` (typed, ``autograder/core/assignment.py``), ``handout.md``
  (with its questions table), ``notebook.py`` (jupytext), ``rules.toml`` (the rule table ``verify`` reads),
  ``tests/q01_scale.py`` (one public case with literal values, one hidden case compared with the reference)
  and ``support/hidden_data.py`` (the ``[support] parent`` file: hidden inputs drawn in the grader);
* ``solutions/<name>/<name>.py``: the reference, its answer between ``# BEGIN SOLUTION`` / ``# END SOLUTION``;
* ``solutions/<name>/mutants/scale_ignores_factor.toml``: a known bug the tests must catch.

The example question (``scale(x, factor)``) is meant to be replaced; ``docs/authoring.md`` walks through it.
Nothing is overwritten: an existing assignment or solution folder is refused.
"""
from __future__ import annotations

import re
import secrets
from pathlib import Path
from string import Template

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.core.errors import UsageError

NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")

ASSIGNMENT_TOML = Template('''\
# $title. Read by `python -m autograder release|verify|check|grade` (docs/authoring.md).
# Visibility is per test case, in the test files (`@test_case(points=..., hidden=...)`): public cases use
# literal expected values (they ship in the student bundle); hidden cases compute expected values from the
# reference solution in the trusted grader, on inputs seeded by (seed, student id, submission, case).

[assignment]
name = "$name"
title = "$title"
student_file = "$student_file"
seed = $seed
forbidden_imports = []

[options]
# What a student installs (the bundle's requirements.txt); versions come from the repository's requirements.txt.
student_packages = ["numpy", "otter-grader", "click", "rich"]
# Files or folders (from the repository root) shipped unchanged in every bundle: data, loaders.
bundle_files = []

[support]
# Trusted code of this assignment. parent: runs in the grader only, never shipped to students (hidden inputs,
# hidden data sets). worker = "support/inworker.py" would add helpers that run where the student's code runs.
parent = "support/hidden_data.py"

[limits]
call_timeout_s = 10.0         # one call into the student's code
memory_mb = 2048              # the worker's memory
submission_timeout_s = 120.0  # the whole submission

# Question points must equal the sum of the case points in tests/<name>.py (release checks it).
[[questions]]
name = "q01_scale"
title = "scale: multiply an array by a factor"
points = 2
''')

HANDOUT = Template('''\
# $title

Write the functions of `$student_file`; each one's docstring is its specification. Run the public tests
with `python -m autograder check $name $student_file` (or the notebook's `grader.check(...)` cells).
The grader also runs hidden tests on inputs drawn for you; their names and points are visible in your
results, their inputs are not.

| question | what it practises | points |
|---|---|---|
| q01_scale | elementwise arithmetic on arrays | 2 |
| **total** | | **2** |
''')

NOTEBOOK = Template('''\
# %% [markdown]
# # $title
#
# Fill in `$student_file` (next to this notebook), then run the cells below. Each `grader.check(...)` cell
# runs the **public** tests of one question. From a terminal: `python -m autograder check $name $student_file`.

# %%
import numpy as np
import otter

from $module import *  # noqa: F401,F403 - grader.check finds your functions by name here

grader = otter.Notebook(tests_dir="tests")

# %% [markdown]
# ## Q1. scale

# %%
print(scale(np.arange(4.0), 2.5))

# %%
grader.check("q01_scale")
''')

SOLUTION = Template('''\
"""$title.

Write each function below; its docstring is the specification. NumPy is available.
"""
import numpy as np


def scale(x, factor):
    """``x * factor`` as a new float64 array (``x``: an array of numbers; ``factor``: a number).

    ``scale(np.array([1, 2]), 3)`` is ``array([3., 6.])``; ``x`` itself is not modified.
    """
    out = None
    # BEGIN SOLUTION
    out = np.asarray(x, dtype=np.float64) * float(factor)
    # END SOLUTION
    return out
''')

TEST_FILE = Template('''\
"""Q1 scale: multiply an array by a factor.

Public case: a literal example (it ships in the student bundle). Hidden case: an array and a factor drawn
per student and submission by the assignment's parent support file, compared with the reference.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, check_array, parent_support, reference

OK_FORMAT = False
name = "q01_scale"


@test_case(points=1, hidden=False)
def scale_example(scale):
    """``scale([1, 2, 3], 2)`` is ``[2, 4, 6]``."""
    got = call("scale", scale, np.array([1.0, 2.0, 3.0]), 2.0)
    check_array("scale", got, np.array([2.0, 4.0, 6.0]), case="[1, 2, 3] times 2")


@test_case(points=1, hidden=True)
def scale_random(scale):
    """A random array and factor: the expected value is the reference's, computed here in the grader."""
    x, factor = parent_support().hidden_case("scale random")
    expected = reference().scale(x, factor)
    check_array("scale", call("scale", scale, x, factor), expected, case="random array and factor")
''')

HIDDEN_DATA = Template('''\
"""$title: hidden inputs, drawn in the grader process ([support] parent of assignment.toml).

Loaded by ``autograder.checks.parent_support()`` in the trusted grader only (never shipped to students):
test files call these functions in hidden cases. Draw from ``case_rng(label)``, which is seeded by the
course secret, the assignment seed, the student id and the submission's sha256.
"""
from autograder.checks import case_rng


def hidden_case(label):
    """``(x, factor)``: a float64 array of a random shape and a factor other than 0 and 1."""
    rng = case_rng(label)
    x = rng.standard_normal(tuple(int(n) for n in rng.integers(2, 6, size=2)))
    return x, float(rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 4.0))
''')

RULES = Template('''\
# The rules of $name's specification, each with the cases that check it and the mutants that break it
# (read by `python -m autograder verify`; format: docs/authoring.md).
[[rules]]
id = "scale-multiplies"
rule = "scale(x, factor) multiplies every element of x by factor"
cases = ["q01_scale::scale_example", "q01_scale::scale_random"]
mutants = ["scale_ignores_factor"]
''')

MUTANT = '''\
description = "scale returns x unchanged (the factor is ignored)"
[[replace]]
old = \'\'\'out = np.asarray(x, dtype=np.float64) * float(factor)\'\'\'
new = \'\'\'out = np.asarray(x, dtype=np.float64)\'\'\'
'''


def scaffold_files(name: str, student_file: str, title: str, seed: int) -> dict[str, str]:
    """``{path relative to the root: text}`` of a new assignment."""
    values = dict(name=name, student_file=student_file, title=title, seed=seed, module=Path(student_file).stem)
    a, s = f"assignments/{name}", f"solutions/{name}"
    return {f"{a}/assignment.toml": ASSIGNMENT_TOML.substitute(values),
            f"{a}/handout.md": HANDOUT.substitute(values),
            f"{a}/notebook.py": NOTEBOOK.substitute(values),
            f"{a}/rules.toml": RULES.substitute(values),
            f"{a}/tests/q01_scale.py": TEST_FILE.substitute(values),
            f"{a}/support/hidden_data.py": HIDDEN_DATA.substitute(values),
            f"{s}/{student_file}": SOLUTION.substitute(values),
            f"{s}/mutants/scale_ignores_factor.toml": MUTANT}


def main(name: str, *, student_file: str | None = None, title: str | None = None, root: Path | None = None
         ) -> list[Path]:
    """Write the scaffold of assignment ``name`` under ``root`` (default: the repository); the paths written."""
    root = Path(root or REPO_ROOT)
    if not NAME.fullmatch(name):
        raise UsageError(f"new: the assignment name {name!r} must be lowercase letters, digits and _, starting "
                         "with a letter (it names folders and appears in file names)")
    if title is not None and (not title.strip() or any(c in title for c in '"\\\n')):
        raise UsageError(f"new: --title {title!r} must be one line without quotes or backslashes")
    student_file = student_file or f"{name}.py"
    if not (student_file.endswith(".py") and NAME.fullmatch(student_file[:-3])):
        raise UsageError(f"new: --student-file {student_file!r} must be a module name ending in .py, e.g. {name}.py")
    for folder in (root / "assignments" / name, root / "solutions" / name):
        if folder.exists():
            raise UsageError(f"new: {folder} already exists: choose another name (nothing was written)")
    files = scaffold_files(name, student_file, title or f"{name}: a new assignment", secrets.randbelow(10**8))
    written = []
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(path)
    load_assignment(name, root)  # what was written parses
    return written
