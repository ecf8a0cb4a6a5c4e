"""The student's functions and objects, as the trusted parent sees them: proxies into the sandboxed worker.

A test file calls ``conv2d(x, w)``; the proxy sends the arrays to the worker (as data), waits at
most the per-call timeout, and returns the data that came back. An object that is not data (a model,
a class, an autograd context) stays in the worker and comes back as a ``StudentObject``: calling it or
one of its methods is again a call into the worker. Every failure of the student's code becomes a
``StudentCallError`` with a message for the student; nothing the worker does can raise anything else
into the test (README, "Grading: the trust boundary"). In a hidden case the message names the kind of
failure only, never text the student's code produced (invariant 8).
"""
from __future__ import annotations

import ast
import builtins
import secrets
import shutil
from pathlib import Path

from autograder.checks.context import get_context
from autograder.checks.errors import StudentCallError, shown_type
from autograder.core.calls import CRASH, ERROR, MISSING, OK, TIMEOUT, CallResult, Handle
from autograder.sandbox import tempdirs

#: Generic trusted helper module copied into every worker (see ``autograder/checks/inworker.py``); an
#: assignment's ``[support] worker`` file is copied next to it. Nothing they report earns points; they are
#: shipped under random module names (``helper_copy``) as defence in depth.
HELPERS_FILE = Path(__file__).resolve().parents[1] / "checks" / "inworker.py"


def _defined_names(path: Path) -> set[str]:
    """Top-level functions and classes of a trusted helper file (read statically: nothing is run)."""
    tree = ast.parse(Path(path).read_text(), str(path))
    return {n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}


def helper_copy(worker_support: Path | None = None) -> tuple[list[Path], dict[str, str], Path]:
    """``(files, {helper name: module name}, temp dir)``: copies of the generic helper module and of the
    assignment's ``worker_support`` file (if any) under random, unguessable names (``_h<32 hex>``), for one
    session. A name both define resolves to the assignment's (as ``autograder.checks.remote.helper_function``
    does in-process). The caller removes the temp dir."""
    folder = tempdirs.make("helpers")
    files, where = [], {}
    for source in (HELPERS_FILE, worker_support):  # the assignment's last: its names win
        if source is None:
            continue
        name = "_h" + secrets.token_hex(16)
        shutil.copyfile(source, folder / f"{name}.py")
        files.append(folder / f"{name}.py")
        where.update(dict.fromkeys(_defined_names(source), name))
    return files, where, folder


def _mro(exc_type: str) -> tuple[str, ...]:
    klass = getattr(builtins, exc_type, None)
    if isinstance(klass, type) and issubclass(klass, BaseException):
        return tuple(k.__name__ for k in klass.__mro__)
    return (exc_type,)


def _exc_type(error: str) -> str:
    """The exception's type name from ``"Type: message"``; only an identifier counts (else ``Exception``)."""
    head = error.split(":", 1)[0].strip()
    return head if head.isidentifier() and len(head) <= 60 else "Exception"


def call_error(name: str, r: CallResult, module_file: str, timeout_s: float) -> StudentCallError:
    """The student-facing error for a failed call (status other than ok). In a hidden case it carries no
    text produced by the student's code: the exception's type name only, no message, no exit code."""
    hidden = get_context().hidden
    detail = " ".join(r.error.split())[:200]
    if r.status == MISSING:
        return StudentCallError(f"'{name}' is not defined in {module_file}", kind="missing")
    if r.status == ERROR:
        exc_type = _exc_type(r.error)
        shown = f"{shown_type(exc_type)} (hidden case: message not shown)" if hidden else detail
        return StudentCallError(f"'{name}' raised {shown}", exc_type=exc_type, mro=_mro(exc_type))
    if r.status == TIMEOUT and "time budget" in r.error:  # cut or refused by the submission's deadline
        return StudentCallError(f"'{name}': {detail}", kind="timeout")
    if r.status == TIMEOUT:
        return StudentCallError(f"'{name}' did not return within {timeout_s:g} s (the time limit of one call)",
                                kind="timeout")
    if r.status == CRASH:
        return StudentCallError(f"'{name}' crashed or exited" + ("" if hidden else f": {detail}"), kind="crash")
    return StudentCallError(f"'{name}' returned something that cannot be graded"
                            + ("" if hidden else f": {detail}"), kind="bad_result")


class _Proxy:
    """What the student's functions and objects share: the session, the submission's call state."""

    def __init__(self, session, label: str, state: dict):
        self._session, self._label, self._state = session, label, state

    def _value(self, r: CallResult, name: str, timeout_s: float):
        self._state["student_s"] += r.duration_s
        if r.status == OK:
            return _wrap(r.value, self._session, self._state, name)
        if r.status == TIMEOUT:
            self._state["timed_out"].add(name)
        raise call_error(name, r, self._session.module_file, timeout_s)

    def _refuse_if_timed_out(self, names):
        for name in names:
            if name in self._state["timed_out"]:
                raise StudentCallError(f"'{name}' is not called again: it ran out of time earlier in this "
                                       "submission", kind="timeout")

    def _timeout(self, timeout_s):
        return timeout_s or self._session.limits.call_timeout_s

    def run_helper(self, helper: str, *args, timeout_s: float | None = None):
        """Run the worker helper ``helper(student module, *args)`` (``autograder/checks/inworker.py`` or the
        assignment's ``[support] worker`` file) inside the worker. Its result is the student's word: use it
        only as data to check. An unknown helper is the test author's error (``LookupError``)."""
        module = self._state["helpers"].get(helper)
        if module is None:
            raise LookupError(f"no worker helper {helper!r}: define it in the assignment's [support] worker file "
                              "(assignment.toml) or in autograder/checks/inworker.py")
        self._refuse_if_timed_out([self._label])
        r = self._session.call_helper(module, helper, *_unwrap(args), timeout_s=timeout_s)
        return self._value(r, self._label, self._timeout(timeout_s))


class StudentFunction(_Proxy):
    """A callable standing for the student's top-level name (a function or a class) in the worker.

    ``state`` is shared by a submission's proxies: the student time spent so far, and the names that
    already ran out of time. A function that timed out is not called again in that submission (the call
    fails at once, saying why): a hanging function costs its cases, not the batch's time.
    """

    def __init__(self, session, name: str, state: dict):
        super().__init__(session, name, state)
        self.__name__ = name
        self._handle: Handle | None = None

    def __call__(self, *args, **kwargs):
        return self.call_timed(None, *args, **kwargs)

    def call_timed(self, timeout_s: float | None, *args, **kwargs):
        """Call with a time limit other than the per-call default (e.g. a training budget)."""
        self._refuse_if_timed_out([self.__name__])
        r = self._session._request({"op": "call", "kind": "module", "attr": self.__name__},
                                   _unwrap(args), _unwrap(kwargs), timeout_s=timeout_s)
        return self._value(r, self.__name__, self._timeout(timeout_s))

    def handle(self) -> Handle:
        """The worker-side object behind the name (to pass it as an argument, or reach its attributes)."""
        if self._handle is None or self._handle.generation != self._session.generation:
            r = self._session.get(self.__name__)
            if r.status != OK:
                raise call_error(self.__name__, r, self._session.module_file, self._timeout(None))
            if not isinstance(r.value, Handle):
                raise StudentCallError(f"'{self.__name__}' is data, not a function or class", kind="missing")
            self._handle = r.value
        return self._handle

    def __getattr__(self, attr: str):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return StudentMethod(self, attr)

    def __repr__(self) -> str:
        return f"<student function {self.__name__} (sandboxed)>"


class StudentObject(_Proxy):
    """An object the student's code returned that is not data (it stays in the worker)."""

    def __init__(self, session, handle: Handle, label: str, state: dict):
        super().__init__(session, label, state)
        self._h = handle
        self.type_name = handle.type_name  # for messages (``checks.compare._describe``)

    def handle(self) -> Handle:
        return self._h

    def __call__(self, *args, **kwargs):
        return StudentMethod(self, "__call__")(*args, **kwargs)

    def __getattr__(self, attr: str):
        if attr.startswith("_"):
            raise AttributeError(attr)
        return StudentMethod(self, attr)

    def __repr__(self) -> str:
        return f"<student object {self._label} (sandboxed)>"


class StudentMethod:
    """``owner.attr`` of a student function/class or object: calling it is a call into the worker."""

    def __init__(self, owner: _Proxy, attr: str):
        self._owner, self._attr = owner, attr
        self.__name__ = f"{owner._label}.{attr}" if attr != "__call__" else owner._label

    def __call__(self, *args, **kwargs):
        return self.call_timed(None, *args, **kwargs)

    def call_timed(self, timeout_s: float | None, *args, **kwargs):
        o = self._owner
        o._refuse_if_timed_out([o._label])
        r = o._session.call_method(o.handle(), self._attr, *_unwrap(args), **_unwrap(kwargs)) if timeout_s is None \
            else o._session._request({"op": "call", "kind": "handle", "attr": self._attr, "handle": o.handle()},
                                     _unwrap(args), _unwrap(kwargs), timeout_s=timeout_s)
        return o._value(r, self.__name__ if self._attr != "__call__" else o._label, o._timeout(timeout_s))

    def get(self):
        """The attribute's value (without calling it): data, or a ``StudentObject``."""
        o = self._owner
        r = o._session.get(self._attr, o.handle())
        return o._value(r, self.__name__, o._timeout(None))


def _unwrap(value):
    """Arguments for the wire: proxies become the handles of the objects they stand for."""
    if isinstance(value, (StudentFunction, StudentObject)):
        return value.handle()
    if type(value) in (list, tuple):
        return type(value)(_unwrap(v) for v in value)
    if type(value) is dict:
        return {k: _unwrap(v) for k, v in value.items()}
    return value


def _wrap(value, session, state, name):
    """Results for the test: handles become ``StudentObject`` proxies."""
    if isinstance(value, Handle):
        return StudentObject(session, value, f"{name}(...)", state)
    if type(value) in (list, tuple):
        return type(value)(_wrap(v, session, state, name) for v in value)
    if type(value) is dict:
        return {k: _wrap(v, session, state, name) for k, v in value.items()}
    return value
