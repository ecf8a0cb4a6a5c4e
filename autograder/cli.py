"""Thin command line: maps flags onto each verb's ``main``; defaults come from ``main.__kwdefaults__``.

``python -m autograder release|verify|check|grade|merge|export|doctor|demo|new`` (also the ``cnn-autograder`` script).
Verbs are imported when their command runs, and a verb is offered only where its module is present:
the student bundle's partial copy of the package offers ``check`` alone.
"""
from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click

from autograder.core.errors import AutograderError, UsageError


class Refused(UsageError):
    """The command cannot run as asked (bad arguments, no sandbox, an occupied --out): one line, exit 2."""


def _verb(module: str):
    return importlib.import_module(f"autograder.{module}").main


def _default(module: str, name: str):
    return _verb(module).__kwdefaults__[name]


class VerbDefault(click.Option):
    """An option whose default is read from its verb's signature (``_default``) only when needed: shown by
    ``--help`` as its value, not as click's "(dynamic)"."""

    def get_default(self, ctx, call: bool = True):
        value = super().get_default(ctx, call=call)
        return value() if callable(value) else value


class SandboxChoice(click.Choice):
    """``auto`` and the names of ``autograder.sandbox.backends.REGISTRY``, read when a value is checked or
    shown (importing the sandbox costs a second, and the student bundle has no sandbox and no verb using it)."""

    def __init__(self, *extra: str) -> None:
        self.extra = extra
        super().__init__(())

    @property
    def choices(self) -> tuple[str, ...]:
        from autograder.sandbox.backends import REGISTRY

        return ("auto", *REGISTRY, *self.extra)

    @choices.setter
    def choices(self, value) -> None:  # click.Choice.__init__ assigns it: the registry stays the source
        pass


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log each step.")
def cli(verbose: bool) -> None:
    """Auto-graded assignments for the convolutional networks unit."""
    from autograder.core.sanitize import terminal_log_handler

    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, handlers=[terminal_log_handler()])


@cli.command()
@click.argument("assignment")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if starter_code/ is stale.")
def release(assignment: str, check: bool) -> None:
    """Regenerate starter_code/ASSIGNMENT and build dist/ASSIGNMENT/*.zip."""
    r = _verb("release")(assignment, check=check)
    for warning in r.warnings:
        click.secho(f"WARNING: {warning}", fg="yellow", err=True)
    if check:
        if r.stale:
            click.echo("starter_code is stale; run `python -m autograder release "
                       f"{assignment}` and commit:\n  " + "\n  ".join(r.stale), err=True)
            sys.exit(1)
        click.echo(f"starter_code/{assignment} is up to date")
        return
    for path in r.outputs:
        click.echo(f"wrote {path.relative_to(r.assignment.root)}")


@cli.command()
@click.argument("assignment")
@click.option("--sandbox", type=SandboxChoice("in-process"), cls=VerbDefault,
              default=lambda: _default("verify", "sandbox"), show_default=True,
              help="How to run the reference, stubs and mutants (in-process: trusted code only, no sandbox).")
@click.option("-j", "--jobs", type=click.IntRange(min=1), cls=VerbDefault, default=lambda: _default("verify", "jobs"),
              show_default=True)
@click.option("--ids", type=click.IntRange(min=0), cls=VerbDefault, default=lambda: _default("verify", "ids"), show_default=True,
              help="Also grade the reference and every mutant (in-process) under this many student ids; 0: skip.")
@click.option("--full", is_flag=True, help="Grade every case of every mutant (by default a mutant is graded on "
              "the cases that reach a definition it changes; the others are taken from the reference).")
def verify(assignment: str, sandbox: str, jobs: int, ids: int, full: bool) -> None:
    """Reference scores full marks, stubs ~0, every mutant loses points for every student id, nothing secret leaks."""
    sys.exit(_verb("verify")(assignment, sandbox=sandbox, jobs=jobs, ids=ids, full=full))


@cli.command()
@click.argument("assignment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(assignment: str, file: Path) -> None:
    """Run the public tests on your FILE (students): exit 0 only if all pass."""
    sys.exit(_verb("student")(assignment, file))


@cli.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (results/, feedback/, gradebook.csv, report.html, journal.jsonl).")
@click.option("-j", "--jobs", type=int, cls=VerbDefault, default=lambda: _default("grade.batch", "jobs"), show_default=True,
              help="Submissions graded in parallel.")
@click.option("--sandbox", type=SandboxChoice(),
              cls=VerbDefault, default=lambda: _default("grade.batch", "sandbox"), show_default=True,
              help="Sandbox backend for the students' code (auto = the strongest available).")
@click.option("--device", cls=VerbDefault, default=lambda: _default("grade.batch", "device"), show_default=True,
              help="cpu or cuda: where the reference and A2 models run.")
@click.option("--resume", is_flag=True, help="Continue a batch in --out: skip submissions already graded under the "
              "same assignment and grader (grader errors are retried).")
@click.option("--regrade", "regrade", multiple=True, metavar="STUDENT",
              help="Regrade this student id (repeatable; implies --resume).")
@click.option("--regrade-all", is_flag=True, help="Regrade every submission of the batch in --out (needed after "
              "the assignment or the grader changed; implies --resume).")
@click.option("--shard", default=None, metavar="K/N",
              help="Grade only the K-th of N parts of the submissions (a cluster array job; see `merge`).")
@click.option("--roster", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV mapping files (column 'file', a name or pattern) or ids ('id') to students: "
                   "student, name, email, sid, submitted, late.")
@click.option("--no-reference-check", "reference_check", flag_value=False, default=True,
              help="Do not grade the reference first (by default the batch refuses to start unless the "
                   "reference scores full marks in the same sandbox, device and limits).")
def grade(assignment: str, submissions: tuple[Path, ...], out: Path, jobs: int, sandbox: str, device: str,
          resume: bool, regrade: tuple[str, ...], regrade_all: bool, shard: str | None, roster: Path | None,
          reference_check: bool) -> None:
    """Grade SUBMISSIONS (.py, .ipynb, .zip, folders, or folders of them) of ASSIGNMENT."""
    from autograder.core.sanitize import for_terminal
    from autograder.grade.batch import STAFF_LOG, BatchError, check_sandbox

    try:
        if check_sandbox(sandbox) == "process":  # said once, before anything runs
            click.secho("WARNING: UNSAFE: --sandbox process runs the students' code with no isolation (it can "
                        "read the reference and the hidden tests, rewrite results, use the network): use it "
                        "only for trusted code", fg="yellow", err=True)
        s = _verb("grade.batch")(assignment, list(submissions), out=out, jobs=jobs, sandbox=sandbox,
                                 device=device, resume=resume, regrade=regrade, regrade_all=regrade_all,
                                 shard=shard, roster=roster, reference_check=reference_check)
    except (BatchError, ValueError, OSError) as exc:  # may name a student's file: sanitised
        raise Refused(for_terminal(exc)) from exc
    for warning in sorted(s.warnings):  # the grader's own list (sandbox sessions, tampering), never notes
        click.secho(for_terminal(f"WARNING: {warning}"), fg="yellow", err=True)
    if s.reference:
        click.echo(f"reference check: the reference scores {s.reference} in this sandbox")
    unread = s.unread
    ran = sorted(s.backends - {"none", ""}) or ["none"]  # "none": a submission that could not be read ran nowhere
    click.echo(f"graded {s.graded} submission(s), {s.reused} from the journal"
               + (f", {len(unread)} could not be read" if unread else "")
               + f", in {s.wall_s:.1f} s; sandbox: {', '.join(ran)}")
    click.echo(for_terminal((s.out / "gradebook.csv").read_text()), nl=False)
    if s.flagged:
        click.echo(for_terminal(f"flagged for review (scores unchanged): {', '.join(s.flagged)}; "
                                f"see report.html#review and the gradebook's flags column"))
    click.echo(f"report: {s.out / 'report.html'}")
    if unread:
        shown = ", ".join(unread[:10]) + (f" and {len(unread) - 10} more" if len(unread) > 10 else "")
        click.echo(for_terminal(f"could not be read (0 points; the gradebook's status and each feedback say why): "
                                f"{shown}"))
    if unread and len(unread) == len(s.results):  # exit 1: most likely the wrong folder or layout, not a class
        click.secho("NO SUBMISSION COULD BE READ: check what was given (a folder of submissions, one per student, "
                    "each holding the student file; README 'Class exports')", fg="red", err=True)
        sys.exit(1)
    if s.grader_errors:  # exit 1: a gradebook with grader errors is not finished
        # grading.log: what the grading processes and this one logged about the submissions (no file: not writable)
        staff_log = s.out / STAFF_LOG
        where = f"the tracebacks are in {staff_log}" if staff_log.is_file() else "the errors are printed above"
        click.secho(f"GRADER ERRORS (not the students' fault; {where}; regrade with --resume): "
                    f"{', '.join(s.grader_errors)}", fg="red", err=True)
        sys.exit(1)


@cli.command()
@click.argument("shards", nargs=-1, required=True, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="New output folder for the combined batch.")
def merge(shards: tuple[Path, ...], out: Path) -> None:
    """Combine the out folders of `grade --shard K/N` runs into one batch (journals checked first)."""
    from autograder.core.sanitize import for_terminal
    from autograder.grade.batch import BatchError
    from autograder.grade.batch import merge as merge_batches

    try:
        s = merge_batches(list(shards), out=out)
    except (BatchError, ValueError, OSError) as exc:
        raise Refused(for_terminal(exc)) from exc
    click.echo(f"merged {len(shards)} shard(s): {len(s.results)} submission(s) into {s.out}")
    click.echo(f"report: {s.out / 'report.html'}")
    if s.grader_errors:
        click.secho(f"GRADER ERRORS: {', '.join(s.grader_errors)}", fg="red", err=True)
        sys.exit(1)


@cli.command()
@click.argument("out", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["canvas", "moodle", "gradescope", "csv"]),
              cls=VerbDefault, default=lambda: _default("export", "format"), show_default=True, help="The LMS import layout.")
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: OUT/grades-FORMAT.csv).")
@click.option("--canvas-assignment-id", default=None,
              help="Canvas only: the assignment's id (the number after /assignments/ in its Canvas URL); "
                   "without it Canvas matches the column by title or creates a new assignment.")
def export(out: Path, fmt: str, output: Path | None, canvas_assignment_id: str | None) -> None:
    """Export the grades of the batch in OUT for an LMS import (hashes checked first)."""
    from autograder.core.sanitize import for_terminal

    r = _verb("export")(out, format=fmt, output=output, canvas_assignment_id=canvas_assignment_id)
    click.echo(f"wrote {r.output} ({len(r.rows)} student(s), {fmt})")
    if r.unknown_identity:
        click.secho(for_terminal(f"WARNING: the {fmt} import cannot match {len(r.unknown_identity)} student(s): no "
                                 + ("e-mail or sid" if fmt in ("moodle", "gradescope") else "name, e-mail or sid")
                                 + " known (give a --roster when grading); "
                                 f"their submission id stands in for it: {', '.join(r.unknown_identity[:10])}"
                                 + (", ..." if len(r.unknown_identity) > 10 else "")), fg="yellow", err=True)
    for d in r.duplicates:
        click.secho(for_terminal(f"STUDENT IN TWO SUBMISSIONS: {d}; the file has a row for each"), fg="red", err=True)
    if r.grader_errors:
        click.secho(for_terminal(f"GRADER ERRORS (score left empty): {', '.join(r.grader_errors)}"), fg="red", err=True)
    if r.changed_since:
        click.secho(f"STALE GRADES: the {', '.join(r.changed_since)} changed since this batch was graded: its grades "
                    f"are not what this checkout gives (python -m autograder grade ... --out {out} --resume "
                    "--regrade-all, then export)", fg="red", err=True)
    if r.grader_errors or r.duplicates or r.changed_since:
        sys.exit(1)


@cli.command()
@click.option("--backend", type=SandboxChoice(),
              cls=VerbDefault, default=lambda: _default("doctor", "backend"), show_default=True)
@click.option("--require", is_flag=True,
              help="Exit 1 unless every guarantee holds on the backend grading would use (Gradescope's setup.sh).")
def doctor(backend: str, require: bool) -> None:
    """Run probe submissions and print which sandbox guarantees hold on this machine."""
    sys.exit(_verb("doctor")(backend=backend, require=require))


@cli.command()
@click.argument("assignments", nargs=-1)
def demo(assignments: tuple[str, ...]) -> None:
    """Release the assignments into demo-out/ and grade a class of sample submissions (sandboxed)."""
    sys.exit(_verb("demo")(assignments=assignments))


@cli.command(name="new")
@click.argument("name")
@click.option("--student-file", default=None, help="The file students submit (default: NAME.py).")
@click.option("--title", default=None, help="The assignment's title.")
def new(name: str, student_file: str | None, title: str | None) -> None:
    """Scaffold assignments/NAME and solutions/NAME (docs/authoring.md says what to do next)."""
    for path in _verb("scaffold")(name, student_file=student_file, title=title):
        click.echo(f"wrote {path}")
    click.echo(f"next: write the reference and tests (docs/authoring.md), then `python -m autograder release {name}` "
               f"and `python -m autograder verify {name}`")


#: Each verb's module; a copy of the package without it (the student bundle's) does not list the verb.
for _name, _module in {"release": "release", "verify": "verify", "check": "student", "grade": "grade/batch.py",
                       "doctor": "doctor", "demo": "demo.py", "export": "export",
                       "merge": "grade/batch.py", "new": "scaffold.py"}.items():
    if not (Path(__file__).parent / _module).exists():
        del cli.commands[_name]


def _error(message: object) -> None:
    """The one line a user's error ends in: ``Error: ...`` on stderr, sanitised (it may quote a file name)."""
    from autograder.core.sanitize import for_terminal

    click.secho("Error: " + " ".join(for_terminal(message).split()), fg="red", err=True)


#: click >= 8.2 raises this for a command called with no arguments when it has some: it shows the help
_NO_ARGS = getattr(click.exceptions, "NoArgsIsHelpError", ())


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return its exit code. A user's error (``AutograderError``, or click's own for a bad
    command line) is one line naming the problem and the fix, no traceback: exit 2 for a usage error
    (nothing was done), 1 for a failure of the inputs. Anything else is our bug and keeps its traceback."""
    try:
        cli.main(args=argv, prog_name="python -m autograder", standalone_mode=False)
    except AutograderError as exc:
        _error(exc)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except _NO_ARGS as exc:  # a bare `python -m autograder` (or a verb with no arguments): the help
        exc.show()
        return exc.exit_code
    except click.UsageError as exc:  # a bad command line: one line, and where the help is
        where = f" (see `{exc.ctx.command_path} --help`)" if exc.ctx is not None else ""
        _error(exc.format_message().rstrip(".") + where)
        return exc.exit_code
    except click.ClickException as exc:
        _error(exc.format_message())
        return exc.exit_code
    except click.Abort:
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
