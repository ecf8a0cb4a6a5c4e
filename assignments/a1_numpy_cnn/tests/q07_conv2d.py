"""Q7 conv2d: multi-channel cross-correlation with stride, padding, dilation and bias.

Public cases: the lecture's worked examples, expected values written out by hand.
Hidden cases: random shapes and hyper-parameters (seeded per student), compared with the reference.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, case_rng, check_array, check_reference, check_true, expect_raises, inputs_kept, reference

OK_FORMAT = False
name = "q07_conv2d"

LECTURE_X = np.array([[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]],
                     dtype=np.float64)
LECTURE_K = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float64)


@test_case(points=1, hidden=False)
def conv2d_lecture_example(conv2d):
    """The lecture's 5x5 input and 3x3 filter, as a (1, 1, 5, 5) batch: 25 at the top left."""
    got = call("conv2d", conv2d, LECTURE_X[None, None], LECTURE_K[None, None])
    expected = np.array([[[[25, 18, 17], [18, 22, 14], [20, 15, 23]]]], dtype=np.float64)
    check_array("conv2d", got, expected, case="lecture 5x5 example")


@test_case(points=1, hidden=False)
def conv2d_two_channels_bias(conv2d):
    """Two input channels are summed; the bias is added to every output position."""
    x = np.stack([LECTURE_X, np.ones((5, 5))])[None]                  # (1, 2, 5, 5)
    w = np.stack([LECTURE_K, np.zeros((3, 3))])[None]                 # (1, 2, 3, 3)
    w[0, 1, 1, 1] = 2.0                                               # + 2 * (channel of ones)
    got = call("conv2d", conv2d, x, w, np.array([0.5]))
    expected = np.array([[[[27.5, 20.5, 19.5], [20.5, 24.5, 16.5], [22.5, 17.5, 25.5]]]])
    check_array("conv2d", got, expected, case="2 channels, bias 0.5")


@test_case(points=1, hidden=False)
def conv2d_stride_2_padding_1(conv2d):
    """Stride 2 with zero padding 1 on the lecture example: output 3x3."""
    got = call("conv2d", conv2d, LECTURE_X[None, None], LECTURE_K[None, None], stride=2, padding=1)
    expected = np.array([[[[10, 11, 9], [5, 22, 11], [1, 16, 15]]]], dtype=np.float64)
    check_array("conv2d", got, expected, case="stride 2, padding 1")


# BEGIN HIDDEN TESTS
def _axes(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _inexact(n, k, s, p, d):
    """True when floor and ceil of ``(n + 2p - d(k-1) - 1) / s`` differ (the last window is incomplete)."""
    return s > 1 and (n + 2 * p - d * (k - 1) - 1) % s != 0


def _random_case(label, *, kernel=None, stride=1, padding=0, dilation=1):
    """Random (x, w, b) for ``conv2d(x, w, b, stride, padding, dilation)``.

    Every draw exercises what the case is about, whatever the student id: the kernel is at least 2 wide
    on one axis (so a flipped kernel or an ignored dilation shows), KH != KW (so transposed axes or a
    swapped pad order show; one of the two is even, so "same" padding is asymmetric), and with a stride
    > 1 the output size rounds down on every strided axis (so ceil != floor).
    """
    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.choice([2, 3, 4], size=2, replace=False))
    s, d = _axes(stride), _axes(dilation)
    p = _axes(0 if padding in ("valid", "same") else padding) if padding != "full" else \
        (d[0] * (kh - 1), d[1] * (kw - 1))
    hw = []
    for k, si, pi, di in zip((kh, kw), s, p, d):
        while True:
            n = int(rng.integers(5, 12))
            if n + 2 * pi - di * (k - 1) - 1 >= 0 and (si == 1 or _inexact(n, k, si, pi, di)):
                hw.append(n)
                break
    x = rng.standard_normal((int(rng.integers(2, 4)), int(rng.integers(2, 4)), *hw))   # N >= 2, C >= 2
    f = int(rng.choice([v for v in (2, 3, 4) if v != x.shape[1]]))           # F >= 2, F != C
    w = rng.standard_normal((f, x.shape[1], kh, kw))
    b = rng.standard_normal(w.shape[0])
    return rng, x, w, b


def _check_conv2d(conv2d, label, kernel=None, **hyper):
    _, x, w, b = _random_case(label, kernel=kernel, **hyper)
    expected = reference().conv2d(x, w, b, **hyper)           # FIRST, on the pristine inputs
    got = call("conv2d", conv2d, x, w, b, **hyper)
    check_array("conv2d", got, expected, case=label)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv2d_random_shapes(conv2d):
    _check_conv2d(conv2d, "random shapes, stride 1, no padding")


@test_case(points=1, hidden=True)
def conv2d_rectangular_stride(conv2d):
    _check_conv2d(conv2d, "rectangular stride (2, 1), padding (1, 0)", stride=(2, 1), padding=(1, 0))


@test_case(points=1, hidden=True)
def conv2d_stride_larger_than_kernel(conv2d):
    kernel = [(2, 2), (2, 1), (1, 2)][int(case_rng("stride 3 kernel").integers(3))]
    _check_conv2d(conv2d, "stride 3 with a small kernel", kernel=kernel, stride=3)


@test_case(points=1, hidden=True)
def conv2d_dilation(conv2d):
    _check_conv2d(conv2d, "dilation (2, 1), padding 2", dilation=(2, 1), padding=2)


@test_case(points=1, hidden=True)
def conv2d_same_padding(conv2d):
    _check_conv2d(conv2d, 'padding "same" (even kernels too)', padding="same")


@test_case(points=1, hidden=True)
def conv2d_full_padding(conv2d):
    _check_conv2d(conv2d, 'padding "full" with dilation 2', padding="full", dilation=2)


@test_case(points=1, hidden=True)
def conv2d_no_bias_float32(conv2d):
    _, x, w, _ = _random_case("float32, b=None", stride=2, padding=1)
    x, w = x.astype(np.float32), w.astype(np.float32)
    expected = reference().conv2d(x, w, None, stride=2, padding=1)
    got = call("conv2d", conv2d, x, w, None, stride=2, padding=1)
    check_array("conv2d", got, expected, case="float32 in, b=None")
    _, x, w, b = _random_case("mixed float32 and float64", stride=2, padding=1)
    for label, args in (("float32 x, float64 w and b: float64 out", (x.astype(np.float32), w, b)),
                        ("float64 x, float32 w: float64 out", (x, w.astype(np.float32), None))):
        expected = reference().conv2d(*args, stride=2, padding=1)
        check_array("conv2d", call("conv2d", conv2d, *args, stride=2, padding=1), expected, case=label)


@test_case(points=1, hidden=True)
def conv2d_invalid_arguments(conv2d):
    _, x, w, b = _random_case("invalid arguments")
    check_reference("conv2d", conv2d, x, w, b, stride=1, padding=1, case="a valid call first")
    expect_raises(ValueError, "conv2d", conv2d, np.concatenate([x, x], axis=1), w, b,
                  case="channel mismatch (x has more channels than w)")
    expect_raises(ValueError, "conv2d", conv2d, x, np.concatenate([w, w], axis=1), b,
                  case="channel mismatch (w has more channels than x)")
    expect_raises(ValueError, "conv2d", conv2d, x, w, b, stride=0, case="stride 0")
    expect_raises(ValueError, "conv2d", conv2d, x, w, b, padding=-1, case="padding -1")
    expect_raises(ValueError, "conv2d", conv2d, x, w, b, stride=2, padding="same", case='"same" with stride 2')
    expect_raises(TypeError, "conv2d", conv2d, x, w, b, stride=1.0, case="stride 1.0 (a float)")


@test_case(points=1, hidden=True)
def conv2d_integer_inputs(conv2d):
    rng, x, w, b = _random_case("integer inputs", padding=1)
    xi, wi = rng.integers(-5, 6, size=x.shape), rng.integers(-2, 3, size=w.shape)
    expected = reference().conv2d(xi, wi, None, padding=1)
    check_array("conv2d", call("conv2d", conv2d, xi, wi, None, padding=1), expected,
                case="integer x and w, b=None: float64 out")


@test_case(points=0, hidden=True)
def conv2d_keeps_inputs_info(conv2d):
    _, x, w, b = _random_case("inputs unchanged")
    check_true(inputs_kept("conv2d", conv2d, (x, w, b), {"stride": 1, "padding": 1}) is not False,
               "'conv2d' modified its input arrays: never write into x, w or b (for information, worth no points: only the sandbox sees this, so it is your code's word)")
