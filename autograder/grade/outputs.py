"""What a grading run writes: Gradescope results JSON, student feedback, the gradebook.

Only the trusted parent writes these, always atomically (write a temporary file, then rename), so a
killed batch never leaves a half-written result (README, "Grading: the trust boundary"). Written files are
read-only (0444): nothing edits them in place; the parent replaces them whole. Each writer returns
the sha256 of what it wrote, which the journal records (tamper evidence: ``autograder.grade.batch``).

Every string that may carry a student's words goes through ``autograder.core.sanitize`` for its
destination (README, "Grading: the trust boundary"): ``clean`` for results JSON (shown as plain text: see
``TEXT_FORMAT``), ``for_markdown`` for feedback, ``for_csv`` for the gradebook.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from dataclasses import replace
from pathlib import Path

from autograder.core.results import GRADER_ERROR, PASSED, SubmissionResult
from autograder.core.sanitize import clean, for_csv, for_markdown

#: Gradescope's formats for ``output`` and test names: "text" is shown as-is, with no Markdown, HTML
#: or ANSI interpretation (its default, "simple_format", lets some HTML through).
TEXT_FORMAT = "text"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="replace")).hexdigest()


def atomic_write(path: Path, text: str | bytes, mode: int = 0o444) -> str:
    """Write ``text`` (UTF-8) or bytes to ``path`` atomically (a temporary file, fsynced, renamed over
    it) with permissions ``mode`` (read-only by default); return the sha256 of the bytes written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # errors="replace": a lone surrogate that got this far must not lose the whole file
    data = text if isinstance(text, bytes) else text.encode("utf-8", errors="replace")
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:  # never write through something planted under the temporary name (a symlink, a file)
        os.unlink(tmp)
    except FileNotFoundError:
        pass
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
        os.fchmod(fd, mode)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return hashlib.sha256(data).hexdigest()


def cleaned(result: SubmissionResult) -> SubmissionResult:
    """A copy of ``result`` whose free text (notes, case messages) went through ``sanitize.clean``:
    what the journal stores and every output is built from."""
    cases = [replace(c, message=clean(c.message)) for c in result.cases]
    return replace(result, cases=cases, notes=[clean(n) for n in result.notes],
                   warnings=[clean(w) for w in result.warnings], flags=[clean(f) for f in result.flags])


def results_json(result: SubmissionResult, *, hidden_visibility: str = "visible") -> dict:
    """Gradescope's results.json: ``score``, ``tests[]`` (name, score, max_score, visibility, status, output).

    Every ``output`` is plain text (``TEXT_FORMAT``), cleaned of escape, control and bidi characters."""
    tests = []
    for c in result.cases:
        output = clean(c.message) if c.status != PASSED else ""
        if c.status == GRADER_ERROR:
            output = "Grader error (not your fault): this case could not be graded; the course staff was told."
        tests.append({
            "name": clean(f"{c.question} / {c.name}" + (" (hidden)" if c.hidden else "")),
            "score": c.score, "max_score": c.points,
            "visibility": hidden_visibility if c.hidden else "visible",
            "status": "passed" if c.status == PASSED else "failed",
            "output": output, "output_format": TEXT_FORMAT,
        })
    data = {"score": result.score, "tests": tests, "output": "\n".join(clean(n) for n in result.notes),
            "output_format": TEXT_FORMAT, "test_output_format": TEXT_FORMAT, "test_name_format": TEXT_FORMAT,
            "stdout_visibility": "hidden",
            "extra_data": {"student": clean(result.student), "status": result.status, "backend": result.backend,
                           "max_score": result.max_score}}
    if result.status == GRADER_ERROR:  # no total shown: the notice on top, the graded tests after publishing
        from autograder.grade.gradescope import grader_error_results

        return grader_error_results(data, max_score=result.max_score)
    return data


def feedback_markdown(result: SubmissionResult, title: str) -> str:
    """Per-student feedback: a table of questions, then each failed case with its message.

    Text that may come from the student (notes, messages, the id) is escaped with ``for_markdown``:
    it renders as literal text, on one line, never as HTML, a link, emphasis or a heading."""
    out = io.StringIO()
    out.write(f"# {for_markdown(title)}: feedback for {for_markdown(result.student)}\n\n")
    if result.status == GRADER_ERROR:
        out.write("**Score: not graded yet.** A grader error (not your fault) kept some tests from running; the "
                  "course staff was told and will regrade your submission. The points below are not your grade."
                  "\n\n")
    else:
        out.write(f"**Score: {result.score:g} / {result.max_score:g}**\n\n")
    for note in result.notes:
        out.write(f"> {for_markdown(note)}\n\n")
    out.write("| question | score |\n|---|---|\n")
    for question, (got, top) in result.question_scores().items():
        out.write(f"| {for_markdown(question)} | {got:g} / {top:g} |\n")
    failed = [c for c in result.cases if c.status != PASSED]
    if failed:
        out.write("\n## What to fix\n\n")
        groups: dict[str, list] = {}  # identical messages (an import error fails every case): one line each
        for c in failed:
            message = c.message if c.status != GRADER_ERROR else "grader error (not your fault; the staff was told)"
            groups.setdefault(message, []).append(c)
        for message, cases in groups.items():
            c = cases[0]
            label = f"{c.question} / {c.name}" + (" (hidden test)" if c.hidden else "")
            same = f" (same for {len(cases)} cases)" if len(cases) > 1 else ""
            out.write(f"- **{for_markdown(label)}** ({c.points:g} pt): {for_markdown(message)}{same}\n")
    else:
        out.write("\nEvery test passed.\n")
    return out.getvalue()


#: The gradebook's identity columns (``SubmissionResult.student_info``): the student's name, e-mail and
#: sid, the submission time and lateness where the export or roster says, and the file as handed in.
IDENTITY_COLUMNS = ("name", "email", "sid", "submitted", "late", "file")
IDENTITY_KEYS = ("name", "email", "sid", "submitted", "late", "original")


def graded_total(result: SubmissionResult) -> str:
    """The total as a gradebook or an LMS export writes it: ``""`` for a grader error (no grade yet:
    an LMS would record a 0 as the student's grade), else the score."""
    return "" if result.status == GRADER_ERROR else f"{result.score:g}"


def gradebook_csv(results: list[SubmissionResult], questions: list[str]) -> str:
    """student, total, max, one column per question, status, flags (integrity flags for review,
    ``; ``-separated). Who handed it in (``IDENTITY_COLUMNS``, empty where unknown) comes after the
    questions, before ``status`` (the first columns keep their places, ``status`` and ``flags`` stay
    last). A grader error's total and question cells are empty (``graded_total``). Text cells go
    through ``for_csv`` (no spreadsheet formula)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["student", "total", "max", *questions, *IDENTITY_COLUMNS, "status", "flags"])
    for r in sorted(results, key=lambda r: r.student):
        scores = r.question_scores()
        error = r.status == GRADER_ERROR
        writer.writerow([for_csv(r.student), graded_total(r), f"{r.max_score:g}",
                         *("" if error else f"{scores.get(q, (0.0, 0.0))[0]:g}" for q in questions),
                         *(for_csv(str(r.student_info.get(k, ""))) for k in IDENTITY_KEYS),
                         for_csv(r.status), for_csv("; ".join(r.flags))])
    return buf.getvalue()


def submission_files(result: SubmissionResult, title: str, hidden_visibility: str) -> dict[str, str]:
    """``{path relative to the output folder: text}`` of one submission's files (results, feedback)."""
    return {f"results/{result.student}.json":
            json.dumps(results_json(result, hidden_visibility=hidden_visibility), indent=1) + "\n",
            f"feedback/{result.student}.md": feedback_markdown(result, title)}


def write_submission(out_dir: Path, result: SubmissionResult, title: str, hidden_visibility: str) -> dict[str, str]:
    """Write one submission's results and feedback; return ``{relative path: sha256}`` of what was written."""
    return {rel: atomic_write(Path(out_dir) / rel, text)
            for rel, text in submission_files(result, title, hidden_visibility).items()}
