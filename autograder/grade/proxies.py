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
    if r.status == TIMEOUT and "time budget" in r.error:  # cut or refused by the submission's deadline
        return StudentCallError(f"'{name}': {detail}", kind="timeout")
    if r.status == TIMEOUT:
        return StudentCallError(f"'{name}' did not return within {timeout_s:g} s (the time limit of one call)",
                                kind="timeout")
    if r.status == CRASH:
        return StudentCallError(f"'{name}' crashed or exited: {detail}", kind="crash")
    return StudentCallError(f"'{name}' returned something that cannot be graded: {detail}", kind="bad_result")


class StudentFunction:
    """A callable standing for the student's top-level function ``name`` in the worker.

    ``state`` is shared by a submission's proxies: the student time spent so far, and the functions
    that already ran out of time. A function that timed out is not called again in that submission
    (the call fails at once, saying why): a hanging function costs its cases, not the batch's time.
    """

    def __init__(self, session, name: str, state: dict):
        self._session, self.__name__, self._state = session, name, state

    def _value(self, r: CallResult, name: str, timeout_s: float):
        self._state["student_s"] += r.duration_s
        if r.status == OK:
            return r.value
        if r.status == TIMEOUT:
            self._state["timed_out"].add(name)
        raise call_error(name, r, self._session.module_file, timeout_s)

    def _refuse_if_timed_out(self, names):
        for name in names:
            if name in self._state["timed_out"]:
                raise StudentCallError(f"'{name}' is not called again: it ran out of time earlier in this "
                                       "submission", kind="timeout")

    def __call__(self, *args, **kwargs):
        self._refuse_if_timed_out([self.__name__])
        return self._value(self._session.call(self.__name__, *args, **kwargs), self.__name__,
                           self._session.limits.call_timeout_s)

    def run_probe(self, probe: str, *args, names=None, timeout_s: float | None = None):
        """Run a trusted probe (``autograder.checks.probes``) on this function (or on ``names``),
        inside the worker."""
        target = list(names) if names else self.__name__
        self._refuse_if_timed_out(names or [self.__name__])
        r = self._session.call_helper("probes", "run_in_worker", probe, target, *args, timeout_s=timeout_s)
        if r.status == TIMEOUT:  # every function the probe ran is suspect: none is called again
            self._state["timed_out"].update(names or [self.__name__])
        return self._value(r, "/".join(names) if names else self.__name__,
                           timeout_s or self._session.limits.call_timeout_s)

    def __repr__(self) -> str:
        return f"<student function {self.__name__} (sandboxed)>"
