"""What a grading run writes: Gradescope results JSON, student feedback, the gradebook.

Only the trusted parent writes these, always atomically (write a temporary file, then rename), so a
killed batch never leaves a half-written result (SPEC section 6, invariant 6).
"""
from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

from autograder.core.results import GRADER_ERROR, PASSED, SubmissionResult


def atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def results_json(result: SubmissionResult, *, hidden_visibility: str = "visible") -> dict:
    """Gradescope's results.json: ``score``, ``tests[]`` (name, score, max_score, visibility, status, output)."""
    tests = []
    for c in result.cases:
        output = c.message if c.status != PASSED else ""
        if c.status == GRADER_ERROR:
            output = "Grader error (not your fault): this case could not be graded; the course staff was told."
        tests.append({
            "name": f"{c.question} / {c.name}" + (" (hidden)" if c.hidden else ""),
            "score": c.score, "max_score": c.points,
            "visibility": hidden_visibility if c.hidden else "visible",
            "status": "passed" if c.status == PASSED else "failed",
            "output": output,
        })
    data = {"score": result.score, "tests": tests, "output": "\n".join(result.notes),
            "stdout_visibility": "hidden",
            "extra_data": {"student": result.student, "status": result.status, "backend": result.backend,
                           "max_score": result.max_score}}
    return data


def feedback_markdown(result: SubmissionResult, title: str) -> str:
    """Per-student feedback: a table of questions, then each failed case with its message."""
    out = io.StringIO()
    out.write(f"# {title}: feedback for {result.student}\n\n")
    out.write(f"**Score: {result.score:g} / {result.max_score:g}**\n\n")
    for note in result.notes:
        out.write(f"> {note}\n\n")
    out.write("| question | score |\n|---|---|\n")
    for question, (got, top) in result.question_scores().items():
        out.write(f"| {question} | {got:g} / {top:g} |\n")
    failed = [c for c in result.cases if c.status != PASSED]
    if failed:
        out.write("\n## What to fix\n\n")
        for c in failed:
            label = f"{c.question} / {c.name}" + (" (hidden test)" if c.hidden else "")
            message = c.message if c.status != GRADER_ERROR else "grader error (not your fault; the staff was told)"
            out.write(f"- **{label}** ({c.points:g} pt): {message}\n")
    else:
        out.write("\nEvery test passed.\n")
    return out.getvalue()


def gradebook_csv(results: list[SubmissionResult], questions: list[str]) -> str:
    """student, total, max, one column per question, status."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "total", "max", *questions, "status"])
    for r in sorted(results, key=lambda r: r.student):
        scores = r.question_scores()
        writer.writerow([r.student, f"{r.score:g}", f"{r.max_score:g}",
                         *(f"{scores.get(q, (0.0, 0.0))[0]:g}" for q in questions), r.status])
    return buf.getvalue()


def write_submission(out_dir: Path, result: SubmissionResult, title: str, hidden_visibility: str) -> None:
    atomic_write(out_dir / "results" / f"{result.student}.json",
                 json.dumps(results_json(result, hidden_visibility=hidden_visibility), indent=1) + "\n")
    atomic_write(out_dir / "feedback" / f"{result.student}.md", feedback_markdown(result, title))
