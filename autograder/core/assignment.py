"""An assignment's configuration, read from ``assignments/<name>/assignment.toml``."""
from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from autograder.core.errors import UsageError

#: The repository root (``autograder/core/assignment.py`` -> repo); ``AUTOGRADER_ROOT`` overrides.
REPO_ROOT = Path(os.environ.get("AUTOGRADER_ROOT") or Path(__file__).resolve().parents[2])


@dataclass
class Question:
    name: str
    """Test file stem in ``tests/`` (otter's ``name``), e.g. ``q07_conv2d``."""
    title: str
    points: float
    """Total of the file's case points (``release`` checks the two agree)."""


@dataclass
class Limits:
    call_timeout_s: float = 10.0
    """Wall-clock limit of one call into the student's code."""
    memory_mb: int = 2048
    """Memory cap of the worker process."""
    submission_timeout_s: float = 600.0
    """Wall-clock budget of a whole submission; the rest of its cases fail when it is spent."""


@dataclass
class Assignment:
    name: str
    title: str
    student_file: str
    """The one file a student submits, e.g. ``cnn_numpy.py``."""
    seed: int
    root: Path
    """Repository root the paths below are relative to."""
    questions: list[Question]
    limits: Limits = field(default_factory=Limits)
    forbidden_imports: tuple[str, ...] = ()
    provided_files: tuple[str, ...] = ()
    """Helper files shipped unchanged next to the student file (under ``solutions/<name>/``)."""
    options: dict = field(default_factory=dict)
    """Free-form per-assignment settings passed to test files through the grading context."""

    @property
    def module_name(self) -> str:
        return Path(self.student_file).stem

    @property
    def source_dir(self) -> Path:
        return self.root / "assignments" / self.name

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
    def points(self) -> float:
        return sum(q.points for q in self.questions)


class AssignmentError(UsageError, ValueError):
    """The assignment's configuration is missing or malformed (message names the file)."""


def load_assignment(name: str, root: Path | None = None) -> Assignment:
    """Read ``<root>/assignments/<name>/assignment.toml``."""
    root = Path(root or REPO_ROOT)
    path = root / "assignments" / name / "assignment.toml"
    if not path.is_file():
        known = sorted(p.parent.name for p in (root / "assignments").glob("*/assignment.toml"))
        raise AssignmentError(f"unknown assignment {name!r}: {path} does not exist (known: {', '.join(known)})")
    try:
        data = tomllib.loads(path.read_text())
        meta = data["assignment"]
        questions = [Question(q["name"], q.get("title", q["name"]), float(q["points"]))
                     for q in data.get("questions", [])]
        return Assignment(
            name=meta["name"], title=meta.get("title", meta["name"]), student_file=meta["student_file"],
            seed=int(meta["seed"]), root=root, questions=questions,
            limits=Limits(**data.get("limits", {})),
            forbidden_imports=tuple(meta.get("forbidden_imports", ())),
            provided_files=tuple(meta.get("provided_files", ())),
            options=data.get("options", {}),
        )
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as exc:
        raise AssignmentError(f"{path}: {type(exc).__name__}: {exc}") from exc
