"""Q8 conv1d: 1-D convolution (cross-correlation) with channels, stride, padding and dilation.

Public cases: short signals worked out by hand (the lecture's ``T - M + 2P + 1`` at stride 1).
Hidden cases: random shapes and hyper-parameters (seeded per student), compared with the reference;
"same" / "full" padding; the dtype rules (their own case: value cases compare values only); invalid
arguments; inputs left unchanged.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, random_extent, student

OK_FORMAT = False
name = "q08_conv1d"

RAMP = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]])        # (N=1, C=1, L=6)


@test_case(points=1, hidden=False)
def conv1d_single_channel(conv1d):
    """A 3-tap kernel slides over 6 samples: ``T - M + 1 = 4`` outputs; dilation 3 skips samples."""
    f = student("conv1d", conv1d)
    f.expect(np.array([[[2.5, 4.5, 6.5, 8.5]]]), RAMP, np.array([[[1.0, 2.0, -1.0]]]), np.array([0.5]),
             case="kernel [1, 2, -1], bias 0.5")
    f.expect(np.array([[[5.0, 7.0, 9.0]]]), RAMP, np.array([[[1.0, 1.0]]]), dilation=3,
             case="kernel [1, 1], dilation 3")


@test_case(points=1, hidden=False)
def conv1d_channels_stride_padding(conv1d):
    """Two channels are summed; stride 2 with padding 1; "same" puts the extra zero AFTER; "full" pads k-1."""
    f = student("conv1d", conv1d)
    x = np.array([[[1.0, 2.0, 3.0, 4.0, 5.0], [1.0, 1.0, 1.0, 1.0, 1.0]]])
    w = np.array([[[1.0, 0.0, -1.0], [0.0, 1.0, 0.0]]])
    f.expect(np.array([[[-1.0, -1.0, 5.0]]]), x, w, stride=2, padding=1, case="2 channels, stride 2, padding 1")
    short = np.array([[[1.0, 2.0, 3.0]]])
    f.expect(np.array([[[3.0, 5.0, 3.0]]]), short, np.array([[[1.0, 1.0]]]), padding="same",
             case='kernel [1, 1], padding "same"')
    f.expect(np.array([[[-1.0, -1.0, -1.0, 3.0]]]), short, np.array([[[1.0, -1.0]]]), padding="full",
             case='kernel [1, -1], padding "full"')


# BEGIN HIDDEN TESTS
def _random_case(label, *, even=False, stride=1, padding=0, dilation=1):
    """Random (x, w, b) for ``conv1d``: the kernel has 2 to 5 taps (even when ``even``: "same" is then
    asymmetric), N >= 2, C >= 2, F >= 2 with F != C, and with a stride > 1 the output size rounds down (so
    ceil != floor), whatever the student id."""
    rng = case_rng(label)
    k = int(rng.choice([2, 4])) if even else int(rng.integers(2, 6))
    p = dilation * (k - 1) if padding == "full" else (padding if isinstance(padding, int) else 0)
    length = random_extent(rng, 8, 30, k, stride, p, dilation)
    x = rng.standard_normal((int(rng.integers(2, 4)), int(rng.integers(2, 4)), length))
    w = rng.standard_normal((int(rng.choice([v for v in (2, 3, 4) if v != x.shape[1]])), x.shape[1], k))
    return x, w, rng.standard_normal(w.shape[0])


def _check_all(conv1d, cases):
    for label, hyper in cases:
        x, w, b = _random_case(label, even=hyper.get("padding") == "same" and "dilation" not in hyper, **hyper)
        student("conv1d", conv1d).same(x, w, b, case=label, **hyper)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv1d_random_hyperparameters(conv1d):
    _check_all(conv1d, [("stride 1, no padding", {}), ("stride 3, padding 2", {"stride": 3, "padding": 2}),
                        ("stride 2, dilation 2, padding 1", {"stride": 2, "dilation": 2, "padding": 1})])


@test_case(points=1, hidden=True)
def conv1d_same_full_padding(conv1d):
    _check_all(conv1d, [('padding "same" (even kernels too)', {"padding": "same"}),
                        ('padding "same" with dilation 2', {"padding": "same", "dilation": 2}),
                        ('padding "full"', {"padding": "full"}), ('padding "valid"', {"padding": "valid"})])


@test_case(points=0.5, hidden=True)
def conv1d_dtypes(conv1d):
    x, w, b = _random_case("float32 and invalid arguments", stride=2)
    student("conv1d", conv1d).dtype(x.astype(np.float32), w.astype(np.float32), None, stride=2,
                                    case="float32 in, b=None: float32 out")


@test_case(points=0.5, hidden=True)
def conv1d_invalid_arguments(conv1d):
    f = student("conv1d", conv1d)
    x, w, b = _random_case("float32 and invalid arguments", stride=2)
    f.valid_call(x, w, b, stride=2)
    f.raises(ValueError, np.concatenate([x, x], axis=1), w, b, case="channel mismatch (x has more channels than w)")
    f.raises(ValueError, x, np.concatenate([w, w], axis=1), b, case="channel mismatch (w has more channels than x)")
    f.raises(ValueError, x, w, b, stride=0, case="stride 0")
    f.raises(ValueError, x, w, b, padding=-1, case="padding -1")
    f.raises(ValueError, x, w, b, stride=2, padding="same", case='"same" with stride 2')
    f.raises(ValueError, x[:, :, :2], w[:, :, :1].repeat(3, axis=2), b, case="kernel longer than the signal")
    f.raises(TypeError, x, w, b, stride=2.0, case="stride 2.0 (a float)")


@test_case(points=0, hidden=True)
def conv1d_keeps_inputs_info(conv1d):
    x, w, b = _random_case("inputs unchanged")
    student("conv1d", conv1d).keeps_inputs(x, w, b, padding=1, what="x, w or b")
