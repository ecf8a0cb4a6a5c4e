"""The grading context a test file reads: the reference solution, seeds, device, hidden flag.

Under our engine the trusted parent installs a context (``use_context``) before running each test
case: the reference module it loaded from ``solutions/``, the assignment seed and the student id.
Under plain ``otter run`` nobody installs one, so ``get_context`` builds a default from
``reference/context.json`` shipped in the otter autograder zip. In the student bundle there is no
reference at all: a public test that asks for one fails loudly (public tests use literals only).
"""
from __future__ import annotations

import contextlib
import contextvars
import hashlib
import importlib.util
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np


class _ReadRecorded:
    """A field whose every read is recorded on the instance (``GradingContext.read_student``): a case
    that read the student key, directly or through ``case_rng``, is known to depend on the student."""

    def __init__(self, default: str):
        self.default = default

    def __set_name__(self, owner, name: str) -> None:
        self.slot = f"_{name}"

    def __get__(self, obj, owner=None):
        if obj is None:  # the dataclass asks for the field's default
            return self.default
        obj.__dict__["read_student"] = True
        return obj.__dict__[self.slot]

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.slot] = value


@dataclass
class GradingContext:
    """What a test case may know about the grading run it is part of."""

    assignment: str = ""
    """Assignment name (its folder under ``assignments/``)."""
    seed: int = 0
    """Assignment seed from assignment.toml; hidden inputs derive from it and the student id."""
    student: str = _ReadRecorded("otter")  # type: ignore[assignment]
    """Student key (the submission's id unless the batch gives keys); ``"otter"`` under plain otter run.
    Reading it marks the context (``read_student``)."""
    device: str = "cpu"
    """Where the reference (and the student's torch models) run: ``"cpu"`` or ``"cuda"``."""
    reference_path: Path | None = None
    """The reference solution file, loaded lazily in THIS (trusted) process."""
    hidden: bool = False
    """True while a hidden case runs: messages then leave out shapes and values."""
    options: dict = field(default_factory=dict)
    """The ``[options]`` table of assignment.toml (``autograder.core.assignment.Options`` as a dict)."""
    parent_support_path: Path | None = None
    """The assignment's ``[support] parent`` file (hidden-data generators), loaded lazily in THIS (trusted)
    process by ``parent_support()``; None where it is not shipped (the student bundle)."""
    worker_support_path: Path | None = None
    """The assignment's ``[support] worker`` file: its functions run where the student's code runs
    (``autograder.checks.remote.helper``); ``worker_support()`` loads it here too."""
    secret: str = ""
    """The course secret (``AG_COURSE_SECRET``; empty for local use): hidden inputs derive from it."""
    submission_sha256: str = ""
    """sha256 of the graded file: any edit of the submission draws new hidden inputs."""
    verified: set = field(default_factory=set)
    """Names of the student's functions whose result passed a value check in the current case: an
    invalid-argument check (``expect_raises``) counts only after one (the engine resets it per case)."""
    per_student_cases: set | None = None
    """When a set (``verify``'s sweeps over student ids), the engine adds to it ``(question, case)`` of
    every case whose context had ``read_student`` set: the cases whose result may differ between ids."""
    memo: dict = field(default_factory=dict, repr=False, compare=False)
    """``per_submission``'s values: one dict per grading run, shared by its cases (``replace`` keeps it);
    ``verify``'s sweeps share one across the student ids of a file."""
    read_student: bool = field(default=False, init=False, repr=False, compare=False)
    """Set when ``student`` was read (by a test, by ``case_rng``): the engine gives each case a fresh
    context, so it tells whether that case drew anything per student."""

    def load_reference(self) -> ModuleType:
        if self.reference_path is None or not Path(self.reference_path).is_file():
            raise RuntimeError("the reference solution is not available here: only the grader computes "
                               "expected values (public tests must compare with literals)")
        return _load_module(self.reference_path, f"_reference_{self.assignment or 'solution'}")


_MODULES: dict[tuple[Path, int], ModuleType] = {}
_MODULES_LOCK = threading.RLock()  # re-entrant: a support module may load another


def _load_module(path: Path, name: str) -> ModuleType:
    """The trusted Python file ``path`` as a module, executed once per process (again if the file changes)."""
    path = Path(path).resolve()
    key = (path, path.stat().st_mtime_ns)
    with _MODULES_LOCK:  # ``grade -j N``: one execution per file even when threads ask at once
        if key not in _MODULES:
            spec = importlib.util.spec_from_file_location(name, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            _MODULES[key] = module
        return _MODULES[key]


#: The context of the submission being graded: ``grade -j N`` grades in N processes, one submission at a time each.
_current: contextvars.ContextVar[GradingContext | None] = contextvars.ContextVar("grading_context", default=None)


def _default_context() -> GradingContext:
    """Context when no engine installed one: under plain ``otter run``, from ``reference/context.json``
    next to the tests (the otter zip); in the student bundle (its notebook's ``grader.check``), from the
    ``check`` configuration ``autograder/student/assignment.json``: no reference, no parent support, the
    worker support file (public cases may call its helpers)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        meta = base / "reference" / "context.json"
        if meta.is_file():
            info = json.loads(meta.read_text())
            support = {f"{k}_path": meta.parent / info[k] for k in ("parent_support", "worker_support")
                       if info.get(k)}
            return GradingContext(assignment=info["assignment"], seed=int(info["seed"]),
                                  reference_path=meta.parent / info["reference"],
                                  options=info.get("options", {}), **support)
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        bundle = base / "autograder" / "student" / "assignment.json"
        if bundle.is_file():
            info = json.loads(bundle.read_text())
            worker = info.get("worker_support")
            return GradingContext(assignment=info.get("assignment", ""), student="local",
                                  worker_support_path=base / worker if worker else None)
    return GradingContext()


def get_context() -> GradingContext:
    ctx = _current.get()
    if ctx is None:
        ctx = _default_context()
        _current.set(ctx)
    return ctx


@contextlib.contextmanager
def use_context(ctx: GradingContext):
    """Install ``ctx`` for the duration of a ``with`` block (the engine does this per case)."""
    token = _current.set(ctx)
    try:
        yield ctx
    finally:
        _current.reset(token)


def reference() -> ModuleType:
    """The reference solution module, loaded in the trusted process."""
    return get_context().load_reference()


def parent_support() -> ModuleType:
    """The assignment's ``[support] parent`` module (assignment.toml), loaded in this trusted process: where
    hidden data is generated (e.g. a fresh test set whose labels never leave the grader). Only the grader
    has it: a public case that calls it fails loudly in the student bundle."""
    ctx = get_context()
    path = ctx.parent_support_path
    if path is None or not Path(path).is_file():
        raise RuntimeError(f"the parent support file of {ctx.assignment or 'this assignment'} is not available "
                           "here: only the grader has it (a public case must not use it), and assignment.toml "
                           "must declare it as [support] parent")
    return _load_module(path, f"_parent_support_{ctx.assignment or 'assignment'}")


def worker_support() -> ModuleType | None:
    """The assignment's ``[support] worker`` module, loaded in this process (None if it has none). Its
    functions normally run where the student's code runs (``autograder.checks.remote.helper``); a test may
    also call one here to build the grader's own copy of something (e.g. a small trusted model)."""
    ctx = get_context()
    path = ctx.worker_support_path
    if path is None:
        return None
    if not Path(path).is_file():
        raise RuntimeError(f"the worker support file {Path(path).name} of {ctx.assignment or 'this assignment'} "
                           "is missing here")
    return _load_module(path, f"_worker_support_{ctx.assignment or 'assignment'}")


def _stable_int(text: str) -> int:
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def course_secret() -> str:
    """The per-course secret hidden inputs derive from: the environment variable ``AG_COURSE_SECRET``
    (set it on the grading machine, e.g. in Gradescope's autograder environment; never commit it).
    Without it (local runs, CI) the derivation uses public values only: still per student and per
    file, but reproducible by anyone who has the hidden test files."""
    import os

    return os.environ.get("AG_COURSE_SECRET", "")


def case_rng(label: str) -> np.random.Generator:
    """A generator seeded from (course secret, assignment seed, student id, sha256 of the submission,
    ``label``): the same file regrades identically; another student, another case or any edit of the
    file draws different inputs (README, "Grading: the trust boundary")."""
    ctx = get_context()
    return np.random.default_rng([_stable_int(ctx.secret), ctx.seed, _stable_int(ctx.student),
                                  _stable_int(ctx.submission_sha256), _stable_int(label)])


def per_submission(label: str, compute):
    """``compute()`` once per graded submission: every case that asks for ``label`` gets the same value,
    or the same ``AssertionError`` raised again (a ``StudentCallError`` or ``CheckFailure``: e.g. one
    training run shared by several cases, its failure included). Any other exception is not kept.

    Where the store outlives one student (``verify``'s sweeps over ids: the same file bytes), a value
    whose computation read nothing per student (no ``case_rng``, no ``student``) is shared by every id;
    one that did is kept per student, and a case that takes it counts as having read the student key.
    So put what does not depend on the student (training on the standard data) in its own
    ``per_submission`` and draw per-student inputs outside it; the cases that take a value must not
    change it (a trained model is only asked for predictions)."""
    ctx = get_context()
    student = ctx.__dict__.get("_student", "")  # looked up without marking the case
    for key in ((label, None), (label, student)):
        if key in ctx.memo:
            if key[1] is not None:
                ctx.read_student = True
            ok, value = ctx.memo[key]
            if not ok:
                raise value
            return value
    before, ctx.read_student = ctx.read_student, False
    try:
        outcome = (True, compute())
    except AssertionError as exc:
        outcome = (False, exc)
    finally:
        drew, ctx.read_student = ctx.read_student, ctx.read_student or before
    ctx.memo[(label, student) if drew else (label, None)] = outcome
    if not outcome[0]:
        raise outcome[1]
    return outcome[1]


def datasets_package():
    """The ``datasets`` package shipped with the assignment: importable already (repo, grader), or
    found next to the notebook / in a parent folder (student bundle, otter zip)."""
    import sys

    try:
        import datasets
    except ImportError:
        for base in (Path.cwd(), *Path.cwd().parents):
            if (base / "datasets" / "__init__.py").is_file():
                sys.path.insert(0, str(base))
                break
        import datasets
    return datasets
