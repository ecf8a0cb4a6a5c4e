"""Q2 conv2d forward: a convolution as an autograd Function (``Conv2dFunction``), called by ``conv2d``.

The grader calls your ``conv2d(x, w, b, stride=, padding=)`` and your ``Conv2dFunction.forward(ctx, x, w, b,
stride, padding)`` itself, on tensors it sends, and compares the returned tensors with its own computation.
That ``conv2d`` goes through ``Conv2dFunction.apply`` is not graded (only the sandbox can see it).
Public cases: the lecture's worked examples, expected values written out by hand.
Hidden cases: random shapes (seeded per student and submission), rectangular kernels, strides and
paddings given as pairs, no bias, float32; compared with ``torch.nn.functional.conv2d`` in the grader.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import autograd_forward, case_rng, check_array, student, tensors, torch_values

OK_FORMAT = False
name = "q02_conv2d_forward"

LECTURE_X = np.array([[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]],
                     dtype=np.float64)
LECTURE_K = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float64)


def _conv2d(conv2d, x, w, b=None, stride=1, padding=0, *, case):
    """The student's ``conv2d`` on tensors the grader sends: the output tensor's values."""
    return student("conv2d", conv2d).tensor(*tensors(x, w, b), stride=stride, padding=padding, case=case)


@test_case(points=1, hidden=False)
def conv2d_lecture_example(conv2d):
    """The lecture's 5x5 input and 3x3 filter as a (1, 1, 5, 5) float64 batch: 25 at the top left."""
    expected = np.array([[[[25, 18, 17], [18, 22, 14], [20, 15, 23]]]], dtype=np.float64)
    check_array("conv2d", _conv2d(conv2d, LECTURE_X[None, None], LECTURE_K[None, None], case="lecture 5x5 example"),
                expected, case="lecture 5x5 example")


@test_case(points=1, hidden=False)
def conv2d_stride_2_padding_1_bias(conv2d):
    """Stride 2 with zero padding 1 on the lecture example, plus a bias of 0.5: output 3x3."""
    case = "stride 2, padding 1, bias 0.5"
    got = _conv2d(conv2d, LECTURE_X[None, None], LECTURE_K[None, None], np.array([0.5]), 2, 1, case=case)
    expected = np.array([[[[10, 11, 9], [5, 22, 11], [1, 16, 15]]]], dtype=np.float64) + 0.5
    check_array("conv2d", got, expected, case=case)


# BEGIN HIDDEN TESTS
def _random_case(label, *, kernel=None, dtype=np.float64):
    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.integers(1, 5, size=2))
    x = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 5)), *(int(v) for v in rng.integers(6, 12, 2))))
    w = rng.standard_normal((int(rng.integers(1, 6)), x.shape[1], kh, kw))
    b = rng.standard_normal(w.shape[0])
    return x.astype(dtype), w.astype(dtype), b.astype(dtype)


def _check_forward(conv2d, label, *, kernel=None, no_bias=False, dtype=np.float64, stride=1, padding=0,
                   Conv2dFunction=None):
    """conv2d (and ``Conv2dFunction.forward(ctx, ...)`` called directly) against torch's conv2d, dtype included."""
    import torch.nn.functional as F

    x, w, b = _random_case(label, kernel=kernel, dtype=dtype)
    b = None if no_bias else b
    tol = {} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}
    expected = torch_values(F.conv2d, x, w, b, stride=stride, padding=padding)
    check_array("conv2d", _conv2d(conv2d, x, w, b, stride, padding, case=label), expected, case=label, **tol)
    if Conv2dFunction is not None:
        case = label + ", called directly"
        _, got = autograd_forward("Conv2dFunction", Conv2dFunction, x, w, b, stride, padding, case=case)
        check_array("Conv2dFunction.forward", got, expected, case=case, **tol)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv2d_random_shapes(conv2d):
    _check_forward(conv2d, "random shapes, stride 1, no padding")
    _check_forward(conv2d, "stride 2, padding 1", stride=2, padding=1)


@test_case(points=1, hidden=True)
def conv2d_rectangular(conv2d):
    _check_forward(conv2d, "kernel (2, 3), stride (2, 1), padding (1, 2)", kernel=(2, 3),
                   stride=(2, 1), padding=(1, 2))
    _check_forward(conv2d, "kernel (1, 4), stride 3", kernel=(1, 4), stride=3)


@test_case(points=1, hidden=True)
def conv2d_no_bias_float32(conv2d):
    _check_forward(conv2d, "float32 in, float32 out, bias None", no_bias=True,
                   dtype=np.float32, stride=2, padding=1)


@test_case(points=1, hidden=True)
def conv2d_function_forward(conv2d, Conv2dFunction):
    _check_forward(conv2d, "Conv2dFunction.forward and conv2d agree", stride=(1, 2), padding=1,
                   Conv2dFunction=Conv2dFunction)
    x, w, b = _random_case("channel mismatch")
    student("conv2d", conv2d).raises(ValueError, *tensors(x, np.concatenate([w, w], axis=1), b),
                                     case="x and weight disagree on the number of channels")
