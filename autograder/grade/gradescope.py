"""Gradescope entry point: grade ``<root>/submission`` with the sandboxed engine, write
``<root>/results/results.json``. Called by the ``run_autograder`` script of ``dist/<a>/autograder.zip``.

Gradescope runs ``run_autograder`` as root with the network open; the student's code runs only in
the sandbox (bwrap where the container allows it, else the process backend as an unprivileged uid),
and ``/autograder/source`` (hidden tests, reference) is readable by root only (``setup.sh``).
A results file is always written: on any failure of ours, a score of 0 with a grader-error message
that tells the student to contact the staff (never a silent 0, never full marks).
"""
from __future__ import annotations

import json
import os
import sys
import traceback
from pathlib import Path


def _write(results_dir: Path, data: dict) -> None:
    from autograder.grade.outputs import atomic_write

    atomic_write(results_dir / "results.json", json.dumps(data, indent=1) + "\n")


def main(root: str | Path | None = None) -> int:
    root = Path(root or os.environ.get("GRADESCOPE_ROOT", "/autograder"))
    results_dir = root / "results"
    try:
        from autograder.core.assignment import load_assignment
        from autograder.grade import intake
        from autograder.grade.outputs import results_json
        from autograder.grade.submission import grade_sandboxed

        config = json.loads((root / "source" / "gradescope.json").read_text())
        a = load_assignment(config["assignment"], root / "source")
        metadata = root / "submission_metadata.json"
        student = "submission"
        if metadata.is_file():
            users = json.loads(metadata.read_text()).get("users") or [{}]
            student = intake.student_id(Path(str(users[0].get("email") or users[0].get("name") or student)))
        sub = intake.load(intake.Submission(student, root / "submission"), a.student_file)
        if sub.error:
            _write(results_dir, {"score": 0.0, "output": sub.error, "tests": []})
            return 0
        scratch = results_dir.parent / ".grading"
        scratch.mkdir(exist_ok=True)
        source_file = scratch / a.student_file
        source_file.write_text(sub.source)
        result = grade_sandboxed(a, source_file, student, backend=config.get("sandbox", "auto"),
                                 device=config.get("device", "cpu"))
        result.notes = sub.notes + result.notes
        print(f"graded {student}: {result.score:g}/{result.max_score:g} with the {result.backend} sandbox")
        for note in result.notes:
            print(f"note: {note}")
        _write(results_dir, results_json(result, hidden_visibility=a.options.get("hidden_visibility", "visible")))
        return 0
    except Exception:  # noqa: BLE001 - last-ditch: a results file must exist (SPEC section 6, invariant 6)
        traceback.print_exc()
        _write(results_dir, {"score": 0.0, "tests": [], "output": (
            "Grader error: your submission could not be graded because of a problem on our side. "
            "This is not your fault; please contact the course staff.")})
        return 1


if __name__ == "__main__":
    sys.exit(main())
