"""The student's functions, as the trusted parent sees them: proxies into the sandboxed worker.

A test file calls ``conv2d(x, w)``; the proxy sends the arrays to the worker (as data), waits at
most the per-call timeout, and returns the data that came back. Every failure of the student's code
becomes a ``StudentCallError`` with a message for the student; nothing the worker does can raise
anything else into the test (SPEC section 6, invariants 1, 2, 5).
"""
from __future__ import annotations

import builtins
from pathlib import Path

from autograder.checks.context import get_context
from autograder.checks.errors import StudentCallError
from autograder.core.sandbox import CRASH, ERROR, MISSING, OK, TIMEOUT, CallResult

#: Trusted helper module copied into every worker (see ``autograder/checks/probes.py``).
PROBES_FILE = Path(__file__).resolve().parents[1] / "checks" / "probes.py"


def _mro(exc_type: str) -> tuple[str, ...]:
    klass = getattr(builtins, exc_type, None)
    if isinstance(klass, type) and issubclass(klass, BaseException):
        return tuple(k.__name__ for k in klass.__mro__)
    return (exc_type,)


def call_error(name: str, r: CallResult, module_file: str, timeout_s: float) -> StudentCallError:
    """The student-facing error for a failed call (status other than ok)."""
    limit = 80 if get_context().hidden else 200
    detail = " ".join(r.error.split())[:limit]
    if r.status == MISSING:
        return StudentCallError(f"'{name}' is not defined in {module_file}", kind="missing")
    if r.status == ERROR:
        exc_type = r.error.split(":", 1)[0].strip() or "Exception"
        return StudentCallError(f"'{name}' raised {detail}", exc_type=exc_type, mro=_mro(exc_type))
    if r.status == TIMEOUT:
        return StudentCallError(f"'{name}' did not return within {timeout_s:g} s (the time limit of one call)",
                                kind="timeout")
    if r.status == CRASH:
        return StudentCallError(f"'{name}' crashed or exited: {detail}", kind="crash")
    return StudentCallError(f"'{name}' returned something that cannot be graded: {detail}", kind="bad_result")


class StudentFunction:
    """A callable standing for the student's top-level function ``name`` in the worker."""

    def __init__(self, session, name: str, clock: list[float]):
        self._session, self.__name__, self._clock = session, name, clock

    def _value(self, r: CallResult):
        self._clock[0] += r.duration_s
        if r.status == OK:
            return r.value
        raise call_error(self.__name__, r, self._session.module_file, self._session.limits.call_timeout_s)

    def __call__(self, *args, **kwargs):
        return self._value(self._session.call(self.__name__, *args, **kwargs))

    def run_probe(self, probe: str, *args):
        """Run a trusted probe (``autograder.checks.probes``) on this function, inside the worker."""
        return self._value(self._session.call_helper("probes", "run_in_worker", probe, self.__name__, *args))

    def __repr__(self) -> str:
        return f"<student function {self.__name__} (sandboxed)>"
