"""In-process calls with a time limit (``call_timed`` outside the engine: ``otter run``, ``check`` and
``verify``'s in-process sweep of trusted mutants, where a mutant that never returns used to hang verify)."""
import threading
import time

import pytest

from autograder.checks import StudentCallError, call_timed
from autograder.checks.remote import DeadlinePassed, deadlines, within_deadline


@pytest.fixture(autouse=True)
def _deadlines_on():
    with deadlines():  # as the engine's in-process grading (grade_in_process) turns them on
        yield


def never_returns(x):
    while True:
        try:
            x += 1
        except Exception:  # noqa: BLE001, S112 - code that swallows exceptions must still be stopped
            continue


def test_a_call_past_its_deadline_is_a_timeout():
    start = time.monotonic()
    with pytest.raises(StudentCallError, match=r"'fit' did not return within 0.3 s") as err:
        call_timed("fit", never_returns, 0.3, 0)
    assert err.value.kind == "timeout" and time.monotonic() - start < 5


def test_a_call_within_its_deadline_returns_and_nothing_lands_later():
    assert call_timed("fit", lambda x: x * 2, 0.2, 21) == 42
    time.sleep(0.4)  # past the deadline: the disarmed shot must never be raised into this code
    assert sum(range(100_000)) == 4_999_950_000
    assert threading.active_count() < 20


def test_student_errors_still_pass_through():
    def broken(x):
        raise ValueError("bad x")

    with pytest.raises(StudentCallError, match="ValueError") as err:
        call_timed("fit", broken, 5.0, 1)
    assert err.value.kind != "timeout"


def test_within_deadline_alone():
    with pytest.raises(DeadlinePassed):
        within_deadline(0.2, never_returns, 0)
    assert within_deadline(1.0, sum, [1, 2, 3]) == 6


def test_outside_the_engine_a_call_runs_to_its_end():
    """Plain `otter run` and `check` (no deadlines()): a slow call is not interrupted."""
    from autograder.checks.remote import _DEADLINES

    saved, _DEADLINES["on"] = _DEADLINES["on"], False
    try:
        assert call_timed("fit", lambda: time.sleep(0.4) or 7, 0.1) == 7
    finally:
        _DEADLINES["on"] = saved
