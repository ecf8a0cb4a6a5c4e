"""Thin command line: maps flags onto each verb's ``main``; defaults come from ``main.__kwdefaults__``.

``python -m autograder release|verify|check|grade|doctor|demo`` (also the ``cnn-autograder`` script).
Verbs are imported when their command runs, so a partial copy of the package (the student bundle's)
still serves ``check``.
"""
from __future__ import annotations

import importlib
import logging
import sys
from pathlib import Path

import click


def _verb(module: str):
    return importlib.import_module(f"autograder.{module}").main


def _default(module: str, name: str):
    return _verb(module).__kwdefaults__[name]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("-v", "--verbose", is_flag=True, help="Log each step.")
def cli(verbose: bool) -> None:
    """Auto-graded assignments for the convolutional networks unit."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


@cli.command()
@click.argument("assignment")
@click.option("--check", is_flag=True, help="Write nothing; exit 1 if starter_code/ is stale.")
def release(assignment: str, check: bool) -> None:
    """Regenerate starter_code/ASSIGNMENT and build dist/ASSIGNMENT/*.zip."""
    from autograder.build import ReleaseError
    from autograder.build.markers import MarkerError

    try:
        r = _verb("build")(assignment, check=check)
    except (ReleaseError, MarkerError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
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
@click.option("--sandbox", default=lambda: _default("verify", "sandbox"), show_default=True,
              help="How to run the reference, stubs and mutants: bwrap, process, auto or in-process.")
@click.option("-j", "--jobs", type=int, default=lambda: _default("verify", "jobs"), show_default=True)
def verify(assignment: str, sandbox: str, jobs: int) -> None:
    """Reference scores full marks, stubs ~0, every mutant loses points, nothing secret leaks."""
    sys.exit(_verb("verify")(assignment, sandbox=sandbox, jobs=jobs))


@cli.command()
@click.argument("assignment")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(assignment: str, file: Path) -> None:
    """Run the public tests on your FILE (students): exit 0 only if all pass."""
    sys.exit(_verb("check")(assignment, file))


@cli.command()
@click.argument("assignment")
@click.argument("submissions", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output folder (results/, feedback/, gradebook.csv, report.html, journal.jsonl).")
@click.option("-j", "--jobs", type=int, default=lambda: _default("grade.batch", "jobs"), show_default=True,
              help="Submissions graded in parallel.")
@click.option("--sandbox", type=click.Choice(["auto", "bwrap", "process"]),
              default=lambda: _default("grade.batch", "sandbox"), show_default=True,
              help="Sandbox backend for the students' code (auto = the strongest available).")
@click.option("--device", default=lambda: _default("grade.batch", "device"), show_default=True,
              help="cpu or cuda: where the reference and A2 models run.")
@click.option("--resume", is_flag=True, help="Continue a batch in --out: skip submissions already graded.")
def grade(assignment: str, submissions: tuple[Path, ...], out: Path, jobs: int, sandbox: str, device: str,
          resume: bool) -> None:
    """Grade SUBMISSIONS (.py, .ipynb, .zip, folders, or folders of them) of ASSIGNMENT."""
    from autograder.grade.batch import BatchError

    try:
        s = _verb("grade.batch")(assignment, list(submissions), out=out, jobs=jobs, sandbox=sandbox,
                                 device=device, resume=resume)
    except (BatchError, ValueError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc)) from exc
    for warning in sorted(s.warnings):
        click.secho(f"WARNING: {warning}", fg="yellow", err=True)
    click.echo(f"graded {s.graded} submission(s), {len(s.results) - s.graded} from the journal, "
               f"in {s.wall_s:.1f} s; sandbox: {', '.join(sorted(s.backends))}")
    click.echo((s.out / "gradebook.csv").read_text(), nl=False)
    if s.grader_errors:
        click.secho(f"GRADER ERRORS (not the students' fault; see the log): {', '.join(s.grader_errors)}",
                    fg="red", err=True)
    click.echo(f"report: {s.out / 'report.html'}")


@cli.command()
@click.option("--backend", type=click.Choice(["auto", "bwrap", "process"]),
              default=lambda: _default("doctor", "backend"), show_default=True)
@click.option("--require", is_flag=True,
              help="Exit 1 unless every guarantee holds on the backend grading would use (Gradescope's setup.sh).")
def doctor(backend: str, require: bool) -> None:
    """Run probe submissions and print which sandbox guarantees hold on this machine."""
    sys.exit(_verb("doctor")(backend=backend, require=require))


@cli.command()
@click.argument("assignments", nargs=-1)
def demo(assignments: tuple[str, ...]) -> None:
    """Release and verify the assignments (all by default), printing the tables."""
    sys.exit(_verb("demo")(assignments=assignments))


def main(argv: list[str] | None = None) -> int:
    try:
        cli.main(args=argv, prog_name="python -m autograder", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        return 130
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else 1
    return 0
