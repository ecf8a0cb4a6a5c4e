"""``release``: solutions/ + assignments/ -> starter_code/ and dist/ bundles.

The pipeline is an explicit, ordered list of small steps (``PIPELINE``); each step takes the
``Release`` state and adds to it. ``--check`` runs the same steps up to the starter code and
compares instead of writing, so CI fails when ``starter_code/`` is stale.
"""
from __future__ import annotations

import ast
import functools
import json
import logging
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

from autograder.core.assignment import Assignment, load_assignment
from autograder.core.errors import AutograderError
from autograder.release.bundle import tree_files, write_zip
from autograder.release.headers import header, stamp_header
from autograder.release.markers import BEGIN, strip_hidden_tests, strip_solutions

log = logging.getLogger(__name__)


class ReleaseError(AutograderError, RuntimeError):
    """The assignment cannot be released (the message names the file and the problem)."""


@dataclass
class Release:
    assignment: Assignment
    check: bool = False
    starter: dict[str, str] = field(default_factory=dict)
    """Starter files: name relative to ``starter_code/<a>/`` -> text."""
    public_tests: dict[str, str] = field(default_factory=dict)
    """Public test files: ``tests/<name>.py`` -> text (hidden cases stripped)."""
    notebook: str | None = None
    """The student notebook (.ipynb JSON text)."""
    requirements: str = ""
    """The student bundle's requirements.txt (pinned from the repository's)."""
    stale: list[str] = field(default_factory=list)
    outputs: list[Path] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    """What the release leaves to the instructor's judgement (a question the notebook does not check)."""
    dist: Path | None = None
    """Where the zips go; None = ``dist/<a>/`` of the repository."""
    starter_out: Path | None = None
    """Where the starter files go; None = ``starter_code/<a>/`` of the repository."""

    @functools.cached_property
    def test_files(self) -> list:
        """The assignment's test files (``autograder.core.testfiles``), loaded once per release."""
        from autograder.core.testfiles import load_test_files

        return load_test_files(self.assignment.tests_dir)

    @property
    def dist_dir(self) -> Path:
        return self.dist if self.dist is not None else self.assignment.dist_dir

    @property
    def starter_dir(self) -> Path:
        return self.starter_out if self.starter_out is not None else self.assignment.starter_dir

    def rel(self, path: Path) -> str:
        return path.relative_to(self.assignment.root).as_posix()


def validate_points(r: Release) -> None:
    """Each question's points in assignment.toml equal the sum of its test file's case points."""
    files = {tf.name: tf for tf in r.test_files}
    toml = r.assignment.source_dir / "assignment.toml"
    for q in r.assignment.questions:
        if q.name not in files:
            raise ReleaseError(f"{toml}: question {q.name} has no test file tests/{q.name}.py")
        if abs(files[q.name].points - q.points) > 1e-9:
            raise ReleaseError(f"{toml}: {q.name} is worth {q.points} points but its cases add up to "
                               f"{files[q.name].points}")
    extra = set(files) - {q.name for q in r.assignment.questions}
    if extra:
        raise ReleaseError(f"{toml}: test files {sorted(extra)} are not listed as questions")


def check_bundle_files(r: Release) -> None:
    """Each ``[options] bundle_files`` entry names a file or folder inside the repository (it is shipped)."""
    a = r.assignment
    for rel in a.options.bundle_files:
        full = (a.root / rel).resolve()
        if not full.is_relative_to(a.root.resolve()) or not full.exists():
            raise ReleaseError(f"{a.source_dir / 'assignment.toml'} [options]: bundle_files entry {rel!r} must name "
                               f"a file or folder inside {a.root} (relative to it): {a.root / rel} does not exist "
                               "or is outside it")


def check_handout(r: Release) -> None:
    """The handout's questions table lists each question of assignment.toml with its points."""
    from autograder.release.handout import HandoutError, check_points_table

    if (r.assignment.source_dir / "handout.md").is_file():
        try:
            check_points_table(r.assignment)
        except HandoutError as exc:
            raise ReleaseError(str(exc)) from exc


def pin_requirements(r: Release) -> None:
    """The student packages of assignment.toml, pinned from the repository's requirements.txt."""
    from autograder.release.environment import RequirementsError, student_requirements

    try:
        r.requirements = student_requirements(r.assignment)
    except RequirementsError as exc:
        raise ReleaseError(str(exc)) from exc


def make_starter(r: Release) -> None:
    """Strip solutions from the student file; provided files are copied as they are. Every function or
    class the test cases take from the student file must lose something (a marked region): one without a
    marker would ship whole, the answer in the student bundle."""
    a = r.assignment
    for name in (a.student_file, *a.provided_files):
        src = a.solution_dir / name
        text = src.read_text()
        body = strip_solutions(text, r.rel(src)) if name == a.student_file else text
        if name == a.student_file:
            _check_every_answer_is_stripped(r, src, text, body)
        r.starter[name] = stamp_header(body, r.rel(src))


def _definitions(source: str, filename: str) -> dict[str, str]:
    """``{name: source}`` of the module-level functions and classes of ``source``."""
    import ast

    return {node.name: ast.get_source_segment(source, node) or "" for node in ast.parse(source, filename).body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}


def _check_every_answer_is_stripped(r: Release, src: Path, solution: str, starter: str) -> None:
    graded = {p for tf in r.test_files for c in tf.cases for p in c.params}
    try:
        ours, theirs = _definitions(solution, "solution"), _definitions(starter, "starter")
    except SyntaxError as exc:
        which = "the solution" if exc.filename == "solution" else "the starter made from it"
        raise ReleaseError(f"{r.rel(src)}: {which} does not compile (line {exc.lineno}: {exc.msg})") from None
    whole = sorted(n for n in graded & set(ours) if theirs.get(n) == ours[n])
    if whole:
        raise ReleaseError(f"{r.rel(src)}: {', '.join(whole)} {'has' if len(whole) == 1 else 'have'} no solution "
                           f"marker ('{BEGIN}' ... '# END SOLUTION', or a '# SOLUTION' line): the test cases take "
                           f"{'it' if len(whole) == 1 else 'them'} from the student file, and the starter would ship "
                           "the answer whole (a definition given to students belongs in a provided file)")


def split_public_hidden(r: Release) -> None:
    """Public test files for the student bundle: hidden cases and helpers removed."""
    for path in sorted(r.assignment.tests_dir.glob("*.py")):
        public = strip_hidden_tests(path.read_text(), r.rel(path))
        r.public_tests[f"tests/{path.name}"] = stamp_header(public, r.rel(path))


def build_notebook(r: Release) -> None:
    """assignments/<a>/notebook.py (jupytext percent format) -> the student's .ipynb."""
    src = r.assignment.source_dir / "notebook.py"
    if not src.is_file():
        return
    import jupytext
    import nbformat

    nb = jupytext.reads(src.read_text(), fmt="py:percent")
    check_notebook_questions(r, src, [c.source for c in nb.cells if c.cell_type == "code"])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata.pop("jupytext", None)
    nb.cells.insert(0, nbformat.v4.new_markdown_cell(header(r.rel(src), comment="<!--").rstrip() + " -->"))
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"cell-{i:03d}"  # stable ids: a rebuild is byte-identical
    r.notebook = nbformat.writes(nb) + "\n"


def grader_checks(cell: str) -> list[str]:
    """The questions a code cell's ``grader.check("<q>")`` / ``grader.check(question="<q>")`` calls name
    (parsed: a comment or a string naming one is not a call; IPython's ``%``/``!`` lines are left out)."""
    code = "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in cell.splitlines())
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return []
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "check" \
                and isinstance(node.func.value, ast.Name) and node.func.value.id == "grader":
            given = node.args[:1] + [k.value for k in node.keywords if k.arg == "question"]
            names += [a.value for a in given if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return names


def check_notebook_questions(r: Release, src: Path, cells: list[str]) -> None:
    """Each ``grader.check`` of the notebook's code ``cells`` names a question of assignment.toml (another
    name fails in the student's cell); a question with no ``grader.check`` cell is a warning (its public
    tests run only from ``python -m autograder check``)."""
    questions = [q.name for q in r.assignment.questions]
    named = [q for cell in cells for q in grader_checks(cell)]
    unknown = sorted(set(named) - set(questions))
    if unknown:
        raise ReleaseError(f"{r.rel(src)}: grader.check({unknown[0]!r}) names no question of assignment.toml "
                           f"(the questions: {', '.join(questions)})")
    r.warnings += [f"{r.rel(src)} has no grader.check({q!r}) cell: students see {q}'s public tests only "
                   "through `python -m autograder check`" for q in questions if q not in named]


def write_starter(r: Release) -> None:
    """Write starter_code/<a>/ (or, with --check, list the files that differ)."""
    out_dir = r.starter_dir
    expected = dict(r.starter)
    if r.notebook is not None:
        expected[f"{r.assignment.name}.ipynb"] = r.notebook
    if r.check:
        for name, text in expected.items():
            path = out_dir / name
            if not path.is_file() or path.read_text() != text:
                r.stale.append(r.rel(path))
        return
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, text in expected.items():
        (out_dir / name).write_text(text)
        r.outputs.append(out_dir / name)


#: The parts of the ``autograder`` package a bundle needs: test files import ``autograder.checks``;
#: the student bundle also runs ``python -m autograder check``. No engine, sandbox or doctor code.
SUPPORT = {
    "student": ("__init__.py", "__main__.py", "cli.py", "checks", "core", "student", "grade/__init__.py",
                "grade/runner.py"),
    "otter": ("__init__.py", "checks"),
    "gradescope": ("",),  # the whole engine: it grades with the sandbox
}


#: The engine's own package: bundles copy it from here, whatever the assignment's root.
ENGINE = Path(__file__).resolve().parents[1]


def _support_package(kind: str) -> dict[str, bytes]:
    """The ``SUPPORT[kind]`` subset of the ``autograder`` package, as bundle entries."""
    files = {}
    for rel in SUPPORT[kind]:
        src = ENGINE / rel
        files.update(tree_files(src, f"autograder/{rel}".rstrip("/"), suffixes=(".py",)) if src.is_dir()
                     else {f"autograder/{rel}": src.read_bytes()})
    return files


def check_config(a: Assignment) -> dict:
    """What the bundle's ``check`` needs from assignment.toml, which the bundle does not ship (it holds
    the hidden-input seed): read by ``autograder/student/__init__.py`` as ``autograder/student/assignment.json``."""
    return {"generated": header("assignments/<a>/assignment.toml").strip("# \n").replace("<a>", a.name),
            "assignment": a.name, "title": a.title, "student_file": a.student_file,
            "forbidden_imports": list(a.forbidden_imports), "forbidden_reason": a.options.forbidden_reason,
            "call_timeout_s": a.limits.call_timeout_s, "worker_support": a.support.worker}


def zip_student_bundle(r: Release) -> None:
    """dist/<a>/student.zip: starter, public tests, notebook, README (set-up + handout), requirements.txt,
    data, the ``check`` verb and its configuration; no hidden test, no solution, no seed."""
    from autograder.release.environment import setup_section
    from autograder.release.handout import student_readme

    a, prefix = r.assignment, r.assignment.name
    files = {f"{prefix}/{name}": text.encode() for name, text in {**r.starter, **r.public_tests}.items()}
    if r.notebook is not None:
        files[f"{prefix}/{a.name}.ipynb"] = r.notebook.encode()
    handout = a.source_dir / "handout.md"
    setup = setup_section(a, r.requirements)
    readme = student_readme(handout.read_text() if handout.is_file() else f"# {a.title}\n", setup, r.rel(handout))
    files[f"{prefix}/README.md"] = readme.encode()
    files[f"{prefix}/requirements.txt"] = r.requirements.encode()
    files[f"{prefix}/autograder/student/assignment.json"] = (json.dumps(check_config(a), indent=1) + "\n").encode()
    if a.support.worker:  # public cases may call its helpers; never the parent support (hidden data)
        files[f"{prefix}/{a.support.worker}"] = a.worker_support_file.read_bytes()
    for rel in a.options.bundle_files:
        src = a.root / rel
        files.update(tree_files(src, f"{prefix}/{rel}") if src.is_dir() else {f"{prefix}/{rel}": src.read_bytes()})
    files.update({f"{prefix}/{k}": v for k, v in _support_package("student").items()})
    r.outputs.append(write_zip(r.dist_dir / "student.zip", files))


def make_otter_zip(r: Release) -> None:
    """dist/<a>/otter-autograder.zip with otter's own ``otter generate`` (plain ``otter run`` works on it).

    Support files must be sub-packages for otter: ``autograder/`` (check helpers) and ``reference/``
    (the reference solution and the default grading context, read by ``autograder.checks.context``).
    """
    a = r.assignment
    out = r.dist_dir / "otter-autograder.zip"
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        stage = Path(tmp)
        for name, data in _support_package("otter").items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        ref = stage / "reference"
        ref.mkdir()
        (ref / a.student_file).write_bytes(a.solution_file.read_bytes())
        for name in a.provided_files:
            (ref / name).write_bytes((a.solution_dir / name).read_bytes())
        support = {}
        for key, rel in (("parent_support", a.support.parent), ("worker_support", a.support.worker)):
            if rel:  # plain ``otter run`` grades hidden cases too: both support files, read by checks/context.py
                (ref / rel).parent.mkdir(parents=True, exist_ok=True)
                (ref / rel).write_bytes((a.source_dir / rel).read_bytes())
                support[key] = rel
        (ref / "context.json").write_text(json.dumps(
            {"assignment": a.name, "seed": a.seed, "reference": a.student_file, "options": asdict(a.options),
             **support}, indent=1))
        tests = stage / "tests"
        tests.mkdir()
        for path in sorted(a.tests_dir.glob("*.py")):
            (tests / path.name).write_bytes(path.read_bytes())
        support = ["autograder", "reference"]
        for rel in a.options.bundle_files:  # data and loaders the tests need
            files = tree_files(a.root / rel, rel) if (a.root / rel).is_dir() else {rel: (a.root / rel).read_bytes()}
            for name, data in files.items():
                (stage / name).parent.mkdir(parents=True, exist_ok=True)
                (stage / name).write_bytes(data)
            if Path(rel).parts[0] not in support:
                support.append(Path(rel).parts[0])
        cmd = [sys.executable, "-m", "otter", "generate", "-t", "tests", "-o", str(out), "--no-config",
               "--no-requirements", "--no-environment", *support]
        done = subprocess.run(cmd, cwd=stage, capture_output=True, text=True)
        if done.returncode != 0:
            raise ReleaseError(f"otter generate failed for {a.name}:\n{done.stdout}\n{done.stderr}")
    r.outputs.append(out)


def make_gradescope_zip(r: Release) -> None:
    """dist/<a>/autograder.zip for Gradescope: grades with our sandboxed engine (``run_autograder``)."""
    from autograder.release.gradescope import gradescope_files

    a = r.assignment
    files = gradescope_files(a, _support_package("gradescope"))
    for rel in a.options.bundle_files:
        src = a.root / rel
        files.update(tree_files(src, rel) if src.is_dir() else {rel: src.read_bytes()})
    r.outputs.append(write_zip(r.dist_dir / "autograder.zip", files, executable=frozenset({"setup.sh", "run_autograder"})))


#: The release pipeline, in order; ``writes_dist`` steps are skipped by ``--check``.
PIPELINE = [validate_points, check_bundle_files, check_handout, pin_requirements, make_starter, split_public_hidden, build_notebook,
            write_starter, zip_student_bundle, make_otter_zip, make_gradescope_zip]
DIST_STEPS = {zip_student_bundle, make_otter_zip, make_gradescope_zip}
assert PIPELINE.index(split_public_hidden) < PIPELINE.index(zip_student_bundle), "bundle needs public tests"
assert PIPELINE.index(build_notebook) < PIPELINE.index(write_starter), "starter includes the notebook"
assert PIPELINE.index(pin_requirements) < PIPELINE.index(zip_student_bundle), "bundle needs requirements.txt"


def main(assignment: str, *, check: bool = False, root: Path | None = None, dist: Path | None = None,
         starter: Path | None = None) -> Release:
    """Release ``assignment``: regenerate ``starter_code/<assignment>/`` and write ``dist/<assignment>/``.

    With ``check=True`` nothing is written; ``Release.stale`` lists starter files that differ from
    what the solutions generate. ``dist`` and ``starter`` put the zips and the starter files elsewhere
    (the demo and ``verify`` write only into their own folders, never into the repository).
    """
    r = Release(load_assignment(assignment, root), check=check, dist=Path(dist) if dist is not None else None,
                starter_out=Path(starter) if starter is not None else None)
    for step in PIPELINE:
        if check and step in DIST_STEPS:
            continue
        log.info("release %s: %s", assignment, step.__name__)
        step(r)
    return r
