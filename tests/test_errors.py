"""One error path: does every exception class of the engine derive from ``AutograderError`` (so the CLI
prints it as one line), apart from the few listed below, each for a reason that is checked here?"""
import ast
import builtins
from pathlib import Path

from autograder.core.errors import AutograderError, UsageError

ENGINE = Path(__file__).resolve().parents[1] / "autograder"
BUILTIN = {name for name, obj in vars(builtins).items() if isinstance(obj, type) and issubclass(obj, BaseException)}

#: (module, class) -> why it does not derive from AutograderError
EXEMPT = {
    ("sandbox/wire.py", "WireError"): "wire.py is copied alone into the sandbox: it imports nothing of the package",
    ("sandbox/wire.py", "NotData"): "wire.py is copied alone into the sandbox: it imports nothing of the package",
    ("sandbox/session.py", "_Timeout"): "private signal inside WorkerSession: never leaves a call",
    ("sandbox/session.py", "_WorkerGone"): "private signal inside WorkerSession: never leaves a call",
    ("sandbox/session.py", "_OverBudget"): "private signal inside WorkerSession: never leaves a call",
    ("student/__init__.py", "CallTimeout"): "a BaseException, so that the student's `except Exception` cannot swallow it",
    ("checks/remote.py", "DeadlinePassed"): "a BaseException raised into a trusted in-process call past its deadline: "
                                            "never leaves call_timed",
    ("checks/errors.py", "CheckFailure"): "a test failure (AssertionError); checks/ ships alone in the otter bundle",
    ("checks/errors.py", "StudentCallError"): "a CheckFailure",
}


def _exception_classes() -> dict[tuple[str, str], list[str]]:
    """``{(module, class): [base names]}`` of every class of the engine that derives from an exception."""
    classes = {}
    for path in sorted(ENGINE.rglob("*.py")):
        if "samples" in path.parts:  # doctor's hostile sample submission: data, not engine code
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.ClassDef):
                bases = [b.id if isinstance(b, ast.Name) else b.attr if isinstance(b, ast.Attribute) else ""
                         for b in node.bases]
                classes[(path.relative_to(ENGINE).as_posix(), node.name)] = bases
    names = {}
    for key, bases in classes.items():
        names.setdefault(key[1], []).append(bases)
    exc = set(BUILTIN) | {"ClickException"}
    while True:  # a class is an exception when one of its bases is
        more = {n for n, alternatives in names.items() if any(b in exc for bases in alternatives for b in bases)}
        if more <= exc:
            break
        exc |= more
    return {k: b for k, b in classes.items() if k[1] in exc}


def _derives_from_base(name: str, classes) -> bool:
    if name == "AutograderError":
        return True
    return any(_derives_from_base(b, classes) for (_, n), bases in classes.items() if n == name for b in bases)


def test_every_exception_class_derives_from_autograder_error():
    classes = _exception_classes()
    assert len(classes) >= 20, sorted(classes)  # the walk found them (a broken walk must not pass)
    outside = sorted(f"{m}:{n}" for (m, n) in classes if (m, n) not in EXEMPT
                     and not _derives_from_base(n, classes))
    assert outside == [], f"derive these from autograder.core.errors.AutograderError (or UsageError): {outside}"
    stale = sorted(f"{m}:{n}" for (m, n) in EXEMPT if (m, n) not in classes)
    assert stale == [], f"EXEMPT lists classes that no longer exist: {stale}"


def test_the_exemptions_hold_for_their_reason():
    from autograder.checks.errors import CheckFailure
    from autograder.student import CallTimeout

    assert not issubclass(CallTimeout, Exception)
    assert issubclass(CheckFailure, AssertionError)
    wire = (ENGINE / "sandbox" / "wire.py").read_text()
    assert "from autograder" not in wire and "import autograder" not in wire


def test_usage_errors_exit_2_and_failures_exit_1():
    from autograder.cli import Refused
    from autograder.core.assignment import AssignmentError
    from autograder.release.markers import MarkerError
    from autograder.sandbox.backends import SandboxUnavailable

    for cls in (Refused, AssignmentError, SandboxUnavailable):
        assert issubclass(cls, UsageError) and cls.exit_code == 2
    assert issubclass(MarkerError, AutograderError) and MarkerError.exit_code == 1
