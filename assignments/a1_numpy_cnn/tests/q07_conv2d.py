"""Q7 conv2d: multi-channel cross-correlation with stride, padding, dilation and bias.

Public cases: the lecture's worked examples, expected values written out by hand.
Hidden cases: random shapes and hyper-parameters (seeded per student), compared with the reference.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, case_rng, check_array, expect_raises, reference

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
def _random_case(label, *, n=(1, 4), c=(1, 4), f=(1, 5), size=(5, 12), k=(1, 4)):
    rng = case_rng(label)
    kh, kw = (int(v) for v in rng.integers(*k, size=2))
    x = rng.standard_normal((int(rng.integers(*n)), int(rng.integers(*c)), *(int(v) for v in rng.integers(*size, 2))))
    w = rng.standard_normal((int(rng.integers(*f)), x.shape[1], kh, kw))
    b = rng.standard_normal(w.shape[0])
    return rng, x, w, b


def _check_conv2d(conv2d, label, **hyper):
    _, x, w, b = _random_case(label)
    got = call("conv2d", conv2d, x, w, b, **hyper)
    check_array("conv2d", got, reference().conv2d(x, w, b, **hyper), case=label)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv2d_random_shapes(conv2d):
    _check_conv2d(conv2d, "random shapes, stride 1, no padding")


@test_case(points=1, hidden=True)
def conv2d_rectangular_stride(conv2d):
    _check_conv2d(conv2d, "rectangular stride (2, 1), padding (1, 0)", stride=(2, 1), padding=(1, 0))


@test_case(points=1, hidden=True)
def conv2d_stride_larger_than_kernel(conv2d):
    _check_conv2d(conv2d, "stride 3 with a small kernel", stride=3)


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
    _, x, w, _ = _random_case("float32, b=None")
    x, w = x.astype(np.float32), w.astype(np.float32)
    got = call("conv2d", conv2d, x, w, None, stride=2, padding=1)
    check_array("conv2d", got, reference().conv2d(x, w, None, stride=2, padding=1), case="float32 in, b=None")


@test_case(points=1, hidden=True)
def conv2d_invalid_arguments(conv2d):
    _, x, w, b = _random_case("invalid arguments")
    expect_raises(ValueError, "conv2d", conv2d, x, w[:, :1].repeat(x.shape[1] + 1, axis=1), case="channel mismatch")
    expect_raises(ValueError, "conv2d", conv2d, x, w, b, stride=0, case="stride 0")
    expect_raises(ValueError, "conv2d", conv2d, x, w, b, padding=-1, case="padding -1")
    expect_raises(ValueError, "conv2d", conv2d, x, w, b, stride=2, padding="same", case='"same" with stride 2')
    expect_raises(TypeError, "conv2d", conv2d, x, w, b, stride=1.0, case="stride 1.0 (a float)")


@test_case(points=1, hidden=True)
def conv2d_keeps_inputs(conv2d):
    from autograder.checks import check_true, run_probe
    _, x, w, b = _random_case("inputs unchanged")
    unchanged = run_probe("inputs_unchanged", "conv2d", conv2d, (x, w, b), {"stride": 1, "padding": 1})
    check_true(unchanged, "'conv2d' modified its input arrays: never write into x, w or b")
