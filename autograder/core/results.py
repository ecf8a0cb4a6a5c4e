"""Results of running test cases: one ``CaseResult`` per otter test case, grouped per submission."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: A case passed, failed (the student's fault) or could not be judged (the grader's fault).
PASSED, FAILED, GRADER_ERROR = "passed", "failed", "grader_error"

#: A submission's status (``SubmissionResult.status``; the gradebook's and results' ``status``):
#: graded normally (``ok``), or why its cases could not run. Only ``grader_error`` is the grader's
#: fault (its total is left empty in the gradebook and the exports, never 0); the others score 0.
OK = "ok"
NO_SUBMISSION = "no_submission"  # no student file was handed in (or it is empty)
UNREADABLE = "unreadable"  # handed in, but not readable as the student file (size, encoding, bad zip...)
SYNTAX_ERROR = "syntax_error"  # the file does not compile (judged by the trusted grader, not the worker)
REFUSED_IMPORT = "refused_import"  # importing it tried a module the assignment forbids
TIMEOUT = "timeout"  # importing it, or the whole submission, ran past its time limit
IMPORT_ERROR = "import_error"  # importing it raised or crashed for another reason
SUBMISSION_STATUSES = (OK, NO_SUBMISSION, UNREADABLE, SYNTAX_ERROR, REFUSED_IMPORT, TIMEOUT, IMPORT_ERROR,
                       GRADER_ERROR)


@dataclass
class CaseResult:
    """The outcome of one otter ``@test_case``."""

    question: str
    """Name of the test file (otter's ``name``), e.g. ``"q04_conv2d"``."""
    name: str
    """Name of the test case function, e.g. ``"conv2d_lecture_example"``."""
    points: float
    """Points the case is worth."""
    hidden: bool
    """Hidden cases show their name and points, never their inputs or expected values."""
    status: str = FAILED
    """``passed``, ``failed`` or ``grader_error``."""
    message: str = ""
    """Student-facing message (layered: missing, type, shape, dtype, finite, value)."""
    duration_s: float = 0.0
    """Wall time of the case, student calls included."""
    student_s: float = 0.0
    """Time spent inside the student's code (worker calls)."""

    @property
    def score(self) -> float:
        return self.points if self.status == PASSED else 0.0

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class SubmissionResult:
    """Every case of one submission, plus what went wrong outside the cases."""

    student: str
    cases: list[CaseResult] = field(default_factory=list)
    status: str = OK
    """One of ``SUBMISSION_STATUSES``: ``ok``, why the submission could not be graded, or
    ``grader_error`` when the grader (not the student) failed."""
    notes: list[str] = field(default_factory=list)
    """Submission-wide messages shown to the student (e.g. an import error, a sandbox warning).
    Free text that may carry the student's words: never parsed for meaning."""
    backend: str = ""
    """The sandbox backend that ran the student's code (``bwrap``, ``process``, ``in-process``)."""
    wall_s: float = 0.0
    """Wall time of grading this submission (sandbox start-up included)."""
    warnings: list[str] = field(default_factory=list)
    """The grader's own warnings about how this submission was graded (the sandbox session's list,
    e.g. an UNSAFE backend): the only source of the CLI's WARNING lines, never set from student text."""
    flags: list[str] = field(default_factory=list)
    """Integrity flags for a person to review (``file:line: what``, from ``autograder.grade.integrity``):
    shown to the staff (gradebook, report), never to the student, and never change a score."""
    student_info: dict = field(default_factory=dict)
    """Who handed it in (``autograder.grade.exports``): ``original`` (the file name as found), ``key`` (what
    hidden inputs were seeded from), and where known ``name``, ``email``, ``sid``, ``submitted``, ``late``."""

    @property
    def score(self) -> float:
        return sum(c.score for c in self.cases)

    @property
    def max_score(self) -> float:
        return sum(c.points for c in self.cases)

    def question_scores(self) -> dict[str, tuple[float, float]]:
        """``{question: (score, max)}`` in test-file order."""
        out: dict[str, tuple[float, float]] = {}
        for c in self.cases:
            got, top = out.get(c.question, (0.0, 0.0))
            out[c.question] = (got + c.score, top + c.points)
        return out


def settle_status(result: SubmissionResult) -> SubmissionResult:
    """``result`` with status ``grader_error`` when its cases ran (``ok``, or stopped by a timeout) but one
    could not be judged:
    its total is then not the student's score, and every output reads the status (no total in the
    gradebook and the exports, a grader-error notice in the feedback and results.json)."""
    if result.status not in (NO_SUBMISSION, UNREADABLE, GRADER_ERROR) and any(
            c.status == GRADER_ERROR for c in result.cases):  # also a submission that ran out of time mid-way
        result.status = GRADER_ERROR
    return result


def submission_from_dict(data: dict) -> SubmissionResult:
    """Inverse of ``dataclasses.asdict(SubmissionResult)`` (the journal stores results this way)."""
    cases = [CaseResult(**c) for c in data.get("cases", [])]
    return SubmissionResult(data["student"], cases, data.get("status", "ok"), list(data.get("notes", [])),
                            data.get("backend", ""), data.get("wall_s", 0.0), list(data.get("warnings", [])),
                            list(data.get("flags", [])), dict(data.get("student_info") or {}))
