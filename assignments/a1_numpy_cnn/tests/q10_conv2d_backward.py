"""Q10 conv2d_backward: gradients of conv2d with respect to x, w and b.

Public cases: one window and four overlapping windows, worked out by hand.
Hidden cases: gradient checks on random shapes (seeded per student) with stride, padding (int, pair,
"same", "full"), dilation, rectangular kernels, no bias and float32, compared with the reference; the
reference itself is cross-checked against torch autograd in the grader.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import (call, case_rng, check_array, check_true, expect_array, expect_raises, inputs_kept,
                               reference, verified)

OK_FORMAT = False
name = "q10_conv2d_backward"


def _grads(got, case):
    """The student's ``(dx, dw, db)``, after checking that it is a triple."""
    check_true(isinstance(got, (tuple, list)) and len(got) == 3,
               f"'conv2d_backward' ({case}) must return a tuple (dx, dw, db)")
    return got


@test_case(points=1, hidden=False)
def backward_single_window(conv2d_backward):
    """One output: dx = dout * w, dw = dout * x, db = dout."""
    x, w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.array([[[[5.0, 6.0], [7.0, 8.0]]]])
    dx, dw, db = _grads(call("conv2d_backward", conv2d_backward, np.array([[[[2.0]]]]), x, w, np.zeros(1)),
                        "one window")
    check_array("conv2d_backward", dx, np.array([[[[10.0, 12.0], [14.0, 16.0]]]]), case="one window", what="dx")
    check_array("conv2d_backward", dw, np.array([[[[2.0, 4.0], [6.0, 8.0]]]]), case="one window", what="dw")
    check_array("conv2d_backward", db, np.array([2.0]), case="one window", what="db")


@test_case(points=1, hidden=False)
def backward_overlapping_windows(conv2d_backward):
    """Four overlapping 2x2 windows on a 3x3 input: the centre pixel collects all four kernel weights."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    got = call("conv2d_backward", conv2d_backward, np.ones((1, 1, 2, 2)), x, w, np.zeros(1))
    dx, dw, db = _grads(got, "overlapping windows")
    check_array("conv2d_backward", dx, np.array([[[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]]]),
                case="3x3 input, 2x2 kernel, dout of ones", what="dx")
    check_array("conv2d_backward", dw, np.array([[[[12.0, 16.0], [24.0, 28.0]]]]),
                case="3x3 input, 2x2 kernel, dout of ones", what="dw")
    check_array("conv2d_backward", db, np.array([4.0]), case="3x3 input, 2x2 kernel, dout of ones", what="db")


# BEGIN HIDDEN TESTS
def _torch_grads(dout, x, w, b, stride=1, padding=0, dilation=1):
    """(dx, dw, db) of ``torch.nn.functional.conv2d`` by autograd, in float64: the oracle's oracle."""
    import warnings

    import torch
    import torch.nn.functional as F

    t = [None if a is None else torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in (x, w, b)]
    if padding == "full":
        d = (dilation, dilation) if isinstance(dilation, int) else dilation
        padding = tuple(di * (k - 1) for di, k in zip(d, w.shape[2:]))
    with warnings.catch_warnings():  # torch warns that "same" with an even kernel copies the input
        warnings.simplefilter("ignore", UserWarning)
        out = F.conv2d(t[0], t[1], t[2], stride=stride, padding=padding, dilation=dilation)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return tuple(None if a is None else a.grad.numpy() for a in t)


def _expected(dout, x, w, b, **hyper):
    """The reference's gradients, after checking them against torch autograd (a RuntimeError if they differ:
    our oracle would be broken, which is a grader error, never the student's score)."""
    ref = reference().conv2d_backward(dout, x, w, b, **hyper)
    tol = 1e-9 if x.dtype == np.float64 else 1e-4
    for what, r, t in zip(("dx", "dw", "db"), ref, _torch_grads(dout, x, w, b, **hyper)):
        if (r is None) != (t is None) or (r is not None and not np.allclose(r, t, rtol=tol, atol=tol)):
            raise RuntimeError(f"reference conv2d_backward {what} disagrees with torch autograd for {hyper}")
    return ref


def _axes(value):
    return (value, value) if isinstance(value, int) else tuple(value)


def _random_case(label, *, kernel=None, dtype=np.float64, **hyper):
    """Random (dout, x, w, b) for conv2d with ``hyper``; ``kernel=(kh, kw)`` fixes the kernel shape.

    Whatever the student id: N >= 2 (db and dw sum over the batch), KH != KW unless fixed (transposed
    kernel axes show), and on every axis with a stride > 1 the output size rounds down (ceil != floor).
    """
    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.choice([2, 3, 4], size=2, replace=False))
    s, d, padding = _axes(hyper.get("stride", 1)), _axes(hyper.get("dilation", 1)), hyper.get("padding", 0)
    p = (d[0] * (kh - 1), d[1] * (kw - 1)) if padding == "full" else \
        _axes(0 if padding in ("valid", "same") else padding)
    hw = []
    for k, si, pi, di in zip((kh, kw), s, p, d):
        while True:
            n = int(rng.integers(5, 11))
            room = n + 2 * pi - di * (k - 1) - 1
            if room >= 0 and (si == 1 or room % si):
                hw.append(n)
                break
    x = rng.standard_normal((int(rng.integers(2, 4)), int(rng.integers(2, 4)), *hw))   # N >= 2, C >= 2
    f = int(rng.choice([v for v in (2, 3, 4) if v != x.shape[1]]))           # F >= 2, F != C
    w = rng.standard_normal((f, x.shape[1], kh, kw))
    b = rng.standard_normal(w.shape[0])
    x, w, b = x.astype(dtype), w.astype(dtype), b.astype(dtype)
    dout = rng.standard_normal(reference().conv2d(x, w, b, **hyper).shape).astype(dtype)
    return dout, x, w, b


def _check_backward(conv2d_backward, label, *, what, kernel=None, no_bias=False, dtype=np.float64, **hyper):
    """Check ONE gradient (``what``: "dx", "dw" or "db") of one random case: each gradient is scored in its
    own cases, so a bug in one of them costs the same few points whatever it is."""
    dout, x, w, b = _random_case(label, kernel=kernel, dtype=dtype, **hyper)
    b = None if no_bias else b
    expected = dict(zip(("dx", "dw", "db"), _expected(dout, x, w, b, **hyper)))
    got = dict(zip(("dx", "dw", "db"), _grads(call("conv2d_backward", conv2d_backward, dout, x, w, b, **hyper), label)))
    if what == "db" and no_bias:
        check_true(got["db"] is None, f"'conv2d_backward' ({label}) db must be None when b is None")
    else:
        check_array("conv2d_backward", got[what], expected[what], case=label, what=what)


def _check_valid_first(conv2d_backward, dout, x, w, b):
    """The valid call an invalid-argument check needs first: conv2d_backward(dout, x, w, b) returns a triple
    whose dx has the right shape (the values are scored in the other cases, not charged again here)."""
    expected = _expected(dout, x, w, b)
    got = _grads(call("conv2d_backward", conv2d_backward, dout, x, w, b), "a valid call first")
    expect_array("conv2d_backward", got[0], expected[0].shape, kinds="f", case="a valid call first", what="dx")
    verified("conv2d_backward")   # a float dx of the right shape: the argument checks may follow (dw, db: other cases)


# (label, options): the labels seed the draws
STRIDES = [("random shapes, stride 1, no padding", {}), ("stride 2", {"stride": 2}),
           ("stride (2, 3), padding (1, 0)", {"stride": (2, 3), "padding": (1, 0)}),
           ("b=None, stride 2, padding 1", {"no_bias": True, "stride": 2, "padding": 1})]
PADDINGS = [("padding 1", {"padding": 1}), ("stride 2, padding (2, 1)", {"stride": 2, "padding": (2, 1)}),
            ('padding "same", even kernel (2, 4)', {"kernel": (2, 4), "padding": "same"}),
            ('padding "full", dilation (1, 2)', {"kernel": (3, 2), "padding": "full", "dilation": (1, 2)})]
DILATIONS_KERNELS = [("dilation 2, padding 1", {"kernel": (3, 2), "dilation": 2, "padding": 1}),
                     ("dilation (2, 1), stride (1, 2)", {"kernel": (2, 3), "dilation": (2, 1), "stride": (1, 2)}),
                     ("rectangular kernel (3, 1)", {"kernel": (3, 1)}),
                     ("rectangular kernel (2, 4), stride 2", {"kernel": (2, 4), "stride": 2})]
FLOAT32 = [("float32 in: float32 gradients, stride 2, padding 1", {"dtype": np.float32, "stride": 2, "padding": 1})]


def _check_all(conv2d_backward, what, *groups):
    for group in groups:
        for label, options in group:
            if what == "db" and options.get("no_bias"):
                continue                                                    # db=None: its own case
            _check_backward(conv2d_backward, label, what=what, **options)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def backward_dx_strides(conv2d_backward):
    _check_all(conv2d_backward, "dx", STRIDES)


@test_case(points=1, hidden=True)
def backward_dx_padding(conv2d_backward):
    _check_all(conv2d_backward, "dx", PADDINGS)


@test_case(points=1, hidden=True)
def backward_dx_dilation_kernels(conv2d_backward):
    _check_all(conv2d_backward, "dx", DILATIONS_KERNELS)


@test_case(points=1, hidden=True)
def backward_dx_float32(conv2d_backward):
    _check_all(conv2d_backward, "dx", FLOAT32)


@test_case(points=1, hidden=True)
def backward_dw_strides(conv2d_backward):
    _check_all(conv2d_backward, "dw", STRIDES)


@test_case(points=1, hidden=True)
def backward_dw_padding(conv2d_backward):
    _check_all(conv2d_backward, "dw", PADDINGS)


@test_case(points=1, hidden=True)
def backward_dw_dilation_kernels(conv2d_backward):
    _check_all(conv2d_backward, "dw", DILATIONS_KERNELS)


@test_case(points=1, hidden=True)
def backward_dw_float32(conv2d_backward):
    _check_all(conv2d_backward, "dw", FLOAT32)


@test_case(points=1, hidden=True)
def backward_db_strides_padding(conv2d_backward):
    _check_all(conv2d_backward, "db", STRIDES, PADDINGS)


@test_case(points=1, hidden=True)
def backward_db_dilation_float32(conv2d_backward):
    _check_all(conv2d_backward, "db", DILATIONS_KERNELS, FLOAT32)


@test_case(points=1, hidden=True)
def backward_db_none_without_bias(conv2d_backward):
    _check_backward(conv2d_backward, "b=None, stride 2, padding 1", what="db", no_bias=True, stride=2, padding=1)


@test_case(points=1, hidden=True)
def backward_invalid_arguments(conv2d_backward):
    k = int(case_rng("invalid arguments kernel").integers(2, 4))
    dout, x, w, b = _random_case("invalid arguments", kernel=(k, k), stride=1)   # square: only the checks count
    _check_valid_first(conv2d_backward, dout, x, w, b)
    expect_raises(ValueError, "conv2d_backward", conv2d_backward, dout[:, :, :-1], x, w, b,
                  case="dout of the wrong shape")
    expect_raises(ValueError, "conv2d_backward", conv2d_backward, dout, np.concatenate([x, x], axis=1), w, b,
                  case="channel mismatch (x has more channels than w)")
    expect_raises(ValueError, "conv2d_backward", conv2d_backward, dout, x, np.concatenate([w, w], axis=1), b,
                  case="channel mismatch (w has more channels than x)")
    expect_raises(ValueError, "conv2d_backward", conv2d_backward, dout, x, w, b, stride=2, padding="same",
                  case='"same" with stride 2')


@test_case(points=0, hidden=True)
def backward_keeps_inputs_info(conv2d_backward):
    k = int(case_rng("invalid arguments kernel").integers(2, 4))
    dout, x, w, b = _random_case("invalid arguments", kernel=(k, k), stride=1)
    check_true(inputs_kept("conv2d_backward", conv2d_backward, (dout, x, w, b), {"padding": 0}) is not False,
               "'conv2d_backward' modified its input arrays: never write into dout, x, w or b (for information, worth no points: only the sandbox sees this, so it is your code's word)")
