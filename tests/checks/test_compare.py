"""Layered student messages: missing -> type -> shape -> dtype -> finite -> value; hidden cases show no data."""
import numpy as np
import pytest

from autograder.checks import (
    CheckFailure,
    GradingContext,
    StudentCallError,
    call,
    check_array,
    check_int,
    check_ints,
    check_scalar,
    expect_raises,
    use_context,
    verified,
)

EXPECTED = np.arange(6, dtype=np.float64).reshape(2, 3)


class AlwaysEqual:
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("got, fragment", [
    pytest.param([[0, 1, 2], [3, 4, 5]], "returned a list: expected a numpy.ndarray", id="type-list"),
    pytest.param(np.matrix(EXPECTED), "matrix (ndarray subclass)", id="type-matrix"),
    pytest.param(AlwaysEqual(), "expected a numpy.ndarray", id="type-always-equal"),
    pytest.param(EXPECTED.astype(object), "dtype object", id="type-object-array"),
    pytest.param(EXPECTED.T, "wrong shape: got (3, 2), expected (2, 3)", id="shape"),
    pytest.param(EXPECTED.astype(np.float32), "wrong dtype: got float32, expected float64", id="dtype"),
    pytest.param(np.where(EXPECTED > 3, np.nan, EXPECTED), "NaN or inf at 2 of 6", id="finite"),
    pytest.param(EXPECTED + 1e-3, "wrong values: 6 of 6 elements differ", id="value"),
])
def test_first_failing_layer_is_reported(got, fragment):
    """Does check_array report the first failing layer, phrased for the student?"""
    with pytest.raises(CheckFailure, match=r"^'conv2d' \(stride 2\) ") as info:
        check_array("conv2d", got, EXPECTED, case="stride 2")
    assert fragment in str(info.value)


def test_values_within_tolerance_pass():
    """Are float64 round-off differences accepted?"""
    check_array("conv2d", EXPECTED * (1 + 1e-12), EXPECTED)


def test_hidden_case_messages_reveal_no_shapes_or_values():
    """In a hidden case, do messages leave out hidden shapes and values?"""
    with use_context(GradingContext(hidden=True)):
        with pytest.raises(CheckFailure) as info:
            check_array("conv2d", EXPECTED.T, EXPECTED, case="stride 2")
        assert "(3, 2)" not in str(info.value) and "(2, 3)" not in str(info.value)
        with pytest.raises(CheckFailure) as info:
            check_int("conv_output_size", 17, 19, case="random sizes")
        assert "17" not in str(info.value) and "19" not in str(info.value)


def test_missing_function():
    """Is an undefined student function reported as not defined (first layer)?"""
    with pytest.raises(StudentCallError, match="'conv2d' is not defined"):
        call("conv2d", None, EXPECTED)


def test_student_exception_becomes_failure():
    """Does an exception raised by the student's code become a failure naming the function?"""
    def broken(x):
        raise IndexError("index 7 is out of bounds")
    with pytest.raises(StudentCallError, match="'conv2d' raised IndexError: index 7"):
        call("conv2d", broken, EXPECTED)


def test_expect_raises():
    """Does expect_raises accept the right error (and subclasses) and reject others or none?"""
    def raises_value_error(**_):
        raise ValueError("stride must be >= 1")
    verified("conv2d")  # an invalid-argument case counts only after a checked valid call
    expect_raises(ValueError, "conv2d", raises_value_error, stride=0)
    expect_raises(Exception, "conv2d", raises_value_error, stride=0)
    with pytest.raises(CheckFailure, match="raised ValueError: expected TypeError"):
        expect_raises(TypeError, "conv2d", raises_value_error, stride=0.5)
    with pytest.raises(CheckFailure, match="returned normally: expected it to raise ValueError"):
        expect_raises(ValueError, "conv2d", lambda **_: None, stride=0)


@pytest.mark.parametrize("got, ok", [(5, True), (np.int64(5), True), (5.0, False), (True, False), ("5", False)])
def test_check_int_types(got, ok):
    """Is an int required (numpy integers accepted; floats, bools and strings refused)?"""
    if ok:
        check_int("conv_output_size", got, 5)
    else:
        with pytest.raises(CheckFailure, match="expected an int"):
            check_int("conv_output_size", got, 5)


def test_check_ints_structure():
    """Does check_ints compare nested tuples/lists of ints, refusing floats?"""
    check_ints("network_summary", [((6, 28, 28), 156)], [((6, 28, 28), 156)])
    check_ints("same_padding", [1, 2], (1, 2))
    with pytest.raises(CheckFailure):
        check_ints("same_padding", (1.0, 2.0), (1, 2))
    with pytest.raises(CheckFailure):
        check_ints("network_summary", [((6, 28, 28), 150)], [((6, 28, 28), 156)])


def test_check_scalar():
    """Does check_scalar require a Python float and compare within tolerance?"""
    check_scalar("evaluate", 0.25, 0.25)
    with pytest.raises(CheckFailure, match="expected a Python float"):
        check_scalar("evaluate", np.array(0.25), 0.25)
    with pytest.raises(CheckFailure, match="is wrong"):
        check_scalar("evaluate", 25.0, 0.25)


def test_expect_array_checks_type_kind_and_shape_before_arithmetic():
    """Does expect_array refuse a non-array, a zero-itemsize or non-numeric dtype and any other shape
    (one that would broadcast: (N, 1) against (M,)) before the caller computes with it?"""
    from autograder.checks import CheckFailure, expect_array

    ok = np.arange(5)
    assert expect_array("f", ok, (5,)) is ok
    for bad in ([0, 1, 2, 3, 4], np.zeros((5, 1), dtype=np.int64), np.zeros(5, dtype="U1"), np.ndarray((5,), "S0"),
                np.zeros(5, dtype=np.float64)):
        with pytest.raises(CheckFailure):
            expect_array("f", bad, (5,), kinds="iu")
