"""Q2 conv2d forward: a convolution as an autograd Function (``Conv2dFunction``), called by ``conv2d``.

Public cases: the lecture's worked examples, expected values written out by hand.
Hidden cases: random shapes (seeded per student), rectangular kernels, strides and paddings given as
pairs, no bias, float32; compared with ``torch.nn.functional.conv2d`` (float64) in the grader.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, check_array, check_true, expect_raises, get_context, run_probe

OK_FORMAT = False
name = "q02_conv2d_forward"

LECTURE_X = np.array([[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]],
                     dtype=np.float64)
LECTURE_K = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]], dtype=np.float64)


def _forward(conv2d, Conv2dFunction, x, w, b=None, stride=1, padding=0):
    """The student's ``conv2d(x, w, b, stride=, padding=)`` on tensors built from the arrays, where their code runs."""
    return run_probe("a2_conv2d_probe", ("conv2d", "Conv2dFunction"), (conv2d, Conv2dFunction),
                     x, w, b, stride, padding, None, get_context().device, "forward")


@test_case(points=1, hidden=False)
def conv2d_lecture_example(conv2d, Conv2dFunction):
    """The lecture's 5x5 input and 3x3 filter as a (1, 1, 5, 5) float64 batch: 25 at the top left."""
    got = _forward(conv2d, Conv2dFunction, LECTURE_X[None, None], LECTURE_K[None, None])
    expected = np.array([[[[25, 18, 17], [18, 22, 14], [20, 15, 23]]]], dtype=np.float64)
    check_array("conv2d", got["out"], expected, case="lecture 5x5 example")


@test_case(points=1, hidden=False)
def conv2d_stride_2_padding_1_bias(conv2d, Conv2dFunction):
    """Stride 2 with zero padding 1 on the lecture example, plus a bias of 0.5: output 3x3."""
    got = _forward(conv2d, Conv2dFunction, LECTURE_X[None, None], LECTURE_K[None, None], np.array([0.5]), 2, 1)
    expected = np.array([[[[10, 11, 9], [5, 22, 11], [1, 16, 15]]]], dtype=np.float64) + 0.5
    check_array("conv2d", got["out"], expected, case="stride 2, padding 1, bias 0.5")


# BEGIN HIDDEN TESTS
def _random_case(label, *, kernel=None, dtype=np.float64):
    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.integers(1, 5, size=2))
    x = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 5)), *(int(v) for v in rng.integers(6, 12, 2))))
    w = rng.standard_normal((int(rng.integers(1, 6)), x.shape[1], kh, kw))
    b = rng.standard_normal(w.shape[0])
    return x.astype(dtype), w.astype(dtype), b.astype(dtype)


def _torch_conv2d(x, w, b, stride, padding):
    """The oracle: ``torch.nn.functional.conv2d`` on the CPU, in the inputs' dtype."""
    import torch
    import torch.nn.functional as F

    t = [None if a is None else torch.as_tensor(a) for a in (x, w, b)]
    return F.conv2d(*t, stride=stride, padding=padding).numpy()


def _check_forward(conv2d, Conv2dFunction, label, *, kernel=None, no_bias=False, dtype=np.float64,
                   stride=1, padding=0):
    x, w, b = _random_case(label, kernel=kernel, dtype=dtype)
    b = None if no_bias else b
    got = _forward(conv2d, Conv2dFunction, x, w, b, stride, padding)
    tol = {} if dtype == np.float64 else {"rtol": 1e-4, "atol": 1e-4}
    check_array("conv2d", got["out"], _torch_conv2d(x, w, b, stride, padding), case=label, **tol)
    return got
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv2d_random_shapes(conv2d, Conv2dFunction):
    _check_forward(conv2d, Conv2dFunction, "random shapes, stride 1, no padding")
    _check_forward(conv2d, Conv2dFunction, "stride 2, padding 1", stride=2, padding=1)


@test_case(points=1, hidden=True)
def conv2d_rectangular(conv2d, Conv2dFunction):
    _check_forward(conv2d, Conv2dFunction, "kernel (2, 3), stride (2, 1), padding (1, 2)", kernel=(2, 3),
                   stride=(2, 1), padding=(1, 2))
    _check_forward(conv2d, Conv2dFunction, "kernel (1, 4), stride 3", kernel=(1, 4), stride=3)


@test_case(points=1, hidden=True)
def conv2d_no_bias_float32(conv2d, Conv2dFunction):
    _check_forward(conv2d, Conv2dFunction, "float32 in, float32 out, bias None", no_bias=True,
                   dtype=np.float32, stride=2, padding=1)


@test_case(points=1, hidden=True)
def conv2d_uses_conv2d_function(conv2d, Conv2dFunction):
    got = _check_forward(conv2d, Conv2dFunction, "autograd graph")
    check_true(got["custom"] and not got["builtin"],
               "'conv2d' must compute through Conv2dFunction.apply (its output's grad_fn is your Function's "
               "backward), not through torch's built-in convolution")
    x, w, b = _random_case("channel mismatch")
    w = np.concatenate([w, w], axis=1)
    expect_raises(ValueError, "conv2d", lambda: _forward(conv2d, Conv2dFunction, x, w, b),
                  case="x and weight disagree on the number of channels")
