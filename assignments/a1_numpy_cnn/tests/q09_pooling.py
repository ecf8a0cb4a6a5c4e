"""Q9 pooling: max, average (zero padding counted), L2 and global average pooling.

Public cases: a 4x4 feature map pooled by hand; padding that is never the maximum (-inf) and that
counts as zeros in the average; L2 windows with whole-number norms.
Hidden cases: random shapes, kernels, strides and paddings (seeded per student), compared with the
reference; dtypes, inputs left unchanged, invalid arguments.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, case_rng, check_array, check_true, expect_raises, reference, inputs_kept

OK_FORMAT = False
name = "q09_pooling"

X4 = np.array([[[[1.0, 3.0, 2.0, 0.0], [4.0, -1.0, 6.0, 5.0], [0.0, 2.0, -3.0, 1.0], [7.0, 1.0, 2.0, 8.0]]]])


@test_case(points=1, hidden=False)
def max_pool2d_by_hand(max_pool2d):
    """2x2 windows (stride = kernel size by default); 3x3 windows at stride 1 overlap."""
    check_array("max_pool2d", call("max_pool2d", max_pool2d, X4, 2), np.array([[[[4.0, 6.0], [7.0, 8.0]]]]),
                case="4x4 input, kernel 2")
    check_array("max_pool2d", call("max_pool2d", max_pool2d, X4, 3, stride=1), np.array([[[[6.0, 6.0], [7.0, 8.0]]]]),
                case="4x4 input, kernel 3, stride 1")


@test_case(points=1, hidden=False)
def max_pool2d_padding_is_never_the_max(max_pool2d):
    """Max-pool padding is -inf: on an all-negative map each padded 2x2 window keeps its one real value."""
    x = np.array([[[[-1.0, -2.0], [-3.0, -4.0]]]])
    check_array("max_pool2d", call("max_pool2d", max_pool2d, x, 2, stride=2, padding=1), x,
                case="all-negative 2x2 input, kernel 2, stride 2, padding 1")


@test_case(points=1, hidden=False)
def avg_pool2d_by_hand(avg_pool2d):
    """The mean of each window; zero padding counts in the mean (``count_include_pad=True``)."""
    check_array("avg_pool2d", call("avg_pool2d", avg_pool2d, X4, 2), np.array([[[[1.75, 3.25], [2.5, 2.0]]]]),
                case="4x4 input, kernel 2")
    check_array("avg_pool2d", call("avg_pool2d", avg_pool2d, np.ones((1, 1, 3, 3)), 2, stride=2, padding=1),
                np.array([[[[0.25, 0.5], [0.5, 1.0]]]]), case="3x3 ones, kernel 2, stride 2, padding 1")


@test_case(points=1, hidden=False)
def l2_pool2d_by_hand(l2_pool2d):
    """L2 pooling: the square root of each window's sum of squares (the sign does not matter)."""
    x = np.array([[[[-3.0, 4.0, 1.0, 2.0], [0.0, 0.0, 2.0, 4.0], [6.0, 0.0, 2.0, 3.0], [0.0, 8.0, 6.0, 0.0]]]])
    check_array("l2_pool2d", call("l2_pool2d", l2_pool2d, x, 2), np.array([[[[5.0, 5.0], [10.0, 7.0]]]]),
                case="4x4 input, kernel 2")


@test_case(points=1, hidden=False)
def global_avg_pool2d_by_hand(global_avg_pool2d):
    """One mean per channel: (N, C, H, W) -> (N, C)."""
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [0.0, 8.0]]]])
    check_array("global_avg_pool2d", call("global_avg_pool2d", global_avg_pool2d, x), np.array([[2.5, 2.0]]),
                case="(1, 2, 2, 2) input")


# BEGIN HIDDEN TESTS
POOL_CASES = [  # (label, kernel_size, stride, padding)
    ("kernel 2, stride=None", 2, None, 0),
    ("kernel 3, stride 1 (overlapping windows)", 3, 1, 0),
    ("kernel 3, stride 2, padding 1", 3, 2, 1),
    ("kernel (2, 3), stride (1, 2), padding (1, 1)", (2, 3), (1, 2), (1, 1)),
    ("kernel 4, stride 3, padding 2", 4, 3, 2),
    ("kernel (3, 4), stride (2, 1), padding (1, 2) (asymmetric: (ph, pw))", (3, 4), (2, 1), (1, 2)),
    ("kernel (4, 2), stride (1, 2), padding (2, 0) (asymmetric: (ph, pw))", (4, 2), (1, 2), (2, 0)),
]


def _pair(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _random_x(label, dtype=np.float64, inexact=()):
    """A random (N, C, H, W) batch. ``inexact`` lists ``(axis, k, s, p)``: on each, the pooling output size
    rounds down ((n + 2p - k) % s != 0, so ceil != floor), whatever the student id."""
    rng = case_rng(label)
    hw = []
    for axis in (0, 1):
        while True:
            n = int(rng.integers(5, 14))
            if all((n + 2 * p - k) % s for a, k, s, p in inexact if a == axis):
                hw.append(n)
                break
    shape = (int(rng.integers(2, 4)), int(rng.integers(2, 4)), *hw)                 # N >= 2, C >= 2
    return rng.standard_normal(shape).astype(dtype)


def _strided_axes(k, s, p):
    """``(axis, k, s, p)`` of every axis where the stride (None: the kernel size) is > 1."""
    k, p = _pair(k), _pair(p)
    s = k if s is None else _pair(s)
    return tuple((a, k[a], s[a], p[a]) for a in (0, 1) if s[a] > 1)


def _same_as_reference(fn_name, fn, *args, case, **kwargs):
    """Compare the student's ``fn(*args, **kwargs)`` with the reference's, computed FIRST on the pristine inputs."""
    expected = getattr(reference(), fn_name)(*args, **kwargs)
    check_array(fn_name, call(fn_name, fn, *args, **kwargs), expected, case=case)


def _check_pool(fn_name, fn):
    for label, k, s, p in POOL_CASES:
        if fn_name == "l2_pool2d" and p:
            continue                                # L2 pooling has no padding
        x = _random_x(f"{fn_name} {label}", inexact=_strided_axes(k, s, 0 if fn_name == "l2_pool2d" else p))
        x = -np.abs(x) if p else x                  # all-negative: zero padding would win a max
        hyper = {"stride": s} if fn_name == "l2_pool2d" else {"stride": s, "padding": p}
        _same_as_reference(fn_name, fn, x, k, case=label, **hyper)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def max_pool2d_random(max_pool2d):
    _check_pool("max_pool2d", max_pool2d)


@test_case(points=1, hidden=True)
def avg_pool2d_random(avg_pool2d):
    _check_pool("avg_pool2d", avg_pool2d)


@test_case(points=1, hidden=True)
def l2_and_global_pool_random(l2_pool2d, global_avg_pool2d):
    _check_pool("l2_pool2d", l2_pool2d)
    x = _random_x("global_avg_pool2d random")
    _same_as_reference("global_avg_pool2d", global_avg_pool2d, x, case="random shape")


@test_case(points=1, hidden=True)
def pooling_dtypes(max_pool2d, avg_pool2d, l2_pool2d, global_avg_pool2d):
    # all-negative (zero padding would win a max); H: (H + 2 - 3) % 2 != 0 for (3, 2, 1), W: W % 2 != 0 for 2
    x32 = -np.abs(_random_x("pooling float32", np.float32, inexact=((0, 3, 2, 1), (1, 2, 2, 0))))
    _same_as_reference("max_pool2d", max_pool2d, x32, 3, 2, 1, case="float32 in: float32 out")
    _same_as_reference("avg_pool2d", avg_pool2d, x32, 3, 2, 1, case="float32 in: float32 out")
    _same_as_reference("l2_pool2d", l2_pool2d, x32, 2, case="float32 in: float32 out")
    _same_as_reference("global_avg_pool2d", global_avg_pool2d, x32, case="float32 in: float32 out")
    xi = case_rng("pooling integers").integers(-9, 10, size=(2, 2, 6, 7))   # W=7: the last column is dropped
    _same_as_reference("max_pool2d", max_pool2d, xi, 2, case="integer in: float64 out")
    _same_as_reference("avg_pool2d", avg_pool2d, xi, 2, case="integer in: float64 out")
    _same_as_reference("global_avg_pool2d", global_avg_pool2d, xi, case="integer in: float64 out")


@test_case(points=1, hidden=True)
def pooling_invalid_arguments(max_pool2d, avg_pool2d, l2_pool2d):
    x = _random_x("pooling invalid arguments")
    x = x[..., :x.shape[2] // 2 * 2, :x.shape[3] // 2 * 2]    # even H, W: floor = ceil, a size bug is charged elsewhere
    _same_as_reference("max_pool2d", max_pool2d, x, 2, case="kernel 2 (a valid call first)")
    _same_as_reference("avg_pool2d", avg_pool2d, x, 2, 1, case="kernel 2, stride 1 (a valid call first)")
    _same_as_reference("l2_pool2d", l2_pool2d, x, 2, case="kernel 2 (a valid call first)")
    expect_raises(ValueError, "max_pool2d", max_pool2d, x, 2, padding=2, case="padding > kernel_size // 2")
    expect_raises(ValueError, "avg_pool2d", avg_pool2d, x, 3, padding=(0, 2), case="padding (0, 2) with kernel 3")
    expect_raises(ValueError, "max_pool2d", max_pool2d, x, 2, stride=0, case="stride 0")
    expect_raises(ValueError, "avg_pool2d", avg_pool2d, x, 0, case="kernel_size 0")
    expect_raises(ValueError, "max_pool2d", max_pool2d, x[0], 2, case="3-D input")
    expect_raises(ValueError, "l2_pool2d", l2_pool2d, x, 20, case="window larger than the input")
    expect_raises(TypeError, "max_pool2d", max_pool2d, x, 2.0, case="kernel_size 2.0 (a float)")


@test_case(points=0, hidden=True)
def pooling_keeps_inputs_info(max_pool2d, avg_pool2d, l2_pool2d, global_avg_pool2d):
    x = -np.abs(_random_x("pooling inputs unchanged")) - 0.1  # all negative: the padded border always matters
    for fn_name, fn, args in [("max_pool2d", max_pool2d, (x, 3, 2, 1)), ("avg_pool2d", avg_pool2d, (x, 3, 2, 1)),
                              ("l2_pool2d", l2_pool2d, (x, 2)), ("global_avg_pool2d", global_avg_pool2d, (x,))]:
        check_true(inputs_kept(fn_name, fn, args, {}) is not False,
                   f"'{fn_name}' modified its input array: never write into x (for information, worth no points: only the sandbox sees this, so it is your code's word)")
