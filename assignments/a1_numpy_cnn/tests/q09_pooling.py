"""Q9 pooling: max, average (zero padding counted), L2 and global average pooling.

Public cases: a 4x4 feature map pooled by hand; padding that is never the maximum (-inf) and that
counts as zeros in the average; L2 windows with whole-number norms.
Hidden cases: random shapes, kernels, strides and paddings (seeded per student), compared with the
reference; the dtype rules (their own case: value cases compare values only); invalid arguments; inputs left
unchanged.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, pair, random_extent, student

OK_FORMAT = False
name = "q09_pooling"

X4 = np.array([[[[1.0, 3.0, 2.0, 0.0], [4.0, -1.0, 6.0, 5.0], [0.0, 2.0, -3.0, 1.0], [7.0, 1.0, 2.0, 8.0]]]])


@test_case(points=1, hidden=False)
def max_pool2d_by_hand(max_pool2d):
    """2x2 windows (stride = kernel size by default); 3x3 windows at stride 1 overlap."""
    f = student("max_pool2d", max_pool2d)
    f.expect(np.array([[[[4.0, 6.0], [7.0, 8.0]]]]), X4, 2, case="4x4 input, kernel 2")
    f.expect(np.array([[[[6.0, 6.0], [7.0, 8.0]]]]), X4, 3, stride=1, case="4x4 input, kernel 3, stride 1")


@test_case(points=1, hidden=False)
def max_pool2d_padding_is_never_the_max(max_pool2d):
    """Max-pool padding is -inf: on an all-negative map each padded 2x2 window keeps its one real value."""
    x = np.array([[[[-1.0, -2.0], [-3.0, -4.0]]]])
    student("max_pool2d", max_pool2d).expect(x, x, 2, stride=2, padding=1,
                                             case="all-negative 2x2 input, kernel 2, stride 2, padding 1")


@test_case(points=1, hidden=False)
def avg_pool2d_by_hand(avg_pool2d):
    """The mean of each window; zero padding counts in the mean (``count_include_pad=True``)."""
    f = student("avg_pool2d", avg_pool2d)
    f.expect(np.array([[[[1.75, 3.25], [2.5, 2.0]]]]), X4, 2, case="4x4 input, kernel 2")
    f.expect(np.array([[[[0.25, 0.5], [0.5, 1.0]]]]), np.ones((1, 1, 3, 3)), 2, stride=2, padding=1,
             case="3x3 ones, kernel 2, stride 2, padding 1")


@test_case(points=1, hidden=False)
def l2_pool2d_by_hand(l2_pool2d):
    """L2 pooling: the square root of each window's sum of squares (the sign does not matter)."""
    x = np.array([[[[-3.0, 4.0, 1.0, 2.0], [0.0, 0.0, 2.0, 4.0], [6.0, 0.0, 2.0, 3.0], [0.0, 8.0, 6.0, 0.0]]]])
    student("l2_pool2d", l2_pool2d).expect(np.array([[[[5.0, 5.0], [10.0, 7.0]]]]), x, 2, case="4x4 input, kernel 2")


@test_case(points=1, hidden=False)
def global_avg_pool2d_by_hand(global_avg_pool2d):
    """One mean per channel: (N, C, H, W) -> (N, C)."""
    x = np.array([[[[1.0, 2.0], [3.0, 4.0]], [[0.0, 0.0], [0.0, 8.0]]]])
    student("global_avg_pool2d", global_avg_pool2d).expect(np.array([[2.5, 2.0]]), x, case="(1, 2, 2, 2) input")


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


def _random_x(label, dtype=np.float64, k=1, s=None, p=0):
    """A random (N, C, H, W) batch, N >= 2, C >= 2, H != W; on every axis where the stride (None: the kernel
    size) is > 1, the pooling output size rounds down (ceil != floor), whatever the student id."""
    rng = case_rng(label)
    k, p = pair(k), pair(p)
    s = k if s is None else pair(s)
    while True:
        hw = [random_extent(rng, 5, 14, ki, si, pi) for ki, si, pi in zip(k, s, p, strict=False)]
        if hw[0] != hw[1]:
            break
    return rng.standard_normal((int(rng.integers(2, 4)), int(rng.integers(2, 4)), *hw)).astype(dtype)


def _check_pool(fn_name, fn):
    for label, k, s, p in POOL_CASES:
        if fn_name == "l2_pool2d" and p:
            continue                                # L2 pooling has no padding
        x = _random_x(f"{fn_name} {label}", k=k, s=s, p=0 if fn_name == "l2_pool2d" else p)
        x = -np.abs(x) if p else x                  # all-negative: zero padding would win a max
        hyper = {"stride": s} if fn_name == "l2_pool2d" else {"stride": s, "padding": p}
        student(fn_name, fn).same(x, k, case=label, **hyper)
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
    student("global_avg_pool2d", global_avg_pool2d).same(_random_x("global_avg_pool2d random"), case="random shape")


@test_case(points=0.5, hidden=True)
def pooling_float32_and_integers(max_pool2d, avg_pool2d, l2_pool2d, global_avg_pool2d):
    # all-negative (zero padding would win a max); H: (H + 2 - 3) % 2 != 0 for (3, 2, 1), W: W % 2 != 0 for 2
    x32 = -np.abs(_random_x("pooling float32", np.float32, k=(3, 2), s=2, p=(1, 0)))
    xi = case_rng("pooling integers").integers(-9, 10, size=(2, 2, 6, 7))   # W=7: the last column is dropped
    for f, args in ((student("max_pool2d", max_pool2d), (3, 2, 1)), (student("avg_pool2d", avg_pool2d), (3, 2, 1)),
                    (student("l2_pool2d", l2_pool2d), (2,)), (student("global_avg_pool2d", global_avg_pool2d), ())):
        f.same(x32, *args, case="float32 input")
        if f.name != "l2_pool2d":
            f.same(xi, *args[:1], case="integer input")


@test_case(points=0.5, hidden=True)
def pooling_dtypes(max_pool2d, avg_pool2d, l2_pool2d, global_avg_pool2d):
    x32 = -np.abs(_random_x("pooling dtypes", np.float32, k=(3, 2), s=2, p=(1, 0)))
    xi = case_rng("pooling dtypes: integers").integers(-9, 10, size=(2, 2, 6, 7))
    for f, args in ((student("max_pool2d", max_pool2d), (3, 2, 1)), (student("avg_pool2d", avg_pool2d), (3, 2, 1)),
                    (student("l2_pool2d", l2_pool2d), (2,)), (student("global_avg_pool2d", global_avg_pool2d), ())):
        f.dtype(x32, *args, case="float32 in: float32 out")
        if f.name != "l2_pool2d":
            f.dtype(xi, *args[:1], case="integer in: float64 out")


@test_case(points=1, hidden=True)
def pooling_invalid_arguments(max_pool2d, avg_pool2d, l2_pool2d):
    x = _random_x("pooling invalid arguments")
    x = x[..., :x.shape[2] // 2 * 2, :x.shape[3] // 2 * 2]    # even H, W: floor = ceil, a size bug is charged elsewhere
    fmax, favg = student("max_pool2d", max_pool2d), student("avg_pool2d", avg_pool2d)
    fl2 = student("l2_pool2d", l2_pool2d)
    fmax.valid_call(x, 2, case="kernel 2 (a valid call first)")
    favg.valid_call(x, 2, 1, case="kernel 2, stride 1 (a valid call first)")
    fl2.valid_call(x, 2, case="kernel 2 (a valid call first)")
    fmax.raises(ValueError, x, 2, padding=2, case="padding > kernel_size // 2")
    favg.raises(ValueError, x, 3, padding=(0, 2), case="padding (0, 2) with kernel 3")
    fmax.raises(ValueError, x, 2, stride=0, case="stride 0")
    favg.raises(ValueError, x, 0, case="kernel_size 0")
    fmax.raises(ValueError, x[0], 2, case="3-D input")
    fl2.raises(ValueError, x, 20, case="window larger than the input")
    fmax.raises(TypeError, x, 2.0, case="kernel_size 2.0 (a float)")


@test_case(points=0, hidden=True)
def pooling_keeps_inputs_info(max_pool2d, avg_pool2d, l2_pool2d, global_avg_pool2d):
    x = -np.abs(_random_x("pooling inputs unchanged")) - 0.1  # all negative: the padded border always matters
    student("max_pool2d", max_pool2d).keeps_inputs(x, 3, 2, 1, what="x")
    student("avg_pool2d", avg_pool2d).keeps_inputs(x, 3, 2, 1, what="x")
    student("l2_pool2d", l2_pool2d).keeps_inputs(x, 2, what="x")
    student("global_avg_pool2d", global_avg_pool2d).keeps_inputs(x, what="x")
