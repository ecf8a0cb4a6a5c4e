"""The trust rules of the check toolkit: invalid-argument checks need a checked valid call, hidden cases
carry no text the student's code produced, hidden inputs follow (secret, student, file hash)."""
import numpy as np
import pytest

from autograder.checks import (
    CheckFailure,
    GradingContext,
    StudentCallError,
    call,
    case_rng,
    check_int,
    expect_raises,
    use_context,
)
from autograder.core.calls import ERROR, CallResult
from autograder.grade.proxies import call_error


def _raises_value_error(*args):
    raise ValueError(f"ECHO {args!r}")


def test_expect_raises_needs_a_checked_valid_call():
    """Does a stub that raises for every call earn an invalid-argument check? (No: a test design error.)"""
    with use_context(GradingContext()):
        with pytest.raises(RuntimeError, match="without a checked valid call"):
            expect_raises(ValueError, "f", _raises_value_error, 0)


def test_expect_raises_counts_after_a_correct_result():
    """Is the raise believed once the same function returned a correct value in the same case?"""
    def f(n):
        if n <= 0:
            raise ValueError("n must be positive")
        return n + 1

    with use_context(GradingContext()):
        check_int("f", call("f", f, 2), 3)
        expect_raises(ValueError, "f", f, 0)
        with pytest.raises(CheckFailure):
            expect_raises(TypeError, "f", f, 0)


def test_hidden_case_shows_no_student_text_in_process():
    """In a hidden case, is the exception's message (here echoing its arguments) left out?"""
    class ECHO314(ValueError):
        pass

    def f(x):
        raise ECHO314(f"ECHO {x}")

    with use_context(GradingContext(hidden=True)):
        with pytest.raises(StudentCallError) as info:
            call("f", f, 271828)
    assert "ECHO" not in str(info.value) and "271828" not in str(info.value) and "314" not in str(info.value)
    with use_context(GradingContext(hidden=False)):
        with pytest.raises(StudentCallError) as info:
            call("f", f, 271828)
    assert "271828" in str(info.value)


def test_hidden_case_shows_no_student_text_from_the_worker():
    """The same for a failed call of a sandboxed function (the worker's "Type: message" text)."""
    r = CallResult(ERROR, error="ECHO314: ECHO (271828,)")
    with use_context(GradingContext(hidden=True)):
        text = str(call_error("f", r, "cnn_numpy.py", 2.0))
    assert "ECHO" not in text and "271828" not in text
    r = CallResult(ERROR, error="ValueError: ECHO (271828,)")
    with use_context(GradingContext(hidden=True)):
        text = str(call_error("f", r, "cnn_numpy.py", 2.0))
    assert "ValueError" in text and "271828" not in text


def _draw(**kw):
    with use_context(GradingContext(seed=7, student="alice", **kw)):
        return case_rng("label").standard_normal(4)


def test_hidden_inputs_follow_secret_student_and_file():
    """Same (secret, student, file hash) -> the same inputs; any of them changed -> new inputs."""
    base = _draw(secret="s", submission_sha256="aa")
    assert np.array_equal(base, _draw(secret="s", submission_sha256="aa"))
    assert not np.array_equal(base, _draw(secret="s", submission_sha256="ab"))
    assert not np.array_equal(base, _draw(secret="t", submission_sha256="aa"))
