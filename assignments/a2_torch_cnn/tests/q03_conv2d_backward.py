"""Q3 Conv2dFunction.backward: the gradients dx, dw, db, written by hand.

The grader calls your ``Conv2dFunction.forward(ctx, x, w, b, stride, padding)`` and then your
``Conv2dFunction.backward(ctx, dout)`` itself, with tensors it sends and a ``ctx`` that offers what torch's
does (``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, attributes), and compares the
returned ``(dx, dw, db, None, None)`` with torch autograd computed in the grader. "No autograd inside
backward" is not graded (only the sandbox could see it).
Public cases: one window and four overlapping windows, worked out by hand.
Hidden gradient checks (float64, seeded per student and submission): random shapes, stride 2 and 3,
padding, pairs, rectangular kernels, bias None; two convolutions in flight. dx, dw and db are scored in
separate cases (3, 3 and 1 points), so a bug in one gradient costs the same points whatever the other two do.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import (
    as_array,
    autograd_forward,
    case_rng,
    check_array,
    check_true,
    get_context,
    is_tensor,
    student,
    tensor,
    torch_grads,
)

OK_FORMAT = False
name = "q03_conv2d_backward"


GRADS = ("dx", "dw", "db")
#: The shape each gradient must have, in the words of the handout.
SHAPES = {"dx": "(N, C, H, W), the shape of x", "dw": "(F, C, KH, KW), the shape of weight", "db": "(F,)"}


def _forward(Conv2dFunction, dout, x, w, b=None, stride=1, padding=0, case=""):
    """``Conv2dFunction.forward(ctx, x, w, b, stride, padding)`` called by the grader (its output must have the
    shape of ``dout``): the ``ctx`` for ``_backward``."""
    ctx, out = autograd_forward("Conv2dFunction", Conv2dFunction, x, w, b, stride, padding, case=case)
    check_true(out.shape == dout.shape, "'Conv2dFunction.forward' returned an output of the wrong shape")
    return ctx


def _backward(Conv2dFunction, ctx, dout, case=""):
    """``Conv2dFunction.backward(ctx, dout)``: the 3 gradients, as returned (checked one at a time by
    ``_check_grad``)."""
    grads = student("Conv2dFunction.backward", Conv2dFunction.backward)(ctx, tensor(dout), case=case)
    check_true(isinstance(grads, (tuple, list)) and len(grads) == 5,
               "'Conv2dFunction.backward' must return 5 values (dx, dw, db, None, None): one per input of forward")
    check_true(grads[3] is None and grads[4] is None,
               "'Conv2dFunction.backward' must return None as the gradients of stride and padding")
    return dict(zip(GRADS, grads[:3], strict=False))


def _check_grad(got, expected, what, case):
    """ONE gradient (``what``: "dx", "dw" or "db") against the grader's: each gradient is scored in its own
    cases, so a bug in one of them costs the same few points whatever it is. The messages name the case and
    the gradient, never the hidden values."""
    where = f"'Conv2dFunction.backward' ({case})"
    if expected is None:
        check_true(got is None, f"{where} {what} must be None when bias is None")
        return
    check_true(got is not None, f"{where} returned no gradient for {what} (None)")
    check_true(is_tensor(got), f"{where} returned a {what} that is not a torch.Tensor")
    got = as_array(got)
    shapes = "" if get_context().hidden else f": got {got.shape}, expected {expected.shape}"
    check_true(got.shape == expected.shape, f"{where} {what} has the wrong shape (expected {SHAPES[what]}){shapes}")
    check_array("Conv2dFunction.backward", got, expected, case=case, what=what)


def _check_example(Conv2dFunction, dout, x, w, expected, case):
    """Forward then backward on a worked example (bias zeros): dx, dw and db against ``expected``."""
    got = _backward(Conv2dFunction, _forward(Conv2dFunction, dout, x, w, np.zeros(1), case=case), dout, case)
    for what, e in zip(GRADS, expected, strict=False):
        _check_grad(got[what], e, what, case)


@test_case(points=1, hidden=False)
def backward_single_window(Conv2dFunction):
    """One output: dx = dout * w, dw = dout * x, db = dout."""
    x, w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.array([[[[5.0, 6.0], [7.0, 8.0]]]])
    _check_example(Conv2dFunction, np.array([[[[2.0]]]]), x, w, (np.array([[[[10.0, 12.0], [14.0, 16.0]]]]),
                   np.array([[[[2.0, 4.0], [6.0, 8.0]]]]), np.array([2.0])), "one window")


@test_case(points=1, hidden=False)
def backward_overlapping_windows(Conv2dFunction):
    """Four overlapping 2x2 windows on a 3x3 input: the centre pixel collects all four kernel weights."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    _check_example(Conv2dFunction, np.ones((1, 1, 2, 2)), x, w, (np.array([[[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0],
                   [3.0, 7.0, 4.0]]]]), np.array([[[[12.0, 16.0], [24.0, 28.0]]]]), np.array([4.0])),
                   "3x3 input, 2x2 kernel, dout of ones")


# BEGIN HIDDEN TESTS
def _random_case(label, *, kernel=None, no_bias=False, stride=1, padding=0):
    """Random ``(dout, x, w, b)`` drawn from ``case_rng(label)``. Whatever the student id: N >= 2 and F >= 2 (dw and
    db sum over the batch), F != N (db summed over the wrong axis shows), KH != KW unless fixed (transposed kernel
    axes show), C != F."""
    import torch
    import torch.nn.functional as F

    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.choice([1, 2, 3], size=2, replace=False))
    n, c = int(rng.integers(2, 4)), int(rng.integers(1, 4))
    f = int(rng.choice([v for v in (2, 3, 4) if v not in (n, c)]))
    x = rng.standard_normal((n, c, *(int(v) for v in rng.integers(5, 11, 2))))
    w = rng.standard_normal((f, c, kh, kw))
    b = None if no_bias else rng.standard_normal(f)
    shape = F.conv2d(torch.as_tensor(x), torch.as_tensor(w), stride=stride, padding=padding).shape
    return rng.standard_normal(tuple(shape)), x, w, b


def _expected(dout, x, w, b, stride, padding):
    """(dx, dw, db) of ``torch.nn.functional.conv2d`` by autograd, float64 on the CPU, in the grader."""
    import torch.nn.functional as F

    return dict(zip(GRADS, torch_grads(F.conv2d, dout, x, w, b, stride=stride, padding=padding), strict=False))


def _check_backward(Conv2dFunction, label, what, *, stride=1, padding=0, **draw):
    """Check the gradient ``what`` of one random case (``_random_case``)."""
    dout, x, w, b = _random_case(label, stride=stride, padding=padding, **draw)
    expected = _expected(dout, x, w, b, stride, padding)
    got = _backward(Conv2dFunction, _forward(Conv2dFunction, dout, x, w, b, stride, padding, label), dout, label)
    _check_grad(got[what], expected[what], what, label)


# (label, options): the labels seed the draws
STRIDES = [("random shapes, stride 1, no padding", {}), ("stride 2", {"stride": 2}),
           ("stride 3, kernel 2x2 (gaps between windows)", {"kernel": (2, 2), "stride": 3})]
PADDINGS = [("padding 1", {"kernel": (3, 3), "padding": 1}),
            ("stride 2, padding 2", {"kernel": (3, 2), "stride": 2, "padding": 2}),
            ("stride (2, 1), padding (1, 2)", {"kernel": (3, 3), "stride": (2, 1), "padding": (1, 2)})]
KERNELS = [("rectangular kernel (3, 1)", {"kernel": (3, 1)}),
           ("rectangular kernel (2, 4), stride 2, padding 1", {"kernel": (2, 4), "stride": 2, "padding": 1}),
           ("bias None, stride 2, padding 1", {"kernel": (3, 3), "no_bias": True, "stride": 2, "padding": 1})]


def _check_all(Conv2dFunction, what, *groups):
    for group in groups:
        for label, options in group:
            _check_backward(Conv2dFunction, label, what, **options)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def backward_dx_strides(Conv2dFunction):
    _check_all(Conv2dFunction, "dx", STRIDES)


@test_case(points=1, hidden=True)
def backward_dx_padding_pairs(Conv2dFunction):
    _check_all(Conv2dFunction, "dx", PADDINGS)


@test_case(points=1, hidden=True)
def backward_dx_rectangular_no_bias(Conv2dFunction):
    _check_all(Conv2dFunction, "dx", KERNELS)


@test_case(points=1, hidden=True)
def backward_dw_strides(Conv2dFunction):
    _check_all(Conv2dFunction, "dw", STRIDES)


@test_case(points=1, hidden=True)
def backward_dw_padding_pairs(Conv2dFunction):
    _check_all(Conv2dFunction, "dw", PADDINGS)


@test_case(points=1, hidden=True)
def backward_dw_rectangular_no_bias(Conv2dFunction):
    _check_all(Conv2dFunction, "dw", KERNELS)


@test_case(points=1, hidden=True)
def backward_db(Conv2dFunction):
    """db on every configuration: the sum of dout over N, H_out, W_out, shape (F,), and None when bias is None."""
    _check_all(Conv2dFunction, "db", STRIDES, PADDINGS, KERNELS)


@test_case(points=1, hidden=True)
def backward_two_in_flight(Conv2dFunction):
    """Two convolutions in flight, as in a network with two conv layers of the same shape: forward A, forward B,
    then backward A and backward B, each on its own ctx. Each backward must use what its own forward saved on
    its ctx (``ctx.save_for_backward``), not the last forward's tensors: A's gradients are checked by value.
    One sample, stride 1, no padding: the batch, stride and padding rules are scored in the other cases."""
    stride, padding = 1, 0
    dout, x, w, b = _random_case("two in flight", kernel=(3, 2))
    first = (dout[:1], x[:1], w, b)
    rng = case_rng("two in flight: second convolution")
    draws = {"A": first, "B": tuple(rng.standard_normal(a.shape) for a in first)}
    case = {k: f"convolution {k} of two in flight: forward A, forward B, backward A, backward B" for k in draws}
    ctxs = {k: _forward(Conv2dFunction, dout, x, w, b, stride, padding, case[k]) for k, (dout, x, w, b) in draws.items()}
    for k, (dout, x, w, b) in draws.items():
        got, expected = _backward(Conv2dFunction, ctxs[k], dout, case[k]), _expected(dout, x, w, b, stride, padding)
        for what in ("dx", "dw"):                                   # what forward saved; db needs only dout
            _check_grad(got[what], expected[what], what, case[k])
