"""Q10 conv2d_backward: gradients of conv2d with respect to x, w and b.

Public cases: one window and four overlapping windows, worked out by hand.
Hidden cases: gradient checks on random shapes (seeded per student) with stride, padding (int, pair,
"same", "full"), dilation, rectangular kernels, no bias and float32, compared with the reference (dx, dw
and db each in their own cases; the dtype rules in their own case); the reference itself is cross-checked
against torch autograd in the grader.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import (
    agree_with_torch,
    case_rng,
    check_true,
    conv_inputs,
    expect_array,
    pair,
    reference,
    student,
    torch_grads,
    verified,
)

OK_FORMAT = False
name = "q10_conv2d_backward"


def _grads(f, *args, case, **hyper):
    """The student's ``(dx, dw, db)`` of ``conv2d_backward(*args, **hyper)``, after checking that it is a triple."""
    got = f(*args, case=case, **hyper)
    check_true(isinstance(got, (tuple, list)) and len(got) == 3,
               f"'conv2d_backward' ({case}) must return a tuple (dx, dw, db)")
    return dict(zip(("dx", "dw", "db"), got, strict=False))


def _expect(f, expected, *args, case, **hyper):
    """Each of the student's dx, dw, db equals ``expected`` (values; each failure names the gradient)."""
    got = _grads(f, *args, case=case, **hyper)
    for what, value in zip(("dx", "dw", "db"), expected, strict=False):
        f.compare(got[what], value, case=case, what=what)


@test_case(points=1, hidden=False)
def backward_single_window(conv2d_backward):
    """One output: dx = dout * w, dw = dout * x, db = dout."""
    x, w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), np.array([[[[5.0, 6.0], [7.0, 8.0]]]])
    expected = np.array([[[[10.0, 12.0], [14.0, 16.0]]]]), np.array([[[[2.0, 4.0], [6.0, 8.0]]]]), np.array([2.0])
    _expect(student("conv2d_backward", conv2d_backward), expected, np.array([[[[2.0]]]]), x, w, np.zeros(1),
            case="one window")


@test_case(points=1, hidden=False)
def backward_overlapping_windows(conv2d_backward):
    """Four overlapping 2x2 windows on a 3x3 input: the centre pixel collects all four kernel weights."""
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)
    w = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    expected = (np.array([[[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]]]),
                np.array([[[[12.0, 16.0], [24.0, 28.0]]]]), np.array([4.0]))
    _expect(student("conv2d_backward", conv2d_backward), expected, np.ones((1, 1, 2, 2)), x, w, np.zeros(1),
            case="3x3 input, 2x2 kernel, dout of ones")


# BEGIN HIDDEN TESTS
def _expected(dout, x, w, b, **hyper):
    """The reference's gradients, after checking them against torch autograd (a RuntimeError if they differ:
    our oracle would be broken, which is a grader error, never the student's score)."""
    import torch.nn.functional as F

    ref = reference().conv2d_backward(dout, x, w, b, **hyper)
    torch_hyper = dict(hyper)
    if hyper.get("padding") == "full":
        torch_hyper["padding"] = tuple(di * (k - 1) for di, k in zip(pair(hyper.get("dilation", 1)), w.shape[2:], strict=False))
    agree_with_torch(f"conv2d_backward for {hyper}", ref, torch_grads(F.conv2d, dout, x, w, b, **torch_hyper),
                     1e-9 if x.dtype == np.float64 else 1e-4)
    return ref


def _random_case(label, *, kernel=None, dtype=np.float64, **hyper):
    """Random (dout, x, w, b) for conv2d with ``hyper`` (``conv_inputs``: N >= 2 so that db and dw sum over
    the batch, F >= 2, F != C, KH != KW unless ``kernel`` fixes them, strided sizes that round down)."""
    rng, x, w, b = conv_inputs(label, kernel=kernel, dtype=dtype, size=(5, 11), **hyper)
    dout = rng.standard_normal(reference().conv2d(x, w, b, **hyper).shape).astype(dtype)
    return dout, x, w, b


def _check_backward(conv2d_backward, label, *, what, kernel=None, no_bias=False, dtype=np.float64, **hyper):
    """Check ONE gradient (``what``: "dx", "dw" or "db") of one random case: each gradient is scored in its
    own cases, so a bug in one of them costs the same few points whatever it is."""
    f = student("conv2d_backward", conv2d_backward)
    dout, x, w, b = _random_case(label, kernel=kernel, dtype=dtype, **hyper)
    b = None if no_bias else b
    expected = dict(zip(("dx", "dw", "db"), _expected(dout, x, w, b, **hyper), strict=False))
    got = _grads(f, dout, x, w, b, case=label, **hyper)
    if what == "db" and no_bias:
        check_true(got["db"] is None, f"'conv2d_backward' ({label}) db must be None when b is None")
    else:
        f.compare(got[what], expected[what], case=label, what=what)
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


@test_case(points=0.5, hidden=True)
def backward_dtypes(conv2d_backward):
    f = student("conv2d_backward", conv2d_backward)
    dout, x, w, b = _random_case("float32 dtypes", dtype=np.float32, stride=2, padding=1)
    expected = reference().conv2d_backward(dout, x, w, b, stride=2, padding=1)
    got = _grads(f, dout, x, w, b, case="float32 in: float32 dx, dw, db", stride=2, padding=1)
    for what, e in zip(("dx", "dw", "db"), expected, strict=False):
        check_true(type(got[what]) is np.ndarray and got[what].dtype == e.dtype,
                   f"'conv2d_backward' (float32 in) {what} has the wrong dtype: expected {e.dtype}")


@test_case(points=0.5, hidden=True)
def backward_invalid_arguments(conv2d_backward):
    f = student("conv2d_backward", conv2d_backward)
    k = int(case_rng("invalid arguments kernel").integers(2, 4))
    dout, x, w, b = _random_case("invalid arguments", kernel=(k, k), stride=1)   # square: only the checks count
    got = _grads(f, dout, x, w, b, case="a valid call first")   # a float dx of x's shape (values: other cases)
    expect_array("conv2d_backward", got["dx"], x.shape, kinds="f", case="a valid call first", what="dx")
    verified("conv2d_backward")
    f.raises(ValueError, dout[:, :, :-1], x, w, b, case="dout of the wrong shape")
    f.raises(ValueError, dout, np.concatenate([x, x], axis=1), w, b,
             case="channel mismatch (x has more channels than w)")
    f.raises(ValueError, dout, x, np.concatenate([w, w], axis=1), b,
             case="channel mismatch (w has more channels than x)")
    n, c, h, wd = x.shape   # a dout of the size "same" at stride 2 would give: only the "same" rule can refuse it
    f.raises(ValueError, np.zeros((n, w.shape[0], (h + 1) // 2, (wd + 1) // 2)), x, w, b, stride=2, padding="same",
             case='"same" with stride 2')


@test_case(points=0, hidden=True)
def backward_keeps_inputs_info(conv2d_backward):
    k = int(case_rng("invalid arguments kernel").integers(2, 4))
    dout, x, w, b = _random_case("invalid arguments", kernel=(k, k), stride=1)
    student("conv2d_backward", conv2d_backward).keeps_inputs(dout, x, w, b, padding=0, what="dout, x, w or b")
