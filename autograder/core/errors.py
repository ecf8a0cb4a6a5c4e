"""The one base of every error a user can cause (a wrong name, a malformed file, an occupied folder).

The CLI turns an ``AutograderError`` into one line on stderr, no traceback, and its ``exit_code``:
2 for a usage error (nothing was done: fix the command or its inputs), 1 for a failure of the inputs
themselves (a malformed solution marker, a test file that does not load). Anything else that escapes
a verb is our bug and keeps its traceback.
"""
from __future__ import annotations


class AutograderError(Exception):
    """An error the user can fix; the message names the file, the argument and the fix."""

    exit_code = 1


class UsageError(AutograderError):
    """The command cannot run as asked (unknown assignment, bad option, no sandbox, occupied --out)."""

    exit_code = 2
