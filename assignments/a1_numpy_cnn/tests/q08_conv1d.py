"""Q8 conv1d: 1-D convolution (cross-correlation) with channels, stride, padding and dilation.

Public cases: short signals worked out by hand (the lecture's ``T - M + 2P + 1`` at stride 1).
Hidden cases: random shapes and hyper-parameters (seeded per student), compared with the reference;
"same" / "full" padding; dtypes, inputs left unchanged, invalid arguments.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, case_rng, check_array, check_true, expect_raises, reference, inputs_kept

OK_FORMAT = False
name = "q08_conv1d"

RAMP = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]])        # (N=1, C=1, L=6)


@test_case(points=1, hidden=False)
def conv1d_single_channel(conv1d):
    """A 3-tap kernel slides over 6 samples: ``T - M + 1 = 4`` outputs; dilation 3 skips samples."""
    got = call("conv1d", conv1d, RAMP, np.array([[[1.0, 2.0, -1.0]]]), np.array([0.5]))
    check_array("conv1d", got, np.array([[[2.5, 4.5, 6.5, 8.5]]]), case="kernel [1, 2, -1], bias 0.5")
    got = call("conv1d", conv1d, RAMP, np.array([[[1.0, 1.0]]]), dilation=3)
    check_array("conv1d", got, np.array([[[5.0, 7.0, 9.0]]]), case="kernel [1, 1], dilation 3")


@test_case(points=1, hidden=False)
def conv1d_channels_stride_padding(conv1d):
    """Two channels are summed; stride 2 with padding 1; "same" puts the extra zero AFTER; "full" pads k-1."""
    x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]]])
    w = np.array([[[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]])
    check_array("conv1d", call("conv1d", conv1d, x, w, stride=2, padding=1), np.array([[[-1.0, -1.0, 5.0]]]),
                case="2 channels, stride 2, padding 1")
    short = np.array([[[1.0, 2.0, 3.0]]])
    check_array("conv1d", call("conv1d", conv1d, short, np.array([[[1.0, 1.0]]]), padding="same"),
                np.array([[[3.0, 5.0, 3.0]]]), case='kernel [1, 1], padding "same"')
    check_array("conv1d", call("conv1d", conv1d, short, np.array([[[1.0, -1.0]]]), padding="full"),
                np.array([[[-1.0, -1.0, -1.0, 3.0]]]), case='kernel [1, -1], padding "full"')


# BEGIN HIDDEN TESTS
def _random_case(label, *, even=False, stride=1, padding=0, dilation=1):
    """Random (x, w, b) for ``conv1d``: the kernel has 2 to 5 taps (even when ``even``: "same" is then
    asymmetric), and with a stride > 1 the output size rounds down (so ceil != floor), whatever the student id."""
    rng = case_rng(label)
    k = int(rng.choice([2, 4])) if even else int(rng.integers(2, 6))
    p = dilation * (k - 1) if padding == "full" else (padding if isinstance(padding, int) else 0)
    while True:
        length = int(rng.integers(8, 30))
        if stride == 1 or (length + 2 * p - dilation * (k - 1) - 1) % stride:
            break
    x = rng.standard_normal((int(rng.integers(1, 4)), int(rng.integers(1, 4)), length))
    w = rng.standard_normal((int(rng.integers(1, 5)), x.shape[1], k))
    return rng, x, w, rng.standard_normal(w.shape[0])


def _same_as_reference(fn_name, fn, *args, case, **kwargs):
    """Compare the student's ``fn(*args, **kwargs)`` with the reference's, computed FIRST on the pristine inputs."""
    expected = getattr(reference(), fn_name)(*args, **kwargs)
    check_array(fn_name, call(fn_name, fn, *args, **kwargs), expected, case=case)


# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv1d_random_hyperparameters(conv1d):
    for label, hyper in [("stride 1, no padding", {}), ("stride 3, padding 2", {"stride": 3, "padding": 2}),
                         ("stride 2, dilation 2, padding 1", {"stride": 2, "dilation": 2, "padding": 1})]:
        _, x, w, b = _random_case(label, **hyper)
        _same_as_reference("conv1d", conv1d, x, w, b, case=label, **hyper)


@test_case(points=1, hidden=True)
def conv1d_same_full_padding(conv1d):
    for label, hyper in [('padding "same" (even kernels too)', {"padding": "same"}),
                         ('padding "same" with dilation 2', {"padding": "same", "dilation": 2}),
                         ('padding "full"', {"padding": "full"}), ('padding "valid"', {"padding": "valid"})]:
        _, x, w, b = _random_case(label, even=hyper == {"padding": "same"}, **hyper)
        _same_as_reference("conv1d", conv1d, x, w, b, case=label, **hyper)


@test_case(points=1, hidden=True)
def conv1d_dtypes_and_errors(conv1d):
    _, x, w, b = _random_case("float32 and invalid arguments", stride=2)
    x32, w32 = x.astype(np.float32), w.astype(np.float32)
    _same_as_reference("conv1d", conv1d, x32, w32, None, stride=2, case="float32 in, b=None")
    expect_raises(ValueError, "conv1d", conv1d, np.concatenate([x, x], axis=1), w, b,
                  case="channel mismatch (x has more channels than w)")
    expect_raises(ValueError, "conv1d", conv1d, x, np.concatenate([w, w], axis=1), b,
                  case="channel mismatch (w has more channels than x)")
    expect_raises(ValueError, "conv1d", conv1d, x, w, b, stride=0, case="stride 0")
    expect_raises(ValueError, "conv1d", conv1d, x, w, b, padding=-1, case="padding -1")
    expect_raises(ValueError, "conv1d", conv1d, x, w, b, stride=2, padding="same", case='"same" with stride 2')
    expect_raises(ValueError, "conv1d", conv1d, x[:, :, :2], w[:, :, :1].repeat(3, axis=2), b,
                  case="kernel longer than the signal")
    expect_raises(TypeError, "conv1d", conv1d, x, w, b, stride=2.0, case="stride 2.0 (a float)")


@test_case(points=0, hidden=True)
def conv1d_keeps_inputs_info(conv1d):
    _, x, w, b = _random_case("inputs unchanged")
    check_true(inputs_kept("conv1d", conv1d, (x, w, b), {"padding": 1}) is not False,
               "'conv1d' modified its input arrays: never write into x, w or b (for information, worth no points: only the sandbox sees this, so it is your code's word)")
