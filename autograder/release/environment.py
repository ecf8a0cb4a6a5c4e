"""The student bundle's environment: ``requirements.txt`` pinned from the repository's, a "Set-up" section.

Each assignment names the packages its students need in ``assignment.toml``::

    [options]
    student_packages = ["numpy", "matplotlib", "otter-grader", "click", "rich"]

and ``release`` copies their pinned lines (``name[extras]==version``) from the repository's
``requirements.txt``, the versions the grader runs, so a student's ``check`` and notebook run on the
grader's versions. A package without a ``==`` pin there is an error naming it (an unpinned student
environment drifts from the grader's without anyone noticing).
"""
from __future__ import annotations

import re

from autograder import MIN_PYTHON, SETUP_COMMAND, SETUP_COMMAND_WINDOWS
from autograder.core.assignment import Assignment
from autograder.core.errors import AutograderError
from autograder.release.headers import header

#: Where the CPU build of PyTorch comes from (Linux and Windows without an NVIDIA GPU).
TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"

_REQUIREMENT = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*(.*?)\s*(#.*)?$")


class RequirementsError(AutograderError, ValueError):
    """A student package cannot be pinned (the message names the files and the package)."""


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: str) -> dict[str, str]:
    """``{normalised name: the requirement line without its comment}`` of a requirements file."""
    out = {}
    for line in requirements.splitlines():
        m = _REQUIREMENT.match(line)
        if m and not line.lstrip().startswith(("#", "-")):
            out[_normalise(m.group(1))] = f"{m.group(1)}{m.group(2) or ''}{m.group(3)}".strip()
    return out


def student_requirements(a: Assignment) -> str:
    """The bundle's ``requirements.txt``: the pinned lines of ``[options] student_packages``."""
    toml = a.source_dir / "assignment.toml"
    source = a.root / "requirements.txt"
    wanted = a.options.student_packages
    if not wanted:
        raise RequirementsError(f"{toml}: [options] student_packages is missing: list the packages a student "
                                f"installs (their versions come from {source})")
    pinned = pins(source.read_text())
    lines = []
    for package in wanted:
        m = _REQUIREMENT.match(str(package))
        line = pinned.get(_normalise(m.group(1))) if m else None
        if line is None or not re.search(r"(?<![<>!~=])==\s*[0-9]", line):
            got = f"'{line}'" if line else "no line"
            raise RequirementsError(f"{toml}: student package {package!r} is not pinned in {source} ({got}; "
                                    "it needs 'name==version', the version the grader runs)")
        lines.append(line)
    return (header(f"{source.name} (pins) and {toml.relative_to(a.root).as_posix()} (student_packages)")
            + f"# Python >= {'.'.join(map(str, MIN_PYTHON))}. Install with the command in README.md, 'Set-up'.\n"
            + "\n".join(lines) + "\n")


def setup_section(a: Assignment, requirements: str) -> str:
    """The "Set-up" section at the top of the bundle's README.md (one command, then how to use it)."""
    version = ".".join(map(str, MIN_PYTHON))
    module = a.student_file
    torch = "torch" in pins(requirements)
    cpu = ("\n\nNo NVIDIA GPU (a laptop, or Windows/Linux without CUDA)? Add\n"
           f"`--extra-index-url {TORCH_CPU_INDEX}` at the end of the command: pip then installs the CPU\n"
           "build of PyTorch (about 200 MB instead of several GB). On a Mac the command as it is is right."
           ) if torch else ""
    return f"""## Set-up (once)

You need Python {version} or newer (`python3 --version` says which you have). In a terminal, in this
folder, run:

```bash
{SETUP_COMMAND}
```

(Windows: `{SETUP_COMMAND_WINDOWS}`.)
It makes a virtual environment `.venv` with the packages of `requirements.txt`, pinned to the versions
the grader uses.{cpu}

Then, with that environment's Python:

* `.venv/bin/python -m autograder check {a.name} {module}` runs the public tests on your file and exits
  0 only if all of them pass (each call of your code gets {a.limits.call_timeout_s:g} s, as on the grader).
* `{a.name}.ipynb` is the notebook: open it in VS Code or JupyterLab (`.venv/bin/pip install jupyterlab`,
  then `.venv/bin/jupyter lab`) with the `.venv` kernel. `.venv/bin/jupyter execute --inplace {a.name}.ipynb`
  runs all its cells from the terminal and saves their outputs in the notebook.

(Windows: `.venv\\Scripts\\python` and `.venv\\Scripts\\jupyter` instead of `.venv/bin/...`.)
"""
