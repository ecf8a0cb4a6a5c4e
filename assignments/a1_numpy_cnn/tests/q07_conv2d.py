"""Q7 conv2d: multi-channel cross-correlation with stride, padding, dilation and bias.

Public cases: the lecture's worked examples, expected values written out by hand.
Hidden cases: random shapes and hyper-parameters (seeded per student), compared with the reference; the
dtype rules (their own case: value cases compare values only); invalid arguments; inputs left unchanged.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, conv_inputs, student

OK_FORMAT = False
name = "q07_conv2d"

LECTURE_X = np.array([[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]],
                     dtype=np.float64)
LECTURE_K = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float64)


@test_case(points=1, hidden=False)
def conv2d_lecture_example(conv2d):
    """The lecture's 5x5 input and 3x3 filter, as a (1, 1, 5, 5) batch: 25 at the top left."""
    expected = np.array([[[[25, 18, 17], [18, 22, 14], [20, 15, 23]]]], dtype=np.float64)
    student("conv2d", conv2d).expect(expected, LECTURE_X[None, None], LECTURE_K[None, None], case="lecture 5x5 example")


@test_case(points=1, hidden=False)
def conv2d_two_channels_bias(conv2d):
    """Two input channels are summed; the bias is added to every output position."""
    x = np.stack([LECTURE_X, np.ones((5, 5))])[None]                  # (1, 2, 5, 5)
    w = np.stack([LECTURE_K, np.zeros((3, 3))])[None]                 # (1, 2, 3, 3)
    w[0, 1, 1, 1] = 2.0                                               # + 2 * (channel of ones)
    expected = np.array([[[[27.5, 20.5, 19.5], [20.5, 24.5, 16.5], [22.5, 17.5, 25.5]]]])
    student("conv2d", conv2d).expect(expected, x, w, np.array([0.5]), case="2 channels, bias 0.5")


@test_case(points=1, hidden=False)
def conv2d_stride_2_padding_1(conv2d):
    """Stride 2 with zero padding 1 on the lecture example: output 3x3."""
    expected = np.array([[[[10, 11, 9], [5, 22, 11], [1, 16, 15]]]], dtype=np.float64)
    student("conv2d", conv2d).expect(expected, LECTURE_X[None, None], LECTURE_K[None, None], stride=2, padding=1,
                                     case="stride 2, padding 1")


# BEGIN HIDDEN TESTS
def _check_conv2d(conv2d, label, kernel=None, **hyper):
    """conv2d on random inputs for ``hyper`` (``conv_inputs``: N, C, F >= 2, F != C, KH != KW unless
    ``kernel`` is given, strided sizes that round down), compared with the reference."""
    _, x, w, b = conv_inputs(label, kernel=kernel, **hyper)
    student("conv2d", conv2d).same(x, w, b, case=label, **hyper)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv2d_random_shapes(conv2d):
    _check_conv2d(conv2d, "random shapes, stride 1, no padding")
    _, x, w, b = conv_inputs("one output row and one output column")
    x = x[:, :, :w.shape[2], :w.shape[3]]                  # H = KH, W = KW: a (N, F, 1, 1) output, never squeezed
    student("conv2d", conv2d).same(x, w, b, case="one output row and one output column")
    _, x, w, b = conv_inputs("Fortran-order x")
    student("conv2d", conv2d).same(np.asfortranarray(x), w, b, case="x in Fortran order (any memory layout)")


@test_case(points=1, hidden=True)
def conv2d_rectangular_stride(conv2d):
    _check_conv2d(conv2d, "rectangular stride (2, 1), padding (1, 0)", stride=(2, 1), padding=(1, 0))


@test_case(points=1, hidden=True)
def conv2d_stride_larger_than_kernel(conv2d):
    _check_conv2d(conv2d, "stride 3 with a small kernel", kernel=(2, 1), stride=3)   # the same kernel for everyone


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
def conv2d_no_bias(conv2d):
    f = student("conv2d", conv2d)
    _, x, w, _ = conv_inputs("float32, b=None", stride=2, padding=1)
    f.same(x.astype(np.float32), w.astype(np.float32), None, stride=2, padding=1, case="float32 in, b=None")
    _, x, w, b = conv_inputs("mixed float32 and float64", stride=2, padding=1)
    f.same(x, w.astype(np.float32), None, stride=2, padding=1, case="float64 x, float32 w, b=None")


@test_case(points=0.5, hidden=True)
def conv2d_dtypes(conv2d):
    f = student("conv2d", conv2d)
    _, x, w, b = conv_inputs("conv2d dtypes", stride=2, padding=1)
    f.dtype(x.astype(np.float32), w.astype(np.float32), None, stride=2, padding=1, case="float32 in: float32 out")
    f.dtype(x.astype(np.float32), w, b, stride=2, padding=1, case="float32 x, float64 w and b: float64 out")
    f.dtype(x, w.astype(np.float32), None, stride=2, padding=1, case="float64 x, float32 w: float64 out")
    rng = case_rng("conv2d dtypes: integers")
    f.dtype(rng.integers(-5, 6, size=x.shape), rng.integers(-2, 3, size=w.shape), None, padding=1,
            case="integer x and w, b=None: float64 out")


@test_case(points=0.5, hidden=True)
def conv2d_invalid_arguments(conv2d):
    f = student("conv2d", conv2d)
    _, x, w, b = conv_inputs("invalid arguments")
    f.valid_call(x, w, b, stride=1, padding=1)
    f.raises(ValueError, np.concatenate([x, x], axis=1), w, b, case="channel mismatch (x has more channels than w)")
    f.raises(ValueError, x, np.concatenate([w, w], axis=1), b, case="channel mismatch (w has more channels than x)")
    f.raises(ValueError, x, w, b, stride=0, case="stride 0")
    f.raises(ValueError, x, w, b, padding=-1, case="padding -1")
    f.raises(ValueError, x, w, b, stride=2, padding="same", case='"same" with stride 2')
    f.raises(TypeError, x, w, b, stride=1.0, case="stride 1.0 (a float)")


@test_case(points=1, hidden=True)
def conv2d_integer_inputs(conv2d):
    rng, x, w, b = conv_inputs("integer inputs", padding=1)
    xi, wi = rng.integers(-5, 6, size=x.shape), rng.integers(-2, 3, size=w.shape)
    student("conv2d", conv2d).same(xi, wi, None, padding=1, case="integer x and w, b=None")


@test_case(points=0, hidden=True)
def conv2d_keeps_inputs_info(conv2d):
    _, x, w, b = conv_inputs("inputs unchanged")
    student("conv2d", conv2d).keeps_inputs(x, w, b, stride=1, padding=1, what="x, w or b")
