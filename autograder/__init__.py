"""CNN course autograder: release, verify, check, grade and doctor for the convolutional-networks unit.

Layers (each may import only those below it; ``tests/test_layering.py`` enforces it):

* ``core``    - dataclasses of the data model; imports nothing from the project.
* ``checks``  - oracle comparison and layered student messages; the grading context test files read.
* ``release`` - the release pipeline (strip solutions, split public/hidden, stamp headers, bundle).
* ``sandbox`` - trusted parent / untrusted worker; ``sandbox/worker.py`` is the untrusted side.
* ``grade``   - loading and running otter test files against a submission; batch grading.
* ``verify``, ``student`` (the student's ``check`` verb), ``doctor`` - the other verbs; ``cli`` maps flags onto the verbs' ``main``.

This file is also the student bundle's (``autograder/release/__init__.py``, ``SUPPORT``): it checks the
Python version before anything that needs 3.11 (``tomllib``) is imported, and holds the set-up command
that the bundle's README and the "missing package" message of ``__main__.py`` both give.
"""
import sys

__version__ = "0.1.0"

MIN_PYTHON = (3, 11)
#: The set-up command of the student bundle (its README's "Set-up" section), from the bundle's folder.
SETUP_COMMAND = "python3 -m venv .venv && .venv/bin/pip install -r requirements.txt"
#: The same on Windows (PowerShell or cmd).
SETUP_COMMAND_WINDOWS = r"py -3 -m venv .venv && .venv\Scripts\pip install -r requirements.txt"


def setup_hint() -> str:
    """One sentence: how to make the environment this package needs, and which Python to use then."""
    return (f"Run the set-up (README.md, section 'Set-up'): {SETUP_COMMAND} (Windows: {SETUP_COMMAND_WINDOWS}), "
            "then use .venv/bin/python (Windows: .venv\\Scripts\\python)")


if sys.version_info < MIN_PYTHON:
    _message = (f"autograder needs Python >= {'.'.join(map(str, MIN_PYTHON))}, but this is Python "
                f"{sys.version.split()[0]} ({sys.executable}). Install Python 3.11 or newer (python.org, "
                f"or your system's python3.11 package). {setup_hint()}.")
    if sys.argv[:1] == ["-m"]:  # `python -m autograder ...`: the message alone, no traceback
        sys.stderr.write(_message + "\n")
        raise SystemExit(2)
    raise ImportError(_message)
