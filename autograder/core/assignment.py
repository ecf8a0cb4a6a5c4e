"""An assignment's configuration, read from ``assignments/<name>/assignment.toml`` into typed dataclasses.

Every table and key is declared here; an unknown key, a missing required key or a value of the wrong
type is refused with an ``AssignmentError`` naming the file, the table and the key. The tables:

* ``[assignment]``: ``Assignment``'s own fields (name, title, student_file, seed, ...);
* ``[options]``: ``Options`` (what the bundles ship, how hidden cases are shown);
* ``[limits]``: ``autograder.core.calls.Limits``, the one set of limits of a worker and its calls;
* ``[support]``: ``Support``, the assignment's own trusted Python files (see ``docs/authoring.md``);
* ``[demo]``: ``Demo``, the sample class ``python -m autograder demo`` grades (optional);
* ``[[questions]]``: one ``Question`` per test file.
"""
from __future__ import annotations

import math
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field, fields
from pathlib import Path

from autograder.core.calls import Limits
from autograder.core.errors import UsageError

#: The repository root (``autograder/core/assignment.py`` -> repo); ``AUTOGRADER_ROOT`` overrides.
REPO_ROOT = Path(os.environ.get("AUTOGRADER_ROOT") or Path(__file__).resolve().parents[2])

#: Gradescope's visibility values for a test (``hidden_visibility`` applies to the hidden cases).
VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


@dataclass(frozen=True)
class Question:
    name: str
    """Test file stem in ``tests/`` (otter's ``name``), e.g. ``q07_conv2d``."""
    points: float
    """Total of the file's case points (``release`` checks the two agree)."""
    title: str = ""
    """Shown in reports and the handout's table; defaults to ``name``."""


@dataclass(frozen=True)
class Options:
    student_packages: tuple[str, ...] = ()
    """What a student installs (the bundle's requirements.txt), pinned from the repository's requirements.txt."""
    bundle_files: tuple[str, ...] = ()
    """Files or folders (relative to the repository root) shipped unchanged in every bundle: data, loaders."""
    forbidden_reason: str = ""
    """Why ``forbidden_imports`` are refused, quoted in the student's message."""
    hidden_visibility: str = "visible"
    """Gradescope visibility of the hidden cases' results (one of ``VISIBILITIES``)."""


@dataclass(frozen=True)
class Support:
    """The assignment's own trusted Python files, relative to ``assignments/<name>/``."""

    parent: str | None = None
    """Loaded in the grader process (``autograder.checks.parent_support()``): hidden-data generators and
    other code that must never reach the student. Shipped in the Gradescope and otter zips, never in the
    student bundle."""
    worker: str | None = None
    """Functions run where the student's code runs (``autograder.checks.helper``): copied into each worker
    under a random module name, shipped in every bundle (the student can read it in the worker anyway)."""


@dataclass(frozen=True)
class Demo:
    """The sample class of ``python -m autograder demo`` (``autograder/demo.py``): the demo grades the first
    assignment, by name, whose ``[demo]`` table names students."""

    mutant_students: dict[str, str] = field(default_factory=dict)
    """Sample student name -> the mutant (``solutions/<a>/mutants/``) their submission is."""


@dataclass(frozen=True)
class Grading:
    """``[grading]``: how the exports turn a score into a grade (``autograder.export``)."""

    late_penalty: float = 0.0
    """The fraction of the score taken off a submission intake marked late (0: none), in [0, 1]."""


@dataclass(frozen=True)
class Assignment:
    name: str
    student_file: str
    """The one file a student submits, e.g. ``cnn_numpy.py``."""
    seed: int
    root: Path
    """Repository root the paths below are relative to."""
    questions: tuple[Question, ...] = ()
    title: str = ""
    limits: Limits = field(default_factory=Limits)
    forbidden_imports: tuple[str, ...] = ()
    provided_files: tuple[str, ...] = ()
    """Helper files shipped unchanged next to the student file (under ``solutions/<name>/``)."""
    options: Options = field(default_factory=Options)
    support: Support = field(default_factory=Support)
    demo: Demo = field(default_factory=Demo)
    grading: Grading = field(default_factory=Grading)

    @property
    def module_name(self) -> str:
        return Path(self.student_file).stem

    @property
    def source_dir(self) -> Path:
        return self.root / "assignments" / self.name

    @property
    def toml_path(self) -> Path:
        return self.source_dir / "assignment.toml"

    @property
    def tests_dir(self) -> Path:
        return self.source_dir / "tests"

    @property
    def solution_dir(self) -> Path:
        return self.root / "solutions" / self.name

    @property
    def solution_file(self) -> Path:
        return self.solution_dir / self.student_file

    @property
    def mutants_dir(self) -> Path:
        return self.solution_dir / "mutants"

    @property
    def starter_dir(self) -> Path:
        return self.root / "starter_code" / self.name

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist" / self.name

    @property
    def parent_support_file(self) -> Path | None:
        return self.source_dir / self.support.parent if self.support.parent else None

    @property
    def worker_support_file(self) -> Path | None:
        return self.source_dir / self.support.worker if self.support.worker else None

    @property
    def points(self) -> float:
        return sum(q.points for q in self.questions)


class AssignmentError(UsageError, ValueError):
    """The assignment's configuration is missing or malformed (message names the file)."""


def _type_ok(value, hint) -> bool:
    """Is the TOML ``value`` acceptable for a field annotated ``hint``?"""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_type_ok(value, a) for a in args)
    if hint is type(None):
        return value is None
    if origin is tuple:  # tuple[X, ...]: a TOML array of X
        return isinstance(value, list) and all(_type_ok(v, args[0]) for v in value)
    if origin is dict:  # dict[K, V]: a TOML inline table
        return isinstance(value, dict) and all(_type_ok(v, args[1]) for v in value.values())
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint) -> str:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_describe(a) for a in args if a is not type(None))
    if origin is tuple:
        return f"an array of {_describe(args[0])}"
    if origin is dict:
        return f"a table of {_describe(args[1])}"
    return {str: "a string", int: "an integer", float: "a number", bool: "true or false"}.get(hint, hint.__name__)


def _fill(cls, data, where: str, *, skip: tuple[str, ...] = (), required: tuple[str, ...] = ()) -> dict:
    """``data`` (one TOML table) checked against ``cls``'s fields: ``{field: value}`` with arrays as tuples.
    ``where`` names the file and table for messages; ``skip`` fields are not settable from the table."""
    if not isinstance(data, dict):
        raise AssignmentError(f"{where}: expected a table, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    known = [f.name for f in fields(cls) if f.name not in skip]
    out = {}
    for key, value in data.items():
        if key not in known:
            raise AssignmentError(f"{where}: unknown key {key!r} (known: {', '.join(known)})")
        if not _type_ok(value, hints[key]):
            raise AssignmentError(f"{where}: {key} = {value!r} must be {_describe(hints[key])}")
        out[key] = tuple(value) if isinstance(value, list) else float(value) if hints[key] is float else value
    for key in required:
        if key not in out:
            raise AssignmentError(f"{where}: the required key {key!r} is missing")
    return out


def _support_path(path: Path, key: str, rel: str | None, source_dir: Path) -> None:
    if rel is None:
        return
    full = (source_dir / rel).resolve()
    if not full.is_relative_to(source_dir.resolve()) or full.suffix != ".py" or not full.is_file():
        raise AssignmentError(f"{path} [support]: {key} = {rel!r} must name a .py file inside {source_dir}")


def _check_limits(path: Path, limits: Limits) -> None:
    """Every limit a positive number (``cpus`` may be 0: no CPU quota; ``max_restarts`` 0: none;
    ``import_timeout_s`` may be unset):
    a zero or negative one would fail every submission, the reference included, with a puzzling message."""
    for f in fields(limits):
        value = getattr(limits, f.name)
        if value is None and f.name == "import_timeout_s":
            continue
        low_ok = f.name in ("cpus", "max_restarts")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0 \
                or (value == 0 and not low_ok):
            raise AssignmentError(f"{path} [limits]: {f.name} = {value!r} must be a number above 0"
                                  + (" (or 0)" if low_ok else ""))


def parse_assignment(path: Path, root: Path) -> Assignment:
    """The ``Assignment`` described by the TOML file ``path`` (the repository root ``root``)."""
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise AssignmentError(f"{path}: not valid TOML: {exc}") from exc
    tables = {"assignment", "options", "limits", "support", "demo", "grading", "questions"}
    for key in data:
        if key not in tables:
            raise AssignmentError(f"{path}: unknown table [{key}] (known: {', '.join(sorted(tables))})")
    meta = _fill(Assignment, data.get("assignment", {}), f"{path} [assignment]",
                 skip=("root", "questions", "limits", "options", "support", "demo", "grading"),
                 required=("name", "student_file", "seed"))
    if meta["name"] != path.parent.name:
        raise AssignmentError(f"{path} [assignment]: name = {meta['name']!r} must be the folder's name "
                              f"{path.parent.name!r}")
    meta.setdefault("title", meta["name"])
    options = Options(**_fill(Options, data.get("options", {}), f"{path} [options]"))
    if options.hidden_visibility not in VISIBILITIES:
        raise AssignmentError(f"{path} [options]: hidden_visibility = {options.hidden_visibility!r} must be one of "
                              f"{', '.join(VISIBILITIES)}")
    limits = Limits(**_fill(Limits, data.get("limits", {}), f"{path} [limits]"))
    _check_limits(path, limits)

    support = Support(**_fill(Support, data.get("support", {}), f"{path} [support]"))
    for key in ("parent", "worker"):
        _support_path(path, key, getattr(support, key), path.parent)
    demo = Demo(**_fill(Demo, data.get("demo", {}), f"{path} [demo]"))
    grading = Grading(**_fill(Grading, data.get("grading", {}), f"{path} [grading]"))
    penalty = grading.late_penalty
    if isinstance(penalty, bool) or not isinstance(penalty, (int, float)) or not 0 <= penalty <= 1:
        raise AssignmentError(f"{path} [grading]: late_penalty must be a number in [0, 1], got {penalty!r}")
    questions = data.get("questions", [])
    if not isinstance(questions, list):
        raise AssignmentError(f"{path}: questions must be an array of tables ([[questions]])")
    qs = []
    for i, q in enumerate(questions, 1):
        qd = _fill(Question, q, f"{path} [[questions]] #{i}", required=("name", "points"))
        qs.append(Question(**{"title": qd["name"], **qd}))
    return Assignment(**meta, root=root, questions=tuple(qs), limits=limits, options=options, support=support,
                      demo=demo, grading=grading)


def load_assignment(name: str, root: Path | None = None) -> Assignment:
    """Read ``<root>/assignments/<name>/assignment.toml``."""
    root = Path(root or REPO_ROOT)
    path = root / "assignments" / name / "assignment.toml"
    if not path.is_file():
        known = sorted(p.parent.name for p in (root / "assignments").glob("*/assignment.toml"))
        raise AssignmentError(f"unknown assignment {name!r}: {path} does not exist (known: {', '.join(known)})")
    return parse_assignment(path, root)
