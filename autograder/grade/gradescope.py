"""Gradescope entry point: grade ``<root>/submission`` with the sandboxed engine, write
``<root>/results/results.json``. Called by the ``run_autograder`` script of ``dist/<a>/autograder.zip``
(``autograder/release/gradescope.py``).

Trust boundary on Gradescope: ``run_autograder`` runs as root with the network open. The student's
code runs only in the sandbox (``--sandbox auto``: the strongest backend that works in the container;
``setup.sh`` ran ``doctor --require`` when the image was built). ``/autograder`` (the reference, the
hidden tests, the course seed, this submission, the results) is readable by root only (``setup.sh``);
the sandbox user gets the worker's own code through a per-session copy (``autograder/sandbox/backends.py``,
``install_worker_files``).

A results file is always written. A grader error (the sandbox could not start, the worker could not
run, a case the grader could not judge, any exception of ours) is never a silent 0:

* stdout (shown to instructors only) has the cause: the error log lines, then a ``GRADER ERROR`` line;
* results.json says so to the student, in the top-level ``output`` and in a 0-point visible test named
  ``GRADER ERROR``; the graded tests are ``after_published``, so the student does not see a total
  score (Gradescope's results spec: "If test cases are hidden, students will not be able to see their
  total score") until the staff fix the cause, regrade and publish;
* the exit status is 1 (0 when the submission was graded, whatever its score).

``setup.sh`` also runs ``--check-reference``: the reference graded exactly as a submission is, in the
built image; the build fails unless it scores full marks (a machine too slow for the training budgets or
a sandbox that hides something would otherwise cost every student points, with status ok).
"""
from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import traceback
from pathlib import Path

#: What the student reads when we failed them (no path, no cause: those go to stdout).
GRADER_ERROR_MESSAGE = (
    "GRADER ERROR (not your fault): your submission could not be graded because of a problem on our "
    "side, so any score shown here is not your grade. The course staff can see the cause; they will fix "
    "it and regrade your submission. You do not need to resubmit (contacting them helps).")


def _write(results_dir: Path, data: dict) -> None:
    from autograder.grade.outputs import atomic_write

    atomic_write(results_dir / "results.json", json.dumps(data, indent=1) + "\n")


def grader_error_results(data: dict | None = None, *, max_score: float | None = None) -> dict:
    """Gradescope results for a submission the grader failed: ``data`` (``results_json``'s, or None
    when nothing was graded) with the message on top, a visible 0-point ``GRADER ERROR`` test, and
    every graded test ``after_published`` so that no total score is shown to the student."""
    data = dict(data or {"score": 0.0, "tests": []})
    # shown no earlier than the grades are published; a test hidden for good stays hidden
    tests = [dict(t, visibility="hidden" if t.get("visibility") == "hidden" else "after_published")
             for t in data.get("tests", [])]
    if not tests:  # nothing graded: one hidden test (with the assignment's points, when known) hides the total
        tests = [{"name": "not graded (grader error)", "score": 0.0, "max_score": max_score or 0.0,
                  "status": "failed", "visibility": "after_published", "output": "Not graded: grader error."}]
    notice = {"name": "GRADER ERROR (not your fault)", "score": 0.0, "max_score": 0.0, "status": "failed",
              "visibility": "visible", "output": GRADER_ERROR_MESSAGE}
    data["tests"] = [notice, *tests]
    data["output"] = "\n".join(x for x in (GRADER_ERROR_MESSAGE, data.get("output", "")) if x)
    data["stdout_visibility"] = "hidden"
    data["extra_data"] = {**data.get("extra_data", {}), "status": "grader_error"}
    return data


def submission_identity(metadata: dict) -> tuple[str, str]:
    """``(student id, student key)`` of a Gradescope submission from ``submission_metadata.json``: the id
    made from the first user's e-mail (else name); the key by ``exports.student_key`` from the same
    e-mail (else sid), which is what a local grade of the course's export uses (README "Class exports")."""
    from autograder.grade import exports, intake

    users = [u for u in metadata.get("users") or [] if isinstance(u, dict)] or [{}]
    first = users[0]
    student = intake.student_id(Path(str(first.get("email") or first.get("name") or "submission")))
    return student, exports.student_key(str(first.get("email") or ""), str(first.get("sid") or ""), student)


class _ErrorLog(logging.Handler):
    """Keeps the ERROR records of this run: the cause of a grader error, repeated at the end of stdout."""

    def __init__(self):
        super().__init__(logging.ERROR)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def main(root: str | Path | None = None) -> int:
    """Grade the submission under ``root`` (default ``$GRADESCOPE_ROOT`` or ``/autograder``).

    Returns 0 when the submission was graded (or is unusable: the student's error, named in the
    results), 1 on a grader error (results.json says so; stdout has the cause).
    """
    # every warning and error of the engine goes to stdout (Gradescope shows it to instructors only)
    log = logging.getLogger()
    stream, errors = logging.StreamHandler(sys.stdout), _ErrorLog()
    stream.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    log.addHandler(stream)
    log.addHandler(errors)
    if log.getEffectiveLevel() > logging.WARNING:
        log.setLevel(logging.WARNING)
    try:
        return _grade(Path(root or os.environ.get("GRADESCOPE_ROOT", "/autograder")), errors)
    finally:
        log.removeHandler(stream)
        log.removeHandler(errors)


def _grade(root: Path, errors: _ErrorLog) -> int:
    results_dir = root / "results"
    max_score = None
    try:
        from autograder.core.assignment import load_assignment
        from autograder.core.results import GRADER_ERROR, settle_status
        from autograder.grade import intake
        from autograder.grade.outputs import results_json
        from autograder.grade.submission import grade_sandboxed

        config = json.loads((root / "source" / "gradescope.json").read_text())
        a = load_assignment(config["assignment"], root / "source")
        max_score = a.points
        metadata = root / "submission_metadata.json"
        student, key = "submission", ""
        if metadata.is_file():
            student, key = submission_identity(json.loads(metadata.read_text()))
        sub = intake.load(intake.Submission(student, root / "submission"), a.student_file)
        if sub.error:
            print(f"{student}: unusable submission: {sub.error}")
            _write(results_dir, {"score": 0.0, "output": sub.error, "tests": []})
            return 0
        scratch = root / ".grading"  # under /autograder: root only
        scratch.mkdir(mode=0o700, exist_ok=True)
        source_file = scratch / a.student_file
        source_file.write_text(sub.source)
        from autograder.grade.submission import grading_context

        device = config.get("device", "cpu")
        result = grade_sandboxed(a, source_file, student, backend=config.get("sandbox", "auto"), device=device,
                                 ctx=grading_context(a, key or student, device, source_file))
        result.notes = sub.notes + result.notes
        data = results_json(settle_status(result), hidden_visibility=a.options.hidden_visibility)
        bad = [c for c in result.cases if c.status == GRADER_ERROR]
        if result.status == GRADER_ERROR or bad:  # results_json wrote the grader-error notice (settle_status)
            _write(results_dir, data if result.status == GRADER_ERROR else grader_error_results(data,
                                                                                             max_score=max_score))
            cause = " | ".join(errors.messages) or (bad[0].message if bad else "no error was logged")
            print(f"GRADER ERROR for {student}: {len(bad)} of {len(result.cases)} case(s) could not be graded "
                  f"(sandbox: {result.backend or 'none'}); the student was told it is not their fault and "
                  f"no total score is shown to them. Cause: {cause}")
            return 1
        print(f"graded {student}: {result.score:g}/{result.max_score:g} with the {result.backend} sandbox; course "
              "secret: " + ("set" if os.environ.get("AG_COURSE_SECRET") else
                            "not set (hidden inputs derive from public values; docs/gradescope.md)"))
        for note in result.notes:
            print(f"note: {note}")
        _write(results_dir, data)
        return 0
    except Exception as exc:  # noqa: BLE001 - last-ditch: a results file must exist
        traceback.print_exc(file=sys.stdout)
        print(f"GRADER ERROR: {type(exc).__name__}: {exc}")
        _write(results_dir, grader_error_results(max_score=max_score))
        return 1


def check_reference(source: Path) -> int:
    """Grade the reference of the assignment under ``source`` (the zip's files) as ``run_autograder``
    grades a submission, in a temporary root; 0 when it scores full marks, else 1 with what it lost
    printed (every student would lose it too: the image is wrong, not the students)."""
    from autograder.core.assignment import load_assignment
    from autograder.sandbox import tempdirs

    a = load_assignment(json.loads((source / "gradescope.json").read_text())["assignment"], source)
    with tempdirs.temporary("reference") as tmp:
        root = Path(tmp)
        (root / "source").symlink_to(Path(source).resolve(), target_is_directory=True)
        (root / "submission").mkdir()
        shutil.copyfile(a.solution_file, root / "submission" / a.student_file)
        rc = main(root)
        data = json.loads((root / "results" / "results.json").read_text())
    lost = [f"{t.get('name')}: {' '.join(str(t.get('output', '')).split())[:200]}" for t in data.get("tests", [])
            if float(t.get("score", 0)) < float(t.get("max_score", 0))]
    if rc != 0 or float(data.get("score", 0)) != a.points or lost:
        print(f"REFERENCE CHECK FAILED: the reference scores {float(data.get('score', 0)):g}/{a.points:g} in this "
              "image, so every student would lose these points. Lost: " + ("; ".join(lost[:8]) or "see above"))
        return 1
    print(f"reference check: the reference scores {a.points:g}/{a.points:g} in this image")
    return 0


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check-reference"] and len(sys.argv) == 3:
        sys.exit(check_reference(Path(sys.argv[2])))
    sys.exit(main())
