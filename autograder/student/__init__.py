"""``check``: the student's local run of the public tests, with a friendly report.

Runs on the student's own machine, in-process (their code, their computer): this is a convenience,
not a sandbox. Only public cases run; hidden cases exist only in the grader. The table lists each
question's public points; below it, the first failure of each question is explained (a case worth points
first; a case worth none is marked as being for information). Exit 0 only if every public case passes.

It applies the grader's rules where a student would otherwise be surprised by the grader:

* **Forbidden imports** (A1: torch, scipy, ...): a static scan names each offending line, and an
  import hook refuses them while the student's code runs, with the words of the grader's worker
  (``autograder/sandbox/worker.py``, ``ForbiddenImports``; ``tests/student/test_check.py`` compares the
  two): a file that imports one at the top scores 0 on the grader, and fails ``check`` the same way.
* **A time limit per call** (``call_timeout_s`` of ``assignment.toml``): ``SIGALRM`` raises
  ``CallTimeout``, a ``BaseException``, so the student's ``except Exception`` does not swallow it; the
  case fails with "timed out after N s", that function is not called again (as on the grader), and
  the other cases go on. A call stuck where no signal reaches it (compiled code, the signal blocked)
  is ended by a watchdog thread: a message, then the process exits (code 3).

Its configuration comes from ``assignments/<a>/assignment.toml`` in the repository, or, in the
student bundle (which does not ship that file: it holds the seed of the hidden inputs), from
``autograder/student/assignment.json``, written by ``release`` (``autograder/release/__init__.py``).
"""
from __future__ import annotations

import ast
import contextlib
import importlib.util
import json
import os
import signal
import sys
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path

from autograder.checks.context import GradingContext
from autograder.checks.errors import StudentCallError
from autograder.core.assignment import REPO_ROOT, AssignmentError, load_assignment
from autograder.core.errors import UsageError
from autograder.core.results import PASSED
from autograder.grade.runner import TestFile, load_test_files, run_test_files

#: The bundle's configuration (absent in the repository, where assignment.toml is read).
BUNDLE_CONFIG = Path(__file__).with_name("assignment.json")
#: Exit code when the watchdog ends a call that no signal could stop.
STUCK_EXIT = 3


@dataclass
class CheckConfig:
    assignment: str
    student_file: str
    tests_dir: Path
    forbidden_imports: tuple[str, ...] = ()
    forbidden_reason: str = ""
    call_timeout_s: float = 10.0
    worker_support: Path | None = None
    """The assignment's ``[support] worker`` file (its helpers run in-process here)."""


def load_config(assignment: str) -> CheckConfig:
    """The repository's ``assignments/<a>/assignment.toml``, else the bundle's ``assignment.json``."""
    if BUNDLE_CONFIG.is_file():
        data = json.loads(BUNDLE_CONFIG.read_text())
        if data["assignment"] != assignment:
            raise AssignmentError(f"this folder holds {data['assignment']}, not {assignment!r}: run "
                                  f"`python -m autograder check {data['assignment']} {data['student_file']}`")
        worker = data.get("worker_support")
        return CheckConfig(assignment, data["student_file"], REPO_ROOT / "tests",
                           tuple(data.get("forbidden_imports", ())), data.get("forbidden_reason", ""),
                           float(data.get("call_timeout_s", 10.0)), REPO_ROOT / worker if worker else None)
    a = load_assignment(assignment)
    return CheckConfig(assignment, a.student_file, a.tests_dir, a.forbidden_imports,
                       a.options.forbidden_reason, a.limits.call_timeout_s, a.worker_support_file)


# -- forbidden imports --------------------------------------------------------------------------------
def forbidden_message(module_file: str, top: str, forbidden, reason: str) -> str:
    """The grader worker's words for a refused import (``autograder/sandbox/worker.py``)."""
    allowed = f": {reason}" if reason else ""
    return (f"{module_file} imports {top}, which this assignment does not allow{allowed} "
            f"(not allowed: {', '.join(sorted(set(forbidden)))})")


def forbidden_imports_in(source: str, forbidden: tuple[str, ...]) -> list[tuple[int, str]]:
    """``(line, top-level package)`` of each import of a ``forbidden`` package in ``source`` (statically)."""
    found = []
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []  # importing the file reports it, with the line
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module or ""] if isinstance(node, ast.ImportFrom) and not node.level else [])
        found += [(node.lineno, n.split(".")[0]) for n in names if n.split(".")[0] in forbidden]
    return sorted(set(found))


class ForbiddenImports:
    """A meta-path finder refusing the forbidden packages while the student's code runs, as the grader's
    worker does (a course policy, not a security boundary: this is the student's own machine)."""

    def __init__(self, config: CheckConfig):
        self.config = config

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.config.forbidden_imports:
            raise ImportError(forbidden_message(self.config.student_file, top, self.config.forbidden_imports,
                                                self.config.forbidden_reason), name=top)
        return None


@contextlib.contextmanager
def refusing_forbidden_imports(config: CheckConfig):
    """Install ``ForbiddenImports``; forbidden modules already imported (by whoever called us in this
    process) are hidden from ``sys.modules`` meanwhile, as in the grader's fresh worker."""
    if not config.forbidden_imports:
        yield
        return
    hidden = {k: sys.modules.pop(k) for k in list(sys.modules) if k.partition(".")[0] in config.forbidden_imports}
    finder = ForbiddenImports(config)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        with contextlib.suppress(ValueError):
            sys.meta_path.remove(finder)
        sys.modules.update(hidden)


# -- time limit ---------------------------------------------------------------------------------------
class CallTimeout(BaseException):
    """Raised inside the student's code when a call runs out of time. A ``BaseException``: the student's
    ``except Exception`` does not swallow it (a bare ``except:`` may: it is raised again every 0.5 s)."""


class TimeLimit:
    """Per-call time limits: ``SIGALRM`` where it exists (the main thread on Linux and macOS), else
    ``KeyboardInterrupt`` from a timer thread (Windows); a watchdog ends the process when ``grace_s``
    more seconds pass without the call returning (a signal is handled only between bytecodes)."""

    def __init__(self, grace_s: float = 5.0, stuck_exit=None):
        self.grace_s = grace_s
        self.stuck_exit = stuck_exit or self._exit_stuck
        self.use_alarm = hasattr(signal, "SIGALRM") and threading.current_thread() is threading.main_thread()

    @staticmethod
    def _exit_stuck(name: str, timeout_s: float, waited_s: float) -> None:
        sys.stdout.flush()
        sys.stderr.write(f"\ncheck: '{name}' timed out after {timeout_s:g} s and did not stop: {waited_s:g} s "
                         "later it is still running (inside compiled code, or blocking the time-limit signal). "
                         "The remaining tests were not run. On the grader such a call scores 0 for its case.\n")
        sys.stderr.flush()
        os._exit(STUCK_EXIT)

    @staticmethod
    def _raise(signum, frame):
        raise CallTimeout

    def _disarm(self) -> None:
        while True:  # a CallTimeout may land while disarming: disarm again
            try:
                signal.setitimer(signal.ITIMER_REAL, 0)
                return
            except CallTimeout:
                continue

    @contextlib.contextmanager
    def limit(self, name: str, timeout_s: float):
        """Run the ``with`` body with at most ``timeout_s`` seconds; ``CallTimeout`` when it is spent."""
        done = threading.Event()
        expired = threading.Event()

        def watchdog():
            if done.wait(timeout_s):
                return
            expired.set()
            if not self.use_alarm:
                import _thread
                _thread.interrupt_main()
            if not done.wait(self.grace_s):
                self.stuck_exit(name, timeout_s, self.grace_s)

        thread = threading.Thread(target=watchdog, name=f"check-watchdog-{name}", daemon=True)
        previous = previous_int = None
        if self.use_alarm:
            previous = signal.signal(signal.SIGALRM, self._raise)
            signal.setitimer(signal.ITIMER_REAL, timeout_s, 0.5)
        elif threading.current_thread() is threading.main_thread() and not callable(signal.getsignal(signal.SIGINT)):
            # interrupt_main() does nothing while SIGINT is not Python's (ignored: a process started in the
            # background by a non-interactive shell inherits SIG_IGN): Python's handler for the call
            previous_int = signal.signal(signal.SIGINT, signal.default_int_handler)
        thread.start()
        try:
            yield
        except KeyboardInterrupt:
            if expired.is_set() and not self.use_alarm:
                raise CallTimeout from None
            raise
        finally:
            done.set()
            if self.use_alarm:
                self._disarm()
                signal.signal(signal.SIGALRM, previous)
            elif previous_int is not None:
                signal.signal(signal.SIGINT, previous_int)


class TimedFunction:
    """The student's function (or class) as the test files see it in ``check``: called under the time
    limit, with the grader's interface (``autograder/grade/proxies.py``, ``StudentFunction``)."""

    def __init__(self, name: str, fn, state: dict, limit: TimeLimit, timeout_s: float):
        self.__name__, self._fn, self._state, self._limit, self._timeout_s = name, fn, state, limit, timeout_s

    def _run(self, names, timeout_s, thunk):
        for name in names:
            if name in self._state["timed_out"]:
                raise StudentCallError(f"'{name}' is not called again: it timed out earlier in this check "
                                       "(as on the grader)", kind="timeout")
        start = time.perf_counter()
        try:
            with self._limit.limit("/".join(names), timeout_s):
                return thunk()
        except CallTimeout:
            self._state["timed_out"].update(names)
            raise StudentCallError(f"'{'/'.join(names)}' timed out after {timeout_s:g} s (the time limit of one "
                                   "call, as on the grader)", kind="timeout") from None
        finally:
            self._state["student_s"] += time.perf_counter() - start

    def __call__(self, *args, **kwargs):
        return self._run([self.__name__], self._timeout_s, lambda: self._fn(*args, **kwargs))

    def __repr__(self) -> str:
        return f"<student function {self.__name__} (time-limited)>"


# -- the verb -----------------------------------------------------------------------------------------
def load_student_module(file: Path, module_name: str):
    spec = importlib.util.spec_from_file_location(module_name, file)
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # so that dataclasses/pickle inside the student's file work
    spec.loader.exec_module(module)
    return module


def _public_only(files: list[TestFile]) -> list[TestFile]:
    for tf in files:
        tf.cases = [c for c in tf.cases if not c.hidden]
    return [tf for tf in files if tf.cases]


def main(assignment: str, file: Path, *, out=None, timeout_s: float | None = None, grace_s: float = 5.0) -> int:
    """Run the public tests of ``assignment`` on the student's ``file``; return the exit code.

    ``timeout_s`` overrides the assignment's per-call limit; ``grace_s`` is how long a call that ran
    out of time may take to stop before the watchdog ends the process.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    console = Console(file=out, highlight=False, soft_wrap=True)
    file = Path(file)
    config = load_config(assignment)
    if file.suffix != ".py":
        raise UsageError(f"{file}: `check` runs the public tests on a Python file; give it your "
                         f"{config.student_file} (`python -m autograder check {assignment} {config.student_file}`)")
    timeout_s = timeout_s or config.call_timeout_s
    limit = TimeLimit(grace_s)
    try:
        source = file.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{file} is not UTF-8 text (byte {exc.start}): save it as UTF-8, as the grader reads "
                         "it") from None
    bad = forbidden_imports_in(source, config.forbidden_imports)
    for line, top in bad:
        words = forbidden_message(config.student_file, top, config.forbidden_imports, config.forbidden_reason)
        console.print(f"[red]{escape(file.name)}:{line}: {escape(words)}; the grader refuses the import[/red]")
    files = _public_only(load_test_files(config.tests_dir))
    with refusing_forbidden_imports(config):
        try:
            with limit.limit(config.student_file, timeout_s):
                module = load_student_module(file, file.stem)
        except CallTimeout:
            console.print(f"[red]{escape(config.student_file)} could not be imported: importing it timed out after "
                          f"{timeout_s:g} s (the time limit, as on the grader)[/red]")
            return 1
        except BaseException as exc:  # noqa: BLE001 - a syntax error, an exception or sys.exit at import
            # The grader's words (autograder/grade/submission.py, _import_message), then the student's lines.
            detail = " ".join(f"{type(exc).__name__}: {exc}".split())[:400]
            mine = [f for f in traceback.extract_tb(exc.__traceback__)
                    if Path(f.filename).resolve() == file.resolve()]
            where = (f' [File "{config.student_file}", line {mine[-1].lineno}, in {mine[-1].name}]'
                     if mine and "line" not in detail else "")
            lines = ("".join(traceback.format_exception_only(type(exc), exc)) if isinstance(exc, SyntaxError)
                     else "".join(traceback.format_list(mine[-2:])))
            console.print(f"[red]{escape(config.student_file)} could not be imported: {escape(detail + where)}[/red]"
                          f"\n{escape(lines)}")
            return 1
        state = {"timed_out": set(), "student_s": 0.0, "module": module}
        names = {p for tf in files for c in tf.cases for p in c.params if p != "env"}
        env: dict = {}
        for name in names:
            value = getattr(module, name, None)
            env[name] = TimedFunction(name, value, state, limit, timeout_s) if callable(value) else value
        env["env"] = env
        ctx = GradingContext(assignment=assignment, student="local", worker_support_path=config.worker_support)
        results = run_test_files(files, env, ctx)

    table = Table(title=f"{assignment}: public tests on {file.name}")
    for col in ("question", "passed", "points"):
        table.add_column(col)
    first_failure: dict[str, str] = {}
    for tf in files:
        mine = [r for r in results if r.question == tf.name]
        got, top = sum(r.score for r in mine), sum(r.points for r in mine)
        n_ok = sum(r.status == PASSED for r in mine)
        failed = sorted((r for r in mine if r.status != PASSED), key=lambda r: r.points == 0)  # points first
        table.add_row(tf.name, f"{n_ok}/{len(mine)}", f"{got:g}/{top:g}",
                      style="green" if not failed else "yellow" if failed[0].points == 0 else "red")
        if failed:
            note = " (a case worth no points, for information)" if failed[0].points == 0 else ""
            first_failure[tf.name] = f"{failed[0].name}{note}: {failed[0].message}"
    console.print(table)
    for question, message in first_failure.items():
        console.print(f"[bold]{question}[/bold] first failure - {escape(message)}")
    total, top = sum(r.score for r in results), sum(r.points for r in results)
    console.print(f"public tests: {total:g}/{top:g} points. The hidden tests (other inputs, edge cases) run only "
                  "on the grader.")
    if bad:
        console.print(f"[red]{escape(file.name)} imports {', '.join(sorted({t for _, t in bad}))}: remove "
                      "the import(s) named above; the grader refuses them.[/red]")
    return 0 if all(r.status == PASSED for r in results) and not bad else 1
