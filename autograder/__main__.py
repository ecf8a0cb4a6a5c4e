"""``python -m autograder``: the command line (see ``autograder.cli``).

A third-party package missing from this Python (a student who has not run the set-up, or runs the
system ``python3`` instead of the set-up's ``.venv``) is one message naming the package and the set-up
command, exit 2, instead of a traceback.
"""
import sys

from autograder import setup_hint

try:
    from autograder.cli import main

    code = main()
except ModuleNotFoundError as exc:
    if not exc.name or exc.name.partition(".")[0] == "autograder":
        raise
    sys.stderr.write(f"autograder: the Python package '{exc.name.partition('.')[0]}' is not installed in this "
                     f"Python ({sys.executable}). {setup_hint()}.\n")
    code = 2
sys.exit(code)
