"""Q3 Conv2dFunction.backward: the gradients dx, dw, db, written by hand.

The grader calls your ``Conv2dFunction.forward(ctx, x, w, b, stride, padding)`` and then your
``Conv2dFunction.backward(ctx, dout)`` itself, with tensors it sends and a ``ctx`` that offers what torch's
does (``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, attributes), and compares the
returned ``(dx, dw, db, None, None)`` with torch autograd computed in the grader. "No autograd inside
backward" is not graded (only the sandbox could see it).
Public cases: one window and four overlapping windows, worked out by hand.
Hidden gradient checks (float64, seeded per student and submission): random shapes, stride 2 and 3,
padding, pairs, rectangular kernels, bias None.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import as_array, call, case_rng, check_array, check_true, helper, is_tensor, tensor

OK_FORMAT = False
name = "q03_conv2d_backward"


def _backward(Conv2dFunction, dout, x, w, b=None, stride=1, padding=0):
    """``Conv2dFunction.backward(ctx, dout)`` after ``Conv2dFunction.forward(ctx, x, w, b, stride, padding)``,
    both called by the grader: the returned gradients as ndarrays (None where None was returned)."""
    ctx = helper("new_ctx", "Conv2dFunction", Conv2dFunction, (True, True, b is not None, False, False))
    t = [None if a is None else tensor(a) for a in (x, w, b)]
    out = call("Conv2dFunction.forward", Conv2dFunction.forward, ctx, *t, stride, padding)
    check_true(is_tensor(out), "'Conv2dFunction.forward' did not return a torch.Tensor")
    check_true(as_array(out).shape == dout.shape, "'Conv2dFunction.forward' returned an output of the wrong shape")
    grads = call("Conv2dFunction.backward", Conv2dFunction.backward, ctx, tensor(dout))
    check_true(isinstance(grads, (tuple, list)) and len(grads) == 5,
               "'Conv2dFunction.backward' must return 5 values (dx, dw, db, None, None): one per input of forward")
    check_true(grads[3] is None and grads[4] is None,
               "'Conv2dFunction.backward' must return None as the gradients of stride and padding")
    for what, g in zip(("dx", "dw", "db"), grads[:3]):
        check_true(g is None or is_tensor(g), f"'Conv2dFunction.backward' returned a {what} that is not a tensor")
    return tuple(None if g is None else as_array(g) for g in grads[:3])


def _check_grads(got, expected, case):
    for what, g, e in zip(("dx", "dw", "db"), got, expected):
        if e is None:
            check_true(g is None, f"'Conv2dFunction.backward' ({case}) db must be None when bias is None")
        else:
            check_true(g is not None, f"'Conv2dFunction.backward' ({case}) returned no gradient for {what}")
            check_array("Conv2dFunction.backward", g, e, case=case, what=what)


@test_case(points=1, hidden=False)
def backward_single_window(Conv2dFunction):
    """One output: dx = dout * w, dw = dout * x, db = dout."""
    x, w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.array([[[[5.0, 6.0], [7.0, 8.0]]]])
    got = _backward(Conv2dFunction, np.array([[[[2.0]]]]), x, w, np.zeros(1))
    _check_grads(got, (np.array([[[[10.0, 12.0], [14.0, 16.0]]]]), np.array([[[[2.0, 4.0], [6.0, 8.0]]]]),
                       np.array([2.0])), "one window")


@test_case(points=1, hidden=False)
def backward_overlapping_windows(Conv2dFunction):
    """Four overlapping 2x2 windows on a 3x3 input: the centre pixel collects all four kernel weights."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    got = _backward(Conv2dFunction, np.ones((1, 1, 2, 2)), x, w, np.zeros(1))
    _check_grads(got, (np.array([[[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]]]),
                       np.array([[[[12.0, 16.0], [24.0, 28.0]]]]), np.array([4.0])),
                 "3x3 input, 2x2 kernel, dout of ones")


# BEGIN HIDDEN TESTS
def _torch_grads(dout, x, w, b, stride, padding):
    """(dx, dw, db) of ``torch.nn.functional.conv2d`` by autograd, float64 on the CPU, in the grader."""
    import torch
    import torch.nn.functional as F

    t = [None if a is None else torch.tensor(a, requires_grad=True) for a in (x, w, b)]
    F.conv2d(*t, stride=stride, padding=padding).backward(torch.tensor(dout))
    return tuple(None if a is None else a.grad.numpy() for a in t)


def _check_backward(Conv2dFunction, label, *, kernel=None, no_bias=False, stride=1, padding=0):
    import torch
    import torch.nn.functional as F

    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.integers(1, 4, size=2))
    x = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 4)), *(int(v) for v in rng.integers(5, 11, 2))))
    w = rng.standard_normal((int(rng.integers(1, 5)), x.shape[1], kh, kw))
    b = None if no_bias else rng.standard_normal(w.shape[0])
    shape = F.conv2d(torch.as_tensor(x), torch.as_tensor(w), stride=stride, padding=padding).shape
    dout = rng.standard_normal(tuple(shape))
    expected = _torch_grads(dout, x, w, b, stride, padding)
    _check_grads(_backward(Conv2dFunction, dout, x, w, b, stride, padding), expected, label)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def backward_random_stride_1(Conv2dFunction):
    _check_backward(Conv2dFunction, "random shapes, stride 1, no padding")


@test_case(points=1, hidden=True)
def backward_stride_2(Conv2dFunction):
    _check_backward(Conv2dFunction, "stride 2", stride=2)


@test_case(points=1, hidden=True)
def backward_stride_3(Conv2dFunction):
    _check_backward(Conv2dFunction, "stride 3, kernel 2x2 (gaps between windows)", kernel=(2, 2), stride=3)


@test_case(points=1, hidden=True)
def backward_padding(Conv2dFunction):
    _check_backward(Conv2dFunction, "padding 1", kernel=(3, 3), padding=1)
    _check_backward(Conv2dFunction, "stride 2, padding 2", kernel=(3, 2), stride=2, padding=2)


@test_case(points=1, hidden=True)
def backward_pairs(Conv2dFunction):
    _check_backward(Conv2dFunction, "stride (2, 1), padding (1, 2)", kernel=(3, 3), stride=(2, 1),
                    padding=(1, 2))


@test_case(points=1, hidden=True)
def backward_rectangular_kernel(Conv2dFunction):
    _check_backward(Conv2dFunction, "rectangular kernel (3, 1)", kernel=(3, 1))
    _check_backward(Conv2dFunction, "rectangular kernel (2, 4), stride 2, padding 1", kernel=(2, 4),
                    stride=2, padding=1)


@test_case(points=1, hidden=True)
def backward_no_bias(Conv2dFunction):
    _check_backward(Conv2dFunction, "bias None, stride 2, padding 1", kernel=(3, 3), no_bias=True,
                    stride=2, padding=1)
