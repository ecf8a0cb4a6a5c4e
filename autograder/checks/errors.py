"""Exceptions that mean "the student's code is wrong", as opposed to a grader error.

Both subclass ``AssertionError`` so that plain ``otter run`` reports them as ordinary test failures.
Any other exception escaping a test case is a grader error (README, "Grading: the trust boundary").
"""


class CheckFailure(AssertionError):
    """A student's result failed a check; ``str(self)`` is the student-facing message."""


class StudentCallError(CheckFailure):
    """Calling the student's function failed: it raised, timed out, crashed or is not defined."""

    def __init__(self, message: str, kind: str = "error", exc_type: str = "", mro: tuple[str, ...] = ()):
        super().__init__(message)
        self.kind = kind
        """``missing``, ``error`` (raised), ``timeout``, ``crash`` or ``bad_result``."""
        self.exc_type = exc_type
        """Name of the exception the student's code raised (``kind == "error"``)."""
        self.mro = mro
        """Names of the exception's classes, most derived first (for ``expect_raises``)."""


def shown_type(exc_type: str) -> str:
    """An exception's type name as a hidden case may show it: Python's own exception names only (a
    class the submission defines could be named after a hidden input)."""
    import builtins

    klass = getattr(builtins, exc_type, None)
    return exc_type if isinstance(klass, type) and issubclass(klass, BaseException) \
        else "an exception of a class defined in the submission"
