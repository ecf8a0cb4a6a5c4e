"""Q11 pooling backward: gradients of max_pool2d and avg_pool2d with respect to x.

Public cases: small maps worked out by hand (the maximum takes the gradient; ties go to the FIRST maximum
in row-major order; overlapping windows add up; the average shares dout equally).
Hidden cases: gradient checks on random shapes (seeded per student) with overlapping windows, padding,
ties, ``stride=None`` and float32, compared with the reference (the dtype rules in their own case); the
reference itself is cross-checked against torch autograd in the grader.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import agree_with_torch, case_rng, pair, random_extent, reference, student, torch_grads

OK_FORMAT = False
name = "q11_pool_backward"

X4 = np.array([[[[1.0, 3.0, 2.0, 0.0], [4.0, -1.0, 6.0, 5.0], [0.0, 2.0, -3.0, 1.0], [7.0, 1.0, 2.0, 8.0]]]])
DOUT = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])


@test_case(points=1, hidden=False)
def max_pool2d_backward_by_hand(max_pool2d_backward):
    """Each window's gradient goes to its maximum; with 3x3 windows at stride 1, the 6 wins twice and adds up."""
    f = student("max_pool2d_backward", max_pool2d_backward)
    f.expect(np.array([[[[0, 0, 0, 0], [1, 0, 2, 0], [0, 0, 0, 0], [3, 0, 0, 4]]]], dtype=np.float64), DOUT, X4, 2,
             case="4x4 input, kernel 2")
    f.expect(np.array([[[[0, 0, 0, 0], [0, 0, 3, 0], [0, 0, 0, 0], [3, 0, 0, 4]]]], dtype=np.float64), DOUT, X4, 3,
             stride=1, case="4x4 input, kernel 3, stride 1 (overlapping windows)")


@test_case(points=1, hidden=False)
def max_pool2d_backward_ties(max_pool2d_backward):
    """A window of equal values: the gradient goes to its FIRST maximum in row-major order (its top-left)."""
    student("max_pool2d_backward", max_pool2d_backward).expect(
        np.array([[[[1, 2, 0], [3, 4, 0], [0, 0, 0]]]], dtype=np.float64), DOUT, np.ones((1, 1, 3, 3)), 2, stride=1,
        case="3x3 ones, kernel 2, stride 1 (all tied)")


@test_case(points=1, hidden=False)
def avg_pool2d_backward_by_hand(avg_pool2d_backward):
    """Every element of a window gets ``dout / (KH*KW)``; overlapping windows add up."""
    f = student("avg_pool2d_backward", avg_pool2d_backward)
    f.expect(np.array([[[[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]]], dtype=np.float64), 4 * DOUT,
             (1, 1, 4, 4), 2, case="4x4 input, kernel 2")
    f.expect(np.array([[[[0.25, 0.5, 0.25], [0.5, 1.0, 0.5], [0.25, 0.5, 0.25]]]]), np.ones((1, 1, 2, 2)),
             (1, 1, 3, 3), 2, stride=1, case="3x3 input, kernel 2, stride 1 (overlapping windows)")


# BEGIN HIDDEN TESTS
def _random_pool_case(label, kernel_size, stride, padding, *, ties=False, negative=False, dtype=np.float64):
    """Random (dout, x). Whatever the student id: N >= 2, C >= 2, H != W, and on every axis with a stride > 1
    the output size rounds down (ceil != floor); with ``ties`` the first window's in-bounds elements all
    hold the array's maximum (the first and the last maximum of that window differ)."""
    rng = case_rng(label)
    k, p = pair(kernel_size), pair(padding)
    s = k if stride is None else pair(stride)
    while True:
        hw = [random_extent(rng, 5, 12, ki, si, pi) for ki, si, pi in zip(k, s, p, strict=False)]
        if hw[0] != hw[1]:
            break
    shape = (int(rng.integers(2, 4)), int(rng.integers(2, 4)), *hw)
    x = rng.integers(-1, 2, size=shape).astype(np.float64) if ties else rng.standard_normal(shape)
    x = -np.abs(x) - (1.0 if ties else 0.0) if negative else x
    if ties:
        x[0, 0, :k[0] - p[0], :k[1] - p[1]] = x.max()
    out_shape = reference().max_pool2d(x, kernel_size, stride, padding).shape
    return rng.standard_normal(out_shape).astype(dtype), x.astype(dtype)


def _check_max(max_pool2d_backward, label, kernel_size, stride=None, padding=0, **options):
    import torch.nn.functional as F

    dout, x = _random_pool_case(label, kernel_size, stride, padding, **options)
    expected = reference().max_pool2d_backward(dout, x, kernel_size, stride, padding)
    agree_with_torch(f"max_pool2d_backward ({label})", (expected,),
                     torch_grads(F.max_pool2d, dout, x, kernel_size=kernel_size, stride=stride, padding=padding), 1e-6)
    student("max_pool2d_backward", max_pool2d_backward).expect(expected, dout, x, kernel_size, stride, padding,
                                                               case=label)


def _check_avg(avg_pool2d_backward, label, kernel_size, stride=None, padding=0, dtype=np.float64):
    import torch.nn.functional as F

    dout, x = _random_pool_case(label, kernel_size, stride, padding, dtype=dtype)
    expected = reference().avg_pool2d_backward(dout, x.shape, kernel_size, stride, padding)
    agree_with_torch(f"avg_pool2d_backward ({label})", (expected,),
                     torch_grads(F.avg_pool2d, dout, x, kernel_size=kernel_size, stride=stride, padding=padding), 1e-6)
    student("avg_pool2d_backward", avg_pool2d_backward).expect(expected, dout, x.shape, kernel_size, stride, padding,
                                                               case=label)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def max_backward_overlapping_windows(max_pool2d_backward):
    _check_max(max_pool2d_backward, "kernel 3, stride 1 (overlapping windows)", 3, 1)
    _check_max(max_pool2d_backward, "kernel 3, stride 2 (overlapping windows)", 3, 2)


@test_case(points=1, hidden=True)
def max_backward_padding(max_pool2d_backward):
    _check_max(max_pool2d_backward, "all-negative input, kernel 2, stride 2, padding 1", 2, 2, 1, negative=True)
    _check_max(max_pool2d_backward, "all-negative input, kernel 3, stride 1, padding 1", 3, 1, 1, negative=True)
    _check_max(max_pool2d_backward, "all-negative input, kernel (3, 4), stride (2, 1), padding (1, 2) (asymmetric)",
               (3, 4), (2, 1), (1, 2), negative=True)


@test_case(points=1, hidden=True)
def max_backward_ties(max_pool2d_backward):
    _check_max(max_pool2d_backward, "repeated maxima, kernel 2, stride 1", 2, 1, ties=True)
    _check_max(max_pool2d_backward, "repeated maxima, kernel (3, 2), stride (2, 1), padding 1", (3, 2), (2, 1), 1,
               ties=True, negative=True)


@test_case(points=1, hidden=True)
def max_backward_default_stride(max_pool2d_backward):
    _check_max(max_pool2d_backward, "kernel 2, stride=None", 2)
    _check_max(max_pool2d_backward, "kernel (2, 3), stride=None", (2, 3))


@test_case(points=1, hidden=True)
def avg_backward_overlapping_windows(avg_pool2d_backward):
    _check_avg(avg_pool2d_backward, "kernel 3, stride 1 (overlapping windows)", 3, 1)
    _check_avg(avg_pool2d_backward, "kernel (2, 3), stride=None", (2, 3))


@test_case(points=1, hidden=True)
def avg_backward_padding(avg_pool2d_backward):
    _check_avg(avg_pool2d_backward, "kernel 3, stride 2, padding 1", 3, 2, 1)
    _check_avg(avg_pool2d_backward, "kernel (4, 2), stride (1, 2), padding (2, 1)", (4, 2), (1, 2), (2, 1))


@test_case(points=0.5, hidden=True)
def pool_backward_dtypes(max_pool2d_backward, avg_pool2d_backward):
    dout, x = _random_pool_case("pool backward dtypes", 3, 2, 1, negative=True, dtype=np.float32)
    student("max_pool2d_backward", max_pool2d_backward).dtype(dout, x, 3, 2, 1, case="float32 in: float32 out")
    student("avg_pool2d_backward", avg_pool2d_backward).dtype(dout, x.shape, 3, 2, 1, case="float32 in: float32 out")


@test_case(points=0.5, hidden=True)
def pool_backward_float32_and_errors(max_pool2d_backward, avg_pool2d_backward):
    _check_max(max_pool2d_backward, "float32 input, kernel 3, stride 2, padding 1", 3, 2, 1, dtype=np.float32,
               negative=True)
    _check_avg(avg_pool2d_backward, "float32 input, kernel 3, stride 2, padding 1", 3, 2, 1, dtype=np.float32)
    dout, x = _random_pool_case("pool backward invalid arguments", 2, None, 0)
    fmax = student("max_pool2d_backward", max_pool2d_backward)
    favg = student("avg_pool2d_backward", avg_pool2d_backward)
    fmax.raises(ValueError, dout[..., :-1], x, 2, case="dout of the wrong shape")
    favg.raises(ValueError, dout[..., :-1], x.shape, 2, case="dout of the wrong shape")
    fmax.raises(ValueError, dout, x, 2, padding=2, case="padding > kernel_size // 2")


@test_case(points=0, hidden=True)
def pool_backward_keeps_inputs_info(max_pool2d_backward, avg_pool2d_backward):
    dout, x = _random_pool_case("pool backward invalid arguments", 2, None, 0)
    student("max_pool2d_backward", max_pool2d_backward).keeps_inputs(dout, x, 2, what="dout or x")
    student("avg_pool2d_backward", avg_pool2d_backward).keeps_inputs(dout, x.shape, 2, what="dout")
