"""Does the A1 reference solution (solutions/a1_numpy_cnn/cnn_numpy.py) meet the conventions and the A1 API (README "Conventions", the handout)?

The oracle is PyTorch (``torch.nn.functional`` forward passes and float64 autograd for the backward
passes), the reference's own ``numerical_gradient`` (central differences), and the lecture's worked
examples, written here as hand-computed literals (the lecture's worked examples, quoted in the handout). Every mode, padding and stride
combination is a named parameter (STYLE 13).

The module under test is loaded by path (never through ``sys.path``, so it cannot collide with the
starter copy of ``cnn_numpy``). Set ``A1_MODULE_PATH`` to test another copy:
``tests/solutions/a1_mutation_sweep.py`` runs this file against known-buggy variants of the
reference and shows that each of them fails at least one test.
"""
import importlib.util
import os
import pathlib

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

ROOT = pathlib.Path(__file__).resolve().parents[2]
REFERENCE = ROOT / "solutions" / "a1_numpy_cnn" / "cnn_numpy.py"
F64_TOL = dict(rtol=1e-9, atol=1e-12)
F32_TOL = dict(rtol=1e-4, atol=1e-5)
pytestmark = pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel lengths:UserWarning")


@pytest.fixture(scope="session")
def cn():
    """The module under test: the A1 reference, or the file named by ``A1_MODULE_PATH``."""
    path = pathlib.Path(os.environ.get("A1_MODULE_PATH", REFERENCE))
    spec = importlib.util.spec_from_file_location("a1_reference_cnn_numpy", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# ====================================================================================================
# Oracle helpers: one per kind of check (STYLE 11)
# ====================================================================================================

def rand(shape, seed=0, dtype=np.float64):
    return np.random.default_rng(seed).normal(size=shape).astype(dtype)


def call(fn, *args, **kwargs):
    """Call ``fn`` and assert that no ndarray argument changed (values, dtype, shape: bytes)."""
    arrays = [a for a in (*args, *kwargs.values()) if isinstance(a, np.ndarray)]
    before = [(a.dtype, a.shape, a.tobytes()) for a in arrays]
    result = fn(*args, **kwargs)
    after = [(a.dtype, a.shape, a.tobytes()) for a in arrays]
    assert after == before, f"{fn.__name__} modified one of its input arrays"
    return result


def assert_matches(got, expected, dtype=np.float64):
    """Type, then shape, then dtype, then values (``expected``: a tensor, an array or literals)."""
    if isinstance(expected, torch.Tensor):
        expected = expected.detach().numpy()
    expected = np.asarray(expected, dtype=np.float64)
    assert isinstance(got, np.ndarray), f"got {type(got).__name__}, expected an ndarray"
    assert got.shape == expected.shape, f"shape {got.shape}, expected {expected.shape}"
    assert got.dtype == np.dtype(dtype), f"dtype {got.dtype}, expected {np.dtype(dtype)}"
    tol = F64_TOL if np.dtype(dtype) == np.float64 else F32_TOL
    np.testing.assert_allclose(got.astype(np.float64), expected, **tol)


def rel_error(a, b):
    """Relative error of two gradients, by norms (robust to near-zero entries)."""
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.linalg.norm(a - b) / max(np.linalg.norm(a) + np.linalg.norm(b), 1e-300)


def t(a, grad=False):
    return torch.tensor(np.asarray(a), dtype=torch.float64, requires_grad=grad)


def torch_padding(padding, kernel, dilation):
    """conv2d's padding argument for torch: "full" is not a torch mode, it is d*(k-1) per axis."""
    if padding == "full":
        return tuple(d * (k - 1) for k, d in zip(kernel, dilation, strict=False))
    return padding


def torch_grads(fn, dout, *inputs):
    """Autograd gradients of ``sum(fn(*inputs) * dout)``; None for inputs that are None."""
    leaves = [None if a is None else t(a, grad=True) for a in inputs]
    out = fn(*leaves)
    grads = torch.autograd.grad(out, [a for a in leaves if a is not None], t(dout))
    it = iter(grads)
    return [None if a is None else next(it).numpy() for a in leaves]


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# ====================================================================================================
# The grid: conv2d
# ====================================================================================================

def conv(x, w, stride=1, padding=0, dilation=1, bias=True):
    return dict(x=x, w=w, stride=stride, padding=padding, dilation=dilation, bias=bias)


CONV2D_CASES = [
    pytest.param(conv((2, 3, 7, 7), (4, 3, 3, 3)), id="square-k3"),
    pytest.param(conv((2, 2, 7, 9), (3, 2, 2, 3)), id="rect-k2x3"),
    pytest.param(conv((1, 2, 9, 8), (2, 2, 3, 1), stride=(2, 1)), id="rect-k3x1-stride2x1"),
    pytest.param(conv((2, 1, 9, 10), (2, 1, 2, 2), stride=3), id="stride3-larger-than-k2"),
    pytest.param(conv((1, 2, 11, 10), (2, 2, 2, 3), stride=(3, 4)), id="rect-stride3x4-larger-than-rect-k2x3"),
    pytest.param(conv((2, 2, 9, 9), (3, 2, 3, 3), dilation=2), id="dilation2"),
    pytest.param(conv((1, 2, 11, 12), (2, 2, 2, 3), stride=(1, 2), dilation=(3, 2)),
                 id="dilation3x2-rect-k2x3-stride1x2"),
    pytest.param(conv((3, 3, 7, 5), (5, 3, 3, 3), stride=2), id="odd-sizes-7x5-stride2-floor"),
    pytest.param(conv((2, 3, 6, 5), (4, 3, 3, 2), bias=False), id="bias-none"),
    pytest.param(conv((2, 2, 5, 6), (3, 2, 3, 3), padding=2), id="padding-int2"),
    pytest.param(conv((2, 2, 5, 6), (3, 2, 3, 2), stride=2, padding=(1, 2)), id="padding-pair1x2-stride2"),
    pytest.param(conv((2, 2, 6, 7), (3, 2, 3, 3), padding="valid"), id="padding-valid"),
    pytest.param(conv((2, 2, 6, 7), (3, 2, 3, 3), padding="same"), id="padding-same-k3"),
    pytest.param(conv((2, 2, 6, 7), (3, 2, 4, 4), padding="same"), id="padding-same-even-k4"),
    pytest.param(conv((1, 2, 6, 7), (3, 2, 2, 4), padding="same"), id="padding-same-even-rect-k2x4"),
    pytest.param(conv((1, 2, 9, 8), (2, 2, 2, 2), padding="same", dilation=3), id="padding-same-even-k2-dilation3"),
    pytest.param(conv((1, 2, 9, 8), (2, 2, 3, 2), padding="same", dilation=(2, 1)),
                 id="padding-same-rect-k3x2-dilation2x1"),
    pytest.param(conv((2, 2, 5, 4), (3, 2, 3, 3), padding="full"), id="padding-full-k3"),
    pytest.param(conv((1, 2, 5, 6), (2, 2, 2, 3), padding="full", dilation=(2, 1)), id="padding-full-rect-dilated"),
    pytest.param(conv((2, 4, 5, 5), (3, 4, 1, 1)), id="1x1-channel-mixing"),
    pytest.param(conv((2, 3, 4, 5), (2, 3, 4, 5)), id="kernel-equals-input-1x1-output"),
]


def _conv_inputs(case, seed=0, dtype=np.float64):
    x, w = rand(case["x"], seed, dtype), rand(case["w"], seed + 1, dtype)
    b = rand(case["w"][0], seed + 2, dtype) if case["bias"] else None
    return x, w, b


def _conv_kwargs(case):
    return {k: case[k] for k in ("stride", "padding", "dilation")}


def _torch_conv2d(case):
    kernel, dil = case["w"][2:], _pair(case["dilation"])
    pad = torch_padding(case["padding"], kernel, dil)
    return lambda x, w, b: F.conv2d(x, w, b, stride=case["stride"], padding=pad, dilation=case["dilation"])


@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_matches_torch(cn, case):
    """Does conv2d match torch's conv2d (shape, dtype, values) on every geometry of the grid?"""
    x, w, b = _conv_inputs(case)
    expected = _torch_conv2d(case)(t(x), t(w), None if b is None else t(b))
    assert_matches(call(cn.conv2d, x, w, b, **_conv_kwargs(case)), expected)


@pytest.mark.parametrize("case", CONV2D_CASES)
def test_conv2d_backward_matches_torch_autograd(cn, case):
    """Are conv2d_backward's dx, dw, db torch autograd's (db None when b is None)?"""
    x, w, b = _conv_inputs(case)
    dout = rand(cn.conv2d(x, w, b, **_conv_kwargs(case)).shape, seed=7)
    dx, dw, db = call(cn.conv2d_backward, dout, x, w, b, **_conv_kwargs(case))
    ex, ew, eb = torch_grads(_torch_conv2d(case), dout, x, w, b)
    assert_matches(dx, ex)
    assert_matches(dw, ew)
    if b is None:
        assert db is None
    else:
        assert_matches(db, eb)


NUMGRAD_CONV_CASES = [p for p in CONV2D_CASES if p.id in {
    "rect-k2x3", "stride3-larger-than-k2", "dilation3x2-rect-k2x3-stride1x2", "padding-pair1x2-stride2",
    "padding-same-even-k4", "padding-full-rect-dilated"}]


@pytest.mark.parametrize("case", NUMGRAD_CONV_CASES)
def test_conv2d_backward_matches_numerical_gradient(cn, case):
    """Do dx, dw, db agree with central differences (relative error < 1e-6)?"""
    x, w, b = _conv_inputs(case)
    kw = _conv_kwargs(case)
    dout = rand(cn.conv2d(x, w, b, **kw).shape, seed=7)
    analytic = cn.conv2d_backward(dout, x, w, b, **kw)
    loss = lambda: float(np.sum(cn.conv2d(x, w, b, **kw) * dout))  # noqa: E731 (reads x, w, b by closure)
    for got, arr in zip(analytic, (x, w, b), strict=False):
        assert rel_error(got, cn.numerical_gradient(lambda _: loss(), arr)) < 1e-6


def test_conv2d_rectangular_kernel_is_not_transposed(cn):
    """A 1x3 horizontal kernel [1, 2, 3] reads along W: hand-computed on a 2x4 image."""
    x = np.array([[[[1.0, 2, 3, 4], [10, 20, 30, 40]]]])
    w = np.array([[[[1.0, 2, 3]]]])
    assert_matches(call(cn.conv2d, x, w), [[[[14, 20], [140, 200]]]])


# ====================================================================================================
# corr2d / convolve2d: flipping, the lecture's examples and classic kernels
# ====================================================================================================

LECTURE_5X5 = [[3, 5, 2, 8, 1], [9, 7, 5, 4, 3], [2, 0, 6, 1, 6], [6, 3, 7, 9, 2], [1, 4, 9, 5, 1]]
UFLDL = [[1, 1, 1, 0, 0], [0, 1, 1, 1, 0], [0, 0, 1, 1, 1], [0, 0, 1, 1, 0], [0, 1, 1, 0, 0]]
SHARPEN = [[0, -1, 0], [-1, 5, -1], [0, -1, 0]]
BLUR = [[1, 1, 1], [1, 1, 1], [1, 1, 1]]
EDGE = [[0, 1, 0], [1, -4, 1], [0, 1, 0]]
ASYM = [[1, 2, 0], [0, 0, 0], [0, 0, 3]]
ASYM_FLIPPED = [[3, 0, 0], [0, 0, 0], [0, 2, 1]]
DELTA = [[0, 0, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 1, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]
BLOCK = [[0, 0, 0, 0], [0, 1, 1, 0], [0, 1, 1, 0], [0, 0, 0, 0]]
SMALL = [[1, 2, 0], [0, 3, 1], [2, 0, 1]]

LECTURE_EXAMPLES = [
    pytest.param("corr2d", LECTURE_5X5, [[1, 0, 0], [1, 1, 0], [0, 0, 1]], [[25, 18, 17], [18, 22, 14], [20, 15, 23]],
                 id="lecture-5x5"),
    pytest.param("corr2d", UFLDL, [[1, 0, 1], [0, 1, 0], [1, 0, 1]], [[4, 3, 4], [2, 4, 3], [2, 3, 4]], id="ufldl-5x5"),
    pytest.param("corr2d", np.full((4, 4), 2), SHARPEN, np.full((2, 2), 2), id="sharpen-constant-keeps-it"),
    pytest.param("corr2d", np.full((4, 4), 2), EDGE, np.zeros((2, 2)), id="edge-constant-is-zero"),
    pytest.param("corr2d", np.full((4, 4), 2), BLUR, np.full((2, 2), 18), id="blur-constant-times-9"),
    pytest.param("corr2d", BLOCK, SHARPEN, [[3, 3], [3, 3]], id="sharpen-2x2-block"),
    pytest.param("corr2d", BLOCK, EDGE, [[-2, -2], [-2, -2]], id="edge-2x2-block"),
    pytest.param("corr2d", BLOCK, BLUR, [[4, 4], [4, 4]], id="blur-2x2-block"),
    pytest.param("corr2d", SMALL, SHARPEN, [[12]], id="sharpen-3x3"),
    pytest.param("corr2d", SMALL, EDGE, [[-9]], id="edge-3x3"),
    pytest.param("corr2d", SMALL, BLUR, [[10]], id="blur-3x3"),
    pytest.param("corr2d", DELTA, SHARPEN, SHARPEN, id="sharpen-bright-pixel"),
    pytest.param("convolve2d", DELTA, EDGE, EDGE, id="convolve2d-edge-bright-pixel"),
    pytest.param("convolve2d", DELTA, ASYM, ASYM, id="convolve2d-bright-pixel-gives-kernel"),
    pytest.param("corr2d", DELTA, ASYM, ASYM_FLIPPED, id="corr2d-bright-pixel-gives-flipped-kernel"),
    pytest.param("convolve2d", [[1, 2, 3], [4, 5, 6]], [[1, 0, 2]], [[5], [14]], id="convolve2d-row-kernel-by-hand"),
    pytest.param("corr2d", [[1, 2, 3], [4, 5, 6]], [[1, 0, 2]], [[7], [16]], id="corr2d-row-kernel-by-hand"),
]


@pytest.mark.parametrize("fn, image, kernel, expected", LECTURE_EXAMPLES)
def test_lecture_examples_by_hand(cn, fn, image, kernel, expected):
    """Do the lecture's worked examples and the classic kernels give the hand-computed values?"""
    image, kernel = np.array(image), np.array(kernel)
    assert_matches(call(getattr(cn, fn), image, kernel), expected)


def test_corr2d_integer_lecture_example_is_float64_25(cn):
    """Integer input (the lecture's example) computes in float64: the top-left value is 25.0."""
    out = call(cn.corr2d, np.array(LECTURE_5X5), np.array([[1, 0, 0], [1, 1, 0], [0, 0, 1]]))
    assert out.dtype == np.float64 and out[0, 0] == 25.0


FLIP_KERNELS = [pytest.param((3, 3), id="asym-3x3"), pytest.param((2, 3), id="rect-2x3"),
                pytest.param((4, 1), id="column-4x1"), pytest.param((1, 4), id="row-1x4")]


@pytest.mark.parametrize("kshape", FLIP_KERNELS)
def test_convolve2d_is_corr2d_with_flipped_kernel_and_torch(cn, kshape):
    """convolve2d == corr2d(flipped kernel) == torch conv2d with the flipped kernel; and corr2d == torch."""
    image, kernel = rand((6, 7)), rand(kshape, seed=3)
    flipped = torch.flip(t(kernel), (0, 1))[None, None]
    assert_matches(call(cn.convolve2d, image, kernel), F.conv2d(t(image)[None, None], flipped)[0, 0])
    assert_matches(call(cn.corr2d, image, kernel), F.conv2d(t(image)[None, None], t(kernel)[None, None])[0, 0])
    assert_matches(cn.convolve2d(image, kernel), cn.corr2d(image, kernel[::-1, ::-1]))


@pytest.mark.parametrize("kshape", FLIP_KERNELS)
def test_convolve2d_differs_from_corr2d_for_asymmetric_kernel(cn, kshape):
    """Flipping matters: for an asymmetric kernel the two operations differ."""
    image, kernel = rand((6, 7)), rand(kshape, seed=3)
    assert not np.allclose(cn.convolve2d(image, kernel), cn.corr2d(image, kernel))


# ====================================================================================================
# pad2d
# ====================================================================================================

PAD_CASES = [  # padding for pad2d -> the same padding in torch F.pad's (left, right, top, bottom) order
    pytest.param(2, (2, 2, 2, 2), id="int"),
    pytest.param(0, (0, 0, 0, 0), id="int-zero"),
    pytest.param((1, 3), (3, 3, 1, 1), id="pair-h1-w3"),
    pytest.param((1, 2, 3, 4), (3, 4, 1, 2), id="4tuple-top1-bottom2-left3-right4"),
    pytest.param((0, 2, 1, 0), (1, 0, 0, 2), id="4tuple-bottom-and-left-only"),
]


@pytest.mark.parametrize("shape", [pytest.param((3, 4), id="2d"), pytest.param((2, 3, 4), id="3d"),
                                   pytest.param((2, 1, 3, 4), id="4d")])
@pytest.mark.parametrize("padding, torch_order", PAD_CASES)
def test_pad2d_matches_torch_pad_reordered(cn, shape, padding, torch_order):
    """pad2d's (top, bottom, left, right) is torch F.pad's (left, right, top, bottom) reordered."""
    x = rand(shape)
    assert_matches(call(cn.pad2d, x, padding), F.pad(t(x), torch_order))


def test_pad2d_order_is_top_bottom_left_right_not_torchs(cn):
    """By hand: (top=1, bottom=0, left=0, right=2) on [[5]]; torch's reading of the same tuple differs."""
    out = call(cn.pad2d, np.array([[5.0]]), (1, 0, 0, 2))
    assert_matches(out, [[0, 0, 0], [5, 0, 0]])
    assert F.pad(t([[5.0]]), (1, 0, 0, 2)).shape != out.shape


def test_pad2d_value(cn):
    """The fill value is used (max pooling pads with -inf)."""
    n = -np.inf
    assert_matches(call(cn.pad2d, np.array([[1.0]]), 1, value=n), [[n, n, n], [n, 1, n], [n, n, n]])


# ====================================================================================================
# conv1d
# ====================================================================================================

def conv1(x, w, stride=1, padding=0, dilation=1, bias=True):
    return dict(x=x, w=w, stride=stride, padding=padding, dilation=dilation, bias=bias)


CONV1D_CASES = [
    pytest.param(conv1((2, 3, 10), (4, 3, 3)), id="k3"),
    pytest.param(conv1((2, 3, 10), (4, 3, 3), padding=1), id="padding-int1"),
    pytest.param(conv1((2, 3, 10), (4, 3, 3), padding="valid"), id="padding-valid"),
    pytest.param(conv1((2, 3, 10), (4, 3, 3), padding="same"), id="padding-same-k3"),
    pytest.param(conv1((2, 3, 11), (4, 3, 4), padding="same"), id="padding-same-even-k4"),
    pytest.param(conv1((1, 2, 11), (3, 2, 2), padding="same", dilation=3), id="padding-same-even-k2-dilation3"),
    pytest.param(conv1((2, 3, 7), (4, 3, 3), padding="full"), id="padding-full-k3"),
    pytest.param(conv1((1, 2, 7), (2, 2, 2), padding="full", dilation=3), id="padding-full-dilation3"),
    pytest.param(conv1((2, 2, 15), (3, 2, 3), dilation=2), id="dilation2"),
    pytest.param(conv1((2, 2, 15), (3, 2, 2), stride=3), id="stride3-larger-than-k2"),
    pytest.param(conv1((2, 2, 16), (3, 2, 3), stride=2, dilation=2, padding=1), id="stride2-dilation2-padding1"),
    pytest.param(conv1((2, 1, 40), (15, 1, 3), stride=2, bias=False), id="mnist1d-first-layer-bias-none"),
]


@pytest.mark.parametrize("case", CONV1D_CASES)
def test_conv1d_matches_torch(cn, case):
    """Does conv1d match torch's conv1d on every padding form, stride and dilation?"""
    x, w, b = _conv_inputs(case)
    pad = case["dilation"] * (case["w"][2] - 1) if case["padding"] == "full" else case["padding"]
    expected = F.conv1d(t(x), t(w), None if b is None else t(b), case["stride"], pad, case["dilation"])
    assert_matches(call(cn.conv1d, x, w, b, **_conv_kwargs(case)), expected)


# ====================================================================================================
# Pooling: forward and backward
# ====================================================================================================

def pool(x, k, stride=None, padding=0):
    return dict(x=x, k=k, stride=stride, padding=padding)


POOL_CASES = [
    pytest.param(pool((2, 3, 6, 8), 2), id="k2-stride-None"),
    pytest.param(pool((2, 2, 7, 5), 2), id="odd-sizes-k2-floor"),
    pytest.param(pool((2, 2, 6, 7), 3, stride=1), id="overlap-k3-stride1"),
    pytest.param(pool((2, 2, 7, 7), 3, stride=2, padding=1), id="overlap-k3-stride2-padding1"),
    pytest.param(pool((1, 2, 6, 9), (2, 3), stride=(1, 2), padding=(1, 1)), id="rect-k2x3-stride1x2-padding1"),
    pytest.param(pool((1, 2, 7, 6), (3, 1), stride=(2, 1), padding=(1, 0)), id="rect-k3x1-stride2x1-padding1x0"),
    pytest.param(pool((2, 2, 9, 10), 2, stride=3), id="stride3-larger-than-k2"),
    pytest.param(pool((1, 1, 5, 5), 4, stride=1, padding=2), id="padding-equals-k-half"),
]


def _torch_pool_kwargs(case):
    return dict(kernel_size=case["k"], stride=case["stride"], padding=case["padding"])


def _all_negative(shape, seed=0):
    """Distinct negative values (gaps of 0.1 >> h): zero padding would be the maximum."""
    n = int(np.prod(shape))
    return -(1.0 + 0.1 * np.random.default_rng(seed).permutation(n)).reshape(shape)


def _ties(shape, seed=0):
    """Negative integers from {-3, -2, -1}: almost every window holds repeated maxima."""
    return -np.random.default_rng(seed).integers(1, 4, size=shape).astype(np.float64)


@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_matches_torch(cn, case):
    """max_pool2d == torch max_pool2d; all-negative input, so padding must be -inf, not 0."""
    x = _all_negative(case["x"])
    assert_matches(call(cn.max_pool2d, x, case["k"], case["stride"], case["padding"]),
                   F.max_pool2d(t(x), **_torch_pool_kwargs(case)))


@pytest.mark.parametrize("case", POOL_CASES)
def test_avg_pool2d_matches_torch(cn, case):
    """avg_pool2d == torch avg_pool2d with count_include_pad=True."""
    x = rand(case["x"])
    assert_matches(call(cn.avg_pool2d, x, case["k"], case["stride"], case["padding"]),
                   F.avg_pool2d(t(x), count_include_pad=True, **_torch_pool_kwargs(case)))


@pytest.mark.parametrize("x_of", [pytest.param(_ties, id="ties"), pytest.param(_all_negative, id="distinct"),
                                  pytest.param(lambda s: np.full(s, -2.0), id="constant-plateau")])
@pytest.mark.parametrize("case", POOL_CASES)
def test_max_pool2d_backward_matches_torch_autograd(cn, case, x_of):
    """Gradient to the FIRST maximum of each window (row-major), accumulated where windows overlap,
    never to the padding: as torch's max_pool2d backward on CPU."""
    x = x_of(case["x"])
    dout = rand(cn.max_pool2d(x, case["k"], case["stride"], case["padding"]).shape, seed=5)
    (expected,) = torch_grads(lambda a: F.max_pool2d(a, **_torch_pool_kwargs(case)), dout, x)
    assert_matches(call(cn.max_pool2d_backward, dout, x, case["k"], case["stride"], case["padding"]), expected)


def test_max_pool2d_backward_tie_goes_to_first_max_by_hand(cn):
    """A 2x2 window of four equal values: all the gradient lands on the top-left element."""
    dx = call(cn.max_pool2d_backward, np.array([[[[3.0]]]]), np.full((1, 1, 2, 2), 7.0), 2)
    assert_matches(dx, [[[[3, 0], [0, 0]]]])


def test_max_pool2d_backward_overlap_accumulates_by_hand(cn):
    """The centre of a 3x3 map is the maximum of all four overlapping 2x2 windows: it gets 1+2+3+4."""
    x = np.array([[[[0.0, 0, 0], [0, 9, 0], [0, 0, 0]]]])
    dx = call(cn.max_pool2d_backward, np.array([[[[1.0, 2], [3, 4]]]]), x, 2, 1)
    assert_matches(dx, [[[[0, 0, 0], [0, 10, 0], [0, 0, 0]]]])


@pytest.mark.parametrize("case", POOL_CASES)
def test_avg_pool2d_backward_matches_torch_autograd(cn, case):
    """dout / (KH*KW) to every element of each window, accumulated; the padding's share is dropped."""
    x = rand(case["x"])
    dout = rand(cn.avg_pool2d(x, case["k"], case["stride"], case["padding"]).shape, seed=5)
    (expected,) = torch_grads(lambda a: F.avg_pool2d(a, count_include_pad=True, **_torch_pool_kwargs(case)), dout, x)
    assert_matches(call(cn.avg_pool2d_backward, dout, x.shape, case["k"], case["stride"], case["padding"]), expected)


NUMGRAD_POOL_CASES = [p for p in POOL_CASES if p.id in {
    "k2-stride-None", "overlap-k3-stride1", "overlap-k3-stride2-padding1", "rect-k2x3-stride1x2-padding1"}]


@pytest.mark.parametrize("case", NUMGRAD_POOL_CASES)
def test_pool_backward_matches_numerical_gradient(cn, case):
    """max (distinct values: no near-ties) and avg pool backward vs central differences (< 1e-6)."""
    x, args = _all_negative(case["x"]), (case["k"], case["stride"], case["padding"])
    dout = rand(cn.max_pool2d(x, *args).shape, seed=5)
    for fwd, got in ((cn.max_pool2d, cn.max_pool2d_backward(dout, x, *args)),
                     (cn.avg_pool2d, cn.avg_pool2d_backward(dout, x.shape, *args))):
        assert rel_error(got, cn.numerical_gradient(lambda a: np.sum(fwd(a, *args) * dout), x.copy())) < 1e-6  # noqa: B023 - called at once


L2_CASES = [
    pytest.param((2, 2, 6, 8), 2, None, id="k2-stride-None"),
    pytest.param((2, 2, 7, 5), 2, None, id="odd-sizes-k2-floor"),
    pytest.param((1, 2, 6, 7), 3, 1, id="overlap-k3-stride1"),
    pytest.param((1, 2, 7, 9), (2, 3), (1, 2), id="rect-k2x3-stride1x2"),
]


@pytest.mark.parametrize("shape, k, stride", L2_CASES)
def test_l2_pool2d_matches_torch_lp_pool2d(cn, shape, k, stride):
    """l2_pool2d == torch lp_pool2d with norm 2 (sqrt of the window's sum of squares)."""
    x = rand(shape)
    assert_matches(call(cn.l2_pool2d, x, k, stride), F.lp_pool2d(t(x), 2, k, stride))


def test_l2_pool2d_by_hand(cn):
    """Windows with whole-number norms: sqrt(9+16) = 5, sqrt(1+4+4+16) = 5... by hand."""
    x = np.array([[[[3.0, 4, 1, 2], [0, 0, 2, 4]]]])
    assert_matches(call(cn.l2_pool2d, x, 2), [[[[5, 5]]]])


@pytest.mark.parametrize("shape", [pytest.param((2, 3, 5, 7), id="rect"), pytest.param((1, 1, 1, 1), id="1x1")])
def test_global_avg_pool2d_matches_torch(cn, shape):
    """global_avg_pool2d: (N, C, H, W) -> (N, C), torch adaptive_avg_pool2d(x, 1)."""
    x = rand(shape)
    assert_matches(call(cn.global_avg_pool2d, x), F.adaptive_avg_pool2d(t(x), 1)[:, :, 0, 0])


def test_pool_stride_none_means_kernel_size(cn):
    """stride=None gives exactly the result of stride=kernel_size (non-overlapping windows)."""
    x = rand((1, 2, 6, 9))
    assert_matches(call(cn.max_pool2d, x, (2, 3)), cn.max_pool2d(x, (2, 3), (2, 3)))
    assert_matches(call(cn.avg_pool2d, x, (2, 3)), cn.avg_pool2d(x, (2, 3), (2, 3)))
    assert cn.pool_output_size(9, 3) == 3 and cn.max_pool2d(x, (2, 3)).shape == (1, 2, 3, 3)


# ====================================================================================================
# numerical_gradient
# ====================================================================================================

def test_numerical_gradient_of_cube_is_3x2(cn):
    """The analytic gradient of sum(x**3) is 3 x**2."""
    x = rand((3, 4))
    assert rel_error(call(cn.numerical_gradient, lambda a: np.sum(a ** 3), x), 3 * x ** 2) < 1e-8


@pytest.mark.parametrize("dtype, scale, h", [pytest.param(np.float64, 1e-6, 1e-5, id="float64-default-h"),
                                              pytest.param(np.float32, 1e-3, 1e-2, id="float32-h1e-2")])
def test_numerical_gradient_restores_x_bit_for_bit(cn, dtype, scale, h):
    """x after == x before, byte for byte: with |x| < h, (x - h) + h is usually NOT x in floating
    point, so only restoring the saved value passes."""
    x = rand((4, 5), dtype=dtype) * dtype(scale)
    before = x.tobytes()
    cn.numerical_gradient(lambda a: float(np.sum(np.sin(a.astype(np.float64)))), x, h=h)
    assert x.tobytes() == before


def test_numerical_gradient_perturbs_in_place_for_closures(cn):
    """f may ignore its argument and read x through a closure (CS231n style)."""
    x = rand((2, 3))
    grad = cn.numerical_gradient(lambda _: float(np.sum(x ** 2)), x)
    assert rel_error(grad, 2 * x) < 1e-8


@pytest.mark.parametrize("dtype, h", [pytest.param(np.float64, 1e-5, id="float64"),
                                      pytest.param(np.float32, 1e-2, id="float32")])
def test_numerical_gradient_keeps_shape_and_dtype(cn, dtype, h):
    """The gradient has x's shape and dtype."""
    x = rand((2, 3, 2), dtype=dtype)
    grad = cn.numerical_gradient(lambda a: float(np.sum(a.astype(np.float64) ** 2)), x, h=h)
    assert_matches(grad, 2 * x.astype(np.float64), dtype=dtype)


def test_numerical_gradient_uses_central_differences(cn):
    """For sum(x**2) the central difference is exact even at h = 1e-2; the forward one is off by h."""
    x = np.array([0.5, -1.25, 2.0])
    grad = cn.numerical_gradient(lambda a: float(np.sum(a ** 2)), x, h=1e-2)
    np.testing.assert_allclose(grad, 2 * x, rtol=0, atol=1e-9)


# ====================================================================================================
# Sizes, receptive field, parameter counts, network_summary
# ====================================================================================================

SIZE_CASES = [  # (n, k, stride, padding, dilation) -> hand-computed floor((n + 2p - d(k-1) - 1)/s) + 1
    pytest.param((5, 3, 1, 0, 1), 3, id="lecture-5-k3"),
    pytest.param((7, 3, 2, 0, 1), 3, id="stride2-exact"),
    pytest.param((6, 3, 2, 1, 1), 3, id="stride2-floor-not-ceil"),
    pytest.param((7, 2, 3, 0, 1), 2, id="stride3-larger-than-k2"),
    pytest.param((10, 3, 1, 0, 2), 6, id="dilation2"),
    pytest.param((9, 2, 1, 2, 3), 10, id="dilation3-padding2"),
    pytest.param((3, 3, 1, 0, 1), 1, id="kernel-equals-input"),
    pytest.param((32, 5, 1, 0, 1), 28, id="lenet-c1"),
]


@pytest.mark.parametrize("args, expected", SIZE_CASES)
def test_conv_output_size_by_hand_and_torch(cn, args, expected):
    """The hand-computed size, which torch's conv1d output length confirms."""
    n, k, s, p, d = args
    assert call(cn.conv_output_size, n, k, s, p, d) == expected
    assert F.conv1d(torch.zeros(1, 1, n), torch.zeros(1, 1, k), stride=s, padding=p, dilation=d).shape[-1] == expected


POOL_SIZE_CASES = [
    pytest.param((28, 2, None, 0), 14, id="stride-None-is-k"),
    pytest.param((7, 2, None, 0), 3, id="floor"),
    pytest.param((7, 3, 2, 1), 4, id="k3-stride2-padding1"),
    pytest.param((9, 2, 3, 1), 4, id="stride3-padding1"),
]


@pytest.mark.parametrize("args, expected", POOL_SIZE_CASES)
def test_pool_output_size_by_hand_and_torch(cn, args, expected):
    n, k, s, p = args
    assert call(cn.pool_output_size, n, k, s, p) == expected
    assert F.max_pool1d(torch.zeros(1, 1, n), k, s, p).shape[-1] == expected


@pytest.mark.parametrize("fn, args, expected", [
    pytest.param("effective_kernel_size", (3, 2), 5, id="effective-k3-d2"),
    pytest.param("effective_kernel_size", (3,), 3, id="effective-k3"),
    pytest.param("same_padding", (3,), (1, 1), id="same-k3"),
    pytest.param("same_padding", (4,), (1, 2), id="same-even-k4-extra-after"),
    pytest.param("same_padding", (2, 3), (1, 2), id="same-even-k2-d3-extra-after"),
    pytest.param("same_padding", (3, 2), (2, 2), id="same-k3-d2"),
    pytest.param("full_padding", (3,), 2, id="full-k3"),
    pytest.param("full_padding", (3, 2), 4, id="full-k3-d2"),
])
def test_padding_helpers_by_hand(cn, fn, args, expected):
    assert tuple(np.atleast_1d(getattr(cn, fn)(*args))) == tuple(np.atleast_1d(expected))


RF_CASES = [
    pytest.param([], 1, id="empty"),
    pytest.param([(3, 1)], 3, id="one-3x3"),
    pytest.param([(3, 1), (3, 1)], 5, id="two-3x3-lecture"),
    pytest.param([(3, 1), (3, 1), (3, 1)], 7, id="three-3x3-lecture"),
    pytest.param([(3, 2), (3, 1)], 7, id="strided-1+2+2x2"),
    pytest.param([(3, 1, 2), (3, 1, 2)], 9, id="dilated-1+4+4"),
    pytest.param([(2, 2), (3, 2, 2), (3, 1)], 18, id="strided-dilated-1+1+4x2+2x4"),
]


@pytest.mark.parametrize("layers, expected", RF_CASES)
def test_receptive_field_by_hand_and_torch(cn, layers, expected):
    """Hand-computed; confirmed by the span of the input gradient of one output unit of a torch stack."""
    assert call(cn.receptive_field, layers) == expected
    x = torch.zeros(1, 1, 64, requires_grad=True)
    y = x
    for k, s, *d in layers:
        y = F.conv1d(y, torch.ones(1, 1, k, dtype=x.dtype), stride=s, dilation=(d or [1])[0])
    y[0, 0, y.shape[-1] // 2].backward()
    nz = torch.nonzero(x.grad[0, 0]).flatten()
    assert int(nz[-1] - nz[0]) + 1 == expected


def test_mlp_params_lecture_784_and_megabytes(cn):
    """400,906 parameters (torch agrees), 1,603,624 bytes as float32 = 1.6 MB decimal."""
    sizes = [784, 256, 256, 256, 256, 10]
    torch_mlp = nn.Sequential(*[nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=False)])
    assert call(cn.mlp_params, sizes) == 400_906 == sum(p.numel() for p in torch_mlp.parameters())
    assert cn.mlp_params(sizes) * np.dtype(np.float32).itemsize == 1_603_624
    assert round(1_603_624 / 1e6, 1) == 1.6


@pytest.mark.parametrize("args, kwargs, module", [
    pytest.param((3, 4), {}, lambda: nn.Linear(3, 4), id="linear"),
    pytest.param((3, 4), {"bias": False}, lambda: nn.Linear(3, 4, bias=False), id="linear-no-bias"),
    pytest.param((2, 5, 3), {}, lambda: nn.Conv1d(2, 5, 3), id="conv1d"),
    pytest.param((2, 5, 4), {"bias": False}, lambda: nn.Conv1d(2, 5, 4, bias=False), id="conv1d-no-bias"),
    pytest.param((3, 6, 5), {}, lambda: nn.Conv2d(3, 6, 5), id="conv2d"),
    pytest.param((3, 6, (2, 3)), {}, lambda: nn.Conv2d(3, 6, (2, 3)), id="conv2d-rect"),
    pytest.param((4, 6, 3), {"groups": 2}, lambda: nn.Conv2d(4, 6, 3, groups=2), id="conv2d-groups2"),
    pytest.param((4, 8, 3), {"groups": 4, "bias": False}, lambda: nn.Conv2d(4, 8, 3, groups=4, bias=False),
                 id="conv2d-depthwise-no-bias"),
    pytest.param((1, 3, 3), {}, lambda: nn.Conv2d(1, 3, 3), id="conv2d-lecture-notes-30"),
])
def test_layer_params_match_torch_modules(cn, args, kwargs, module):
    fn = {"Linear": cn.linear_params, "Conv1d": cn.conv1d_params, "Conv2d": cn.conv2d_params}[type(module()).__name__]
    assert fn(*args, **kwargs) == sum(p.numel() for p in module().parameters())


def test_lecture_notes_shared_parameters_are_30(cn):
    """(3x3 + 1) x 3 = 30 shared parameters."""
    assert cn.conv2d_params(1, 3, 3) == 30


@pytest.mark.parametrize("args, kwargs, expected", [
    pytest.param(((3, 8, 8), 4, 3), {}, 36 * (4 * 3 * 9 + 4), id="k3-36-positions"),
    pytest.param(((3, 8, 8), 4, 3), {"stride": 2, "padding": 1}, 16 * (4 * 3 * 9 + 4), id="k3-stride2-padding1"),
    pytest.param(((3, 8, 8), 4, (3, 2)), {"stride": (1, 2)}, 24 * (4 * 3 * 6 + 4), id="rect-k3x2-stride1x2"),
    pytest.param(((3, 8, 8), 4, 3), {"bias": False}, 36 * (4 * 3 * 9), id="no-bias"),
])
def test_locally_connected2d_params_by_hand(cn, args, kwargs, expected):
    """positions * (out_c*C*KH*KW + out_c): conv2d's geometry without weight sharing."""
    assert call(cn.locally_connected2d_params, *args, **kwargs) == expected


def _torch_layer(layer, shape):
    """The torch module of one network_summary layer dict, for an input of ``shape`` (no batch)."""
    kind, kw = layer["type"], {k: v for k, v in layer.items() if k not in ("type", "in_channels", "in_features")}
    simple = {"flatten": nn.Flatten(), "relu": nn.ReLU(), "tanh": nn.Tanh(), "sigmoid": nn.Sigmoid()}
    if kind in simple:
        return simple[kind]
    if kind == "linear":
        return nn.Linear(shape[0], kw.pop("out_features"), **kw)
    cls = {"conv1d": nn.Conv1d, "conv2d": nn.Conv2d, "maxpool1d": nn.MaxPool1d, "maxpool2d": nn.MaxPool2d,
           "avgpool2d": nn.AvgPool2d}[kind]
    return cls(shape[0], **kw) if kind.startswith("conv") else cls(**kw)


def C2(out, k, **kw):
    return {"type": "conv2d", "out_channels": out, "kernel_size": k, **kw}


def C1(out, k, **kw):
    return {"type": "conv1d", "out_channels": out, "kernel_size": k, **kw}


def L(out, **kw):
    return {"type": "linear", "out_features": out, **kw}


def P(kind, k, **kw):
    return {"type": kind, "kernel_size": k, **kw}


FLAT, RELU, TANH, SIGMOID = ({"type": k} for k in ("flatten", "relu", "tanh", "sigmoid"))
LENET5 = [C2(6, 5), TANH, P("avgpool2d", 2), C2(16, 5), TANH, P("avgpool2d", 2), FLAT,
          L(120), TANH, L(84), TANH, L(10)]
MNIST1D_CNN = [C1(15, 3, stride=2), RELU, C1(15, 3, stride=2), RELU, C1(15, 3, stride=2), RELU, FLAT, L(10)]
MNIST1D_MLP = [FLAT, L(285), RELU, L(135), RELU, L(60), RELU, L(10)]
MLP_784 = [FLAT, L(256), RELU, L(256), RELU, L(256), RELU, L(256), RELU, L(10)]
MIXED_2D = [C2(8, (3, 2), stride=(2, 1), padding=(1, 0), dilation=(1, 2), bias=False, in_channels=3),
            P("maxpool2d", 3, stride=2, padding=1), C2(4, 4, padding="same", dilation=2), SIGMOID,
            P("avgpool2d", (2, 3), padding=(1, 1)), P("maxpool2d", 1), FLAT, L(5, in_features=4 * 3 * 2)]
MIXED_1D = [C1(6, 4, padding="same"), P("maxpool1d", 3, stride=2, padding=1), C1(3, 3, dilation=3, padding="valid"),
            FLAT, L(7, bias=False)]

NETWORKS = [
    pytest.param((1, 32, 32), LENET5, 61_706, id="lenet5-61706"),
    pytest.param((1, 40), MNIST1D_CNN, 2_050, id="mnist1d-cnn-2050"),
    pytest.param((1, 40), MNIST1D_MLP, 59_065, id="mnist1d-mlp-59065"),
    pytest.param((1, 28, 28), MLP_784, 400_906, id="mlp-784-400906"),
    pytest.param((3, 17, 13), MIXED_2D, None, id="mixed-2d-same-dilation-pool-padding-no-bias"),
    pytest.param((2, 31), MIXED_1D, None, id="mixed-1d-same-even-maxpool1d-no-bias"),
]


@pytest.mark.parametrize("input_shape, layers, total", NETWORKS)
def test_network_summary_matches_torch_layer_by_layer(cn, input_shape, layers, total):
    """Each layer's output shape and parameter count == a torch forward pass of the same modules;
    the lecture's totals are the hand-known literals."""
    summary = call(cn.network_summary, input_shape, layers)
    y, expected = torch.zeros(1, *input_shape), []
    for layer in layers:
        module = _torch_layer(layer, tuple(y.shape[1:]))
        y = module(y)
        expected.append((tuple(y.shape[1:]), sum(p.numel() for p in module.parameters())))
    assert summary == expected
    if total is not None:
        assert sum(n for _, n in summary) == total


# ====================================================================================================
# dtypes and inputs never modified
# ====================================================================================================

X4, W4, B4 = (2, 3, 6, 7), (4, 3, 3, 2), (4,)
DTYPE_OPS = [  # name -> (function of (cn, cast) returning outputs); cast turns a float64 array into the dtype
    pytest.param(lambda cn, c: cn.conv2d(c(rand(X4)), c(rand(W4, 1)), c(rand(B4, 2)), stride=(2, 1), padding="full"),
                 id="conv2d"),
    pytest.param(lambda cn, c: cn.conv1d(c(rand((2, 3, 9))), c(rand((4, 3, 3), 1)), c(rand(4, 2)), padding="same"),
                 id="conv1d"),
    pytest.param(lambda cn, c: cn.corr2d(c(rand((5, 6))), c(rand((2, 3), 1))), id="corr2d"),
    pytest.param(lambda cn, c: cn.convolve2d(c(rand((5, 6))), c(rand((2, 3), 1))), id="convolve2d"),
    pytest.param(lambda cn, c: cn.pad2d(c(rand((2, 5, 6))), (1, 0, 2, 1)), id="pad2d"),
    pytest.param(lambda cn, c: cn.max_pool2d(c(rand(X4)), 3, 2, 1), id="max_pool2d"),
    pytest.param(lambda cn, c: cn.avg_pool2d(c(rand(X4)), 3, 2, 1), id="avg_pool2d"),
    pytest.param(lambda cn, c: cn.l2_pool2d(c(rand(X4)), 2), id="l2_pool2d"),
    pytest.param(lambda cn, c: cn.global_avg_pool2d(c(rand(X4))), id="global_avg_pool2d"),
    pytest.param(lambda cn, c: cn.conv2d_backward(c(rand((2, 4, 6, 7), 3)), c(rand(X4)), c(rand(W4, 1)),
                                                  c(rand(B4, 2)), padding=1, dilation=(1, 2)), id="conv2d_backward"),
    pytest.param(lambda cn, c: cn.max_pool2d_backward(c(rand((2, 3, 3, 4), 3)), c(_ties(X4)), 3, 2, 1),
                 id="max_pool2d_backward"),
    pytest.param(lambda cn, c: cn.avg_pool2d_backward(c(rand((2, 3, 3, 4), 3)), X4, 3, 2, 1),
                 id="avg_pool2d_backward"),
]


def _outputs(result):
    return [r for r in (result if isinstance(result, tuple) else (result,)) if r is not None]


@pytest.mark.parametrize("op", DTYPE_OPS)
def test_float32_in_float32_out(cn, op):
    """float32 inputs give float32 outputs (forward and backward), with the float64 values."""
    for got, ref in zip(_outputs(op(cn, lambda a: a.astype(np.float32))), _outputs(op(cn, lambda a: a)), strict=False):
        assert_matches(got, ref.astype(np.float32), dtype=np.float32)


@pytest.mark.parametrize("op", DTYPE_OPS)
def test_integer_inputs_compute_in_float64(cn, op):
    """Integer arrays are computed in float64."""
    to_int = lambda a: np.round(a * 3).astype(np.int64)  # noqa: E731
    for got, ref in zip(_outputs(op(cn, to_int)), _outputs(op(cn, lambda a: to_int(a).astype(np.float64))), strict=False):
        assert_matches(got, ref, dtype=np.float64)


MIXED = [
    pytest.param(lambda cn: cn.conv2d(rand(X4, dtype=np.float32), rand(W4, 1)), id="conv2d-x32-w64"),
    pytest.param(lambda cn: cn.conv2d(rand(X4, dtype=np.float32), rand(W4, 1, np.float32), rand(B4, 2)),
                 id="conv2d-x32-w32-b64"),
    pytest.param(lambda cn: cn.conv1d(rand((1, 3, 6)), rand((2, 3, 3), 1, np.float32)), id="conv1d-x64-w32"),
    pytest.param(lambda cn: cn.corr2d(rand((4, 4), dtype=np.float32), rand((2, 2), 1)), id="corr2d-32-64"),
    pytest.param(lambda cn: cn.conv2d_backward(rand((2, 4, 4, 6), 3), rand(X4, dtype=np.float32),
                                               rand(W4, 1, np.float32), rand(B4, 2, np.float32)),
                 id="conv2d_backward-dout64-rest32"),
    pytest.param(lambda cn: cn.max_pool2d_backward(rand((2, 3, 3, 3), 3), rand(X4, dtype=np.float32), 2),
                 id="max_pool2d_backward-dout64-x32"),
]


@pytest.mark.parametrize("op", MIXED)
def test_mixed_float32_float64_gives_float64(cn, op):
    """Mixed float inputs compute in np.result_type (float64)."""
    assert all(r.dtype == np.float64 for r in _outputs(op(cn)))


NEVER_MODIFIED = [  # each call on fresh float64 and float32 arrays; ``call`` compares them byte for byte
    pytest.param("conv2d", lambda c: (c(rand(X4)), c(rand(W4, 1)), c(rand(B4, 2))), {"padding": "same"}, id="conv2d"),
    pytest.param("conv1d", lambda c: (c(rand((1, 3, 6))), c(rand((2, 3, 3), 1)), c(rand(2, 2))), {}, id="conv1d"),
    pytest.param("corr2d", lambda c: (c(rand((4, 5))), c(rand((2, 3), 1))), {}, id="corr2d"),
    pytest.param("convolve2d", lambda c: (c(rand((4, 5))), c(rand((2, 3), 1))), {}, id="convolve2d"),
    pytest.param("pad2d", lambda c: (c(rand((4, 5))), 2), {}, id="pad2d"),
    pytest.param("max_pool2d", lambda c: (c(rand(X4)), 2), {"padding": 1}, id="max_pool2d"),
    pytest.param("avg_pool2d", lambda c: (c(rand(X4)), 3, 1, 1), {}, id="avg_pool2d"),
    pytest.param("l2_pool2d", lambda c: (c(rand(X4)), 2), {}, id="l2_pool2d"),
    pytest.param("global_avg_pool2d", lambda c: (c(rand(X4)),), {}, id="global_avg_pool2d"),
    pytest.param("conv2d_backward", lambda c: (c(rand((2, 4, 6, 7), 3)), c(rand(X4)), c(rand(W4, 1)), c(rand(B4, 2))),
                 {"padding": "same"}, id="conv2d_backward"),
    pytest.param("max_pool2d_backward", lambda c: (c(rand((2, 3, 3, 3), 3)), c(_ties(X4)), 2), {},
                 id="max_pool2d_backward"),
    pytest.param("avg_pool2d_backward", lambda c: (c(rand((2, 3, 6, 7), 3)), X4, 3, 1, 1), {},
                 id="avg_pool2d_backward"),
    pytest.param("numerical_gradient", lambda c: (lambda a: float(np.sum(a ** 2)), c(rand((3, 2)))), {"h": 1e-3},
                 id="numerical_gradient"),
]


@pytest.mark.parametrize("dtype", [pytest.param(np.float64, id="float64"), pytest.param(np.float32, id="float32")])
@pytest.mark.parametrize("name, make_args, kwargs", NEVER_MODIFIED)
def test_inputs_never_modified(cn, name, make_args, kwargs, dtype):
    """No function writes into its input arrays (numerical_gradient restores x bit for bit)."""
    call(getattr(cn, name), *make_args(lambda a: a.astype(dtype)), **kwargs)


# ====================================================================================================
# Invalid arguments: ValueError / TypeError, the message naming the argument
# ====================================================================================================

X = rand((1, 2, 5, 5))
W = rand((3, 2, 3, 3), 1)
X1, W1 = rand((1, 2, 8)), rand((3, 2, 3), 1)

ERRORS = [
    # sizes
    pytest.param(lambda cn: cn.conv_output_size(0, 3), ValueError, r"\bn\b", id="size-n-zero"),
    pytest.param(lambda cn: cn.conv_output_size(5, 0), ValueError, r"\bk\b", id="size-k-zero"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, stride=0), ValueError, "stride", id="size-stride-zero"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, stride=-1), ValueError, "stride", id="size-stride-negative"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, dilation=0), ValueError, "dilation", id="size-dilation-zero"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, padding=-1), ValueError, "padding", id="size-padding-negative"),
    pytest.param(lambda cn: cn.conv_output_size(2, 5), ValueError, "output", id="size-output-below-1"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, dilation=3), ValueError, "output",
                 id="size-dilated-output-below-1"),
    pytest.param(lambda cn: cn.conv_output_size(5.0, 3), TypeError, r"\bn\b", id="size-n-float"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, stride=True), TypeError, "stride", id="size-stride-bool"),
    pytest.param(lambda cn: cn.conv_output_size(5, 3, padding=1.0), TypeError, "padding", id="size-padding-float"),
    pytest.param(lambda cn: cn.conv_output_size(5, np.True_), TypeError, r"\bk\b", id="size-k-numpy-bool"),
    pytest.param(lambda cn: cn.pool_output_size(4, 2, padding=2), ValueError, "padding",
                 id="pool-size-padding-gt-k-half"),
    pytest.param(lambda cn: cn.pool_output_size(4, 2.0), TypeError, r"\bk\b", id="pool-size-k-float"),
    pytest.param(lambda cn: cn.effective_kernel_size(3, 0), ValueError, "dilation", id="effective-dilation-zero"),
    pytest.param(lambda cn: cn.same_padding(3, False), TypeError, "dilation", id="same-padding-dilation-bool"),
    pytest.param(lambda cn: cn.receptive_field([(3, 0)]), ValueError, r"\bs\b", id="receptive-stride-zero"),
    pytest.param(lambda cn: cn.receptive_field([(3, 1.5)]), TypeError, r"\bs\b", id="receptive-stride-float"),
    # parameter counts
    pytest.param(lambda cn: cn.linear_params(0, 3), ValueError, "in_features", id="linear-in-zero"),
    pytest.param(lambda cn: cn.linear_params(3, 2.0), TypeError, "out_features", id="linear-out-float"),
    pytest.param(lambda cn: cn.linear_params(True, 3), TypeError, "in_features", id="linear-in-bool"),
    pytest.param(lambda cn: cn.mlp_params([10]), ValueError, "sizes", id="mlp-one-size"),
    pytest.param(lambda cn: cn.conv1d_params(2, 3, 0), ValueError, r"\bk\b", id="conv1d-params-k-zero"),
    pytest.param(lambda cn: cn.conv2d_params(3, 4, 3, groups=2), ValueError, "groups", id="conv2d-params-groups"),
    pytest.param(lambda cn: cn.conv2d_params(3, 4, (3, 0)), ValueError, r"\bk\b", id="conv2d-params-k-pair-zero"),
    pytest.param(lambda cn: cn.conv2d_params(3, 4, 2.5), TypeError, r"\bk\b", id="conv2d-params-k-float"),
    pytest.param(lambda cn: cn.locally_connected2d_params((3, 4, 4), 2, 5), ValueError, "output",
                 id="locally-connected-output-below-1"),
    pytest.param(lambda cn: cn.locally_connected2d_params((3, 8, 8), 2, 3, padding=-1), ValueError, "padding",
                 id="locally-connected-padding-negative"),
    # network_summary
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [{"type": "dropout"}]), ValueError, "type",
                 id="summary-unknown-type"),
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [C2(2, 3, kernal_size=3)]), ValueError, "key",
                 id="summary-unknown-key"),
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [L(10)]), ValueError, "linear",
                 id="summary-linear-unflattened"),
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [C2(2, 9)]), ValueError, "output",
                 id="summary-output-below-1"),
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [C2(2, 3, stride=0)]), ValueError, "stride",
                 id="summary-stride-zero"),
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [C2(2, 3, in_channels=3)]), ValueError, "in_channels",
                 id="summary-in-channels-mismatch"),
    pytest.param(lambda cn: cn.network_summary((1, 8, 8), [C2(2, 3.0)]), TypeError, "kernel_size",
                 id="summary-kernel-float"),
    # pad2d
    pytest.param(lambda cn: cn.pad2d(X, -1), ValueError, "padding", id="pad2d-negative"),
    pytest.param(lambda cn: cn.pad2d(X, (1, -1)), ValueError, "padding", id="pad2d-pair-negative"),
    pytest.param(lambda cn: cn.pad2d(X, (0, 0, -1, 0)), ValueError, "padding", id="pad2d-4tuple-negative"),
    pytest.param(lambda cn: cn.pad2d(X, (1, 2, 3)), ValueError, "padding", id="pad2d-3tuple"),
    pytest.param(lambda cn: cn.pad2d(X, 1.0), TypeError, "padding", id="pad2d-float"),
    pytest.param(lambda cn: cn.pad2d(X, (True, 1)), TypeError, "padding", id="pad2d-bool"),
    # conv2d / conv2d_backward / corr2d
    pytest.param(lambda cn: cn.conv2d(X, W, stride=0), ValueError, "stride", id="conv2d-stride-zero"),
    pytest.param(lambda cn: cn.conv2d(X, W, stride=(1, 0)), ValueError, "stride", id="conv2d-stride-pair-zero"),
    pytest.param(lambda cn: cn.conv2d(X, W, dilation=0), ValueError, "dilation", id="conv2d-dilation-zero"),
    pytest.param(lambda cn: cn.conv2d(X, W, padding=-1), ValueError, "padding", id="conv2d-padding-negative"),
    pytest.param(lambda cn: cn.conv2d(X, W, padding=(0, -2)), ValueError, "padding", id="conv2d-padding-pair-negative"),
    pytest.param(lambda cn: cn.conv2d(X, W, padding="half"), ValueError, "padding", id="conv2d-padding-unknown-string"),
    pytest.param(lambda cn: cn.conv2d(X, W, padding="same", stride=2), ValueError, "same", id="conv2d-same-stride2"),
    pytest.param(lambda cn: cn.conv2d(X, W, dilation=3), ValueError, "output", id="conv2d-output-below-1"),
    pytest.param(lambda cn: cn.conv2d(X, rand((3, 2, 6, 1))), ValueError, "output",
                 id="conv2d-kernel-taller-than-input"),
    pytest.param(lambda cn: cn.conv2d(X, rand((3, 1, 3, 3))), ValueError, "channel",
                 id="conv2d-channel-mismatch-x-more"),
    pytest.param(lambda cn: cn.conv2d(X, rand((3, 4, 3, 3))), ValueError, "channel",
                 id="conv2d-channel-mismatch-w-more"),
    pytest.param(lambda cn: cn.conv2d(X, W, rand(2)), ValueError, r"\bb\b", id="conv2d-bias-shape"),
    pytest.param(lambda cn: cn.conv2d(X, W, rand((3, 1))), ValueError, r"\bb\b", id="conv2d-bias-2d"),
    pytest.param(lambda cn: cn.conv2d(X, W, stride=1.0), TypeError, "stride", id="conv2d-stride-float"),
    pytest.param(lambda cn: cn.conv2d(X, W, stride=(1, True)), TypeError, "stride", id="conv2d-stride-bool"),
    pytest.param(lambda cn: cn.conv2d(X, W, dilation=True), TypeError, "dilation", id="conv2d-dilation-bool"),
    pytest.param(lambda cn: cn.conv2d(X, W, padding=0.5), TypeError, "padding", id="conv2d-padding-float"),
    pytest.param(lambda cn: cn.conv2d_backward(np.ones((1, 3, 3, 3)), X, rand((3, 1, 3, 3))), ValueError, "channel",
                 id="conv2d-backward-channel-mismatch"),
    pytest.param(lambda cn: cn.conv2d_backward(np.ones((1, 3, 3, 3)), X, W, padding="same", stride=2), ValueError,
                 "same", id="conv2d-backward-same-stride2"),
    pytest.param(lambda cn: cn.conv2d_backward(np.ones((1, 3, 3, 3)), X, W, stride=True), TypeError, "stride",
                 id="conv2d-backward-stride-bool"),
    pytest.param(lambda cn: cn.corr2d(rand((3, 3)), rand((4, 2))), ValueError, "output", id="corr2d-kernel-too-big"),
    # conv1d
    pytest.param(lambda cn: cn.conv1d(X1, W1, stride=0), ValueError, "stride", id="conv1d-stride-zero"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, dilation=0), ValueError, "dilation", id="conv1d-dilation-zero"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, padding=-1), ValueError, "padding", id="conv1d-padding-negative"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, padding="same", stride=2), ValueError, "same", id="conv1d-same-stride2"),
    pytest.param(lambda cn: cn.conv1d(X1, rand((3, 1, 3))), ValueError, "channel", id="conv1d-channel-mismatch"),
    pytest.param(lambda cn: cn.conv1d(X1, rand((3, 2, 9))), ValueError, "output", id="conv1d-output-below-1"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, rand(4)), ValueError, r"\bb\b", id="conv1d-bias-shape"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, stride=2.0), TypeError, "stride", id="conv1d-stride-float"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, dilation=True), TypeError, "dilation", id="conv1d-dilation-bool"),
    pytest.param(lambda cn: cn.conv1d(X1, W1, padding=(1, 1)), TypeError, "padding", id="conv1d-padding-pair"),
    # pooling
    pytest.param(lambda cn: cn.max_pool2d(X, 0), ValueError, "kernel_size", id="maxpool-kernel-zero"),
    pytest.param(lambda cn: cn.max_pool2d(X, 2, stride=0), ValueError, "stride", id="maxpool-stride-zero"),
    pytest.param(lambda cn: cn.max_pool2d(X, 2, padding=-1), ValueError, "padding", id="maxpool-padding-negative"),
    pytest.param(lambda cn: cn.max_pool2d(X, 2, padding=2), ValueError, "padding", id="maxpool-padding-gt-k-half"),
    pytest.param(lambda cn: cn.max_pool2d(X, (3, 2), padding=(1, 2)), ValueError, "padding",
                 id="maxpool-rect-padding-gt-k-half"),
    pytest.param(lambda cn: cn.max_pool2d(X, 6), ValueError, "output", id="maxpool-output-below-1"),
    pytest.param(lambda cn: cn.max_pool2d(X, 2.0), TypeError, "kernel_size", id="maxpool-kernel-float"),
    pytest.param(lambda cn: cn.max_pool2d(X, 2, stride=True), TypeError, "stride", id="maxpool-stride-bool"),
    pytest.param(lambda cn: cn.avg_pool2d(X, 3, padding=2), ValueError, "padding", id="avgpool-padding-gt-k-half"),
    pytest.param(lambda cn: cn.avg_pool2d(X, (2, 0)), ValueError, "kernel_size", id="avgpool-kernel-pair-zero"),
    pytest.param(lambda cn: cn.avg_pool2d(X, 2, padding=False), TypeError, "padding", id="avgpool-padding-bool"),
    pytest.param(lambda cn: cn.l2_pool2d(X, 0), ValueError, "kernel_size", id="l2pool-kernel-zero"),
    pytest.param(lambda cn: cn.l2_pool2d(X, 2, stride=0), ValueError, "stride", id="l2pool-stride-zero"),
    pytest.param(lambda cn: cn.max_pool2d_backward(np.ones((1, 2, 2, 2)), X, 2, padding=2), ValueError, "padding",
                 id="maxpool-backward-padding-gt-k-half"),
    pytest.param(lambda cn: cn.max_pool2d_backward(np.ones((1, 2, 2, 2)), X, 2, stride=1.0), TypeError, "stride",
                 id="maxpool-backward-stride-float"),
    pytest.param(lambda cn: cn.avg_pool2d_backward(np.ones((1, 2, 2, 2)), X.shape, 2, padding=-1), ValueError,
                 "padding", id="avgpool-backward-padding-negative"),
    pytest.param(lambda cn: cn.avg_pool2d_backward(np.ones((1, 2, 2, 2)), X.shape, True), TypeError, "kernel_size",
                 id="avgpool-backward-kernel-bool"),
]


@pytest.mark.parametrize("thunk, exc, match", ERRORS)
def test_invalid_arguments_raise_naming_the_argument(cn, thunk, exc, match):
    """README "Conventions": ValueError for bad values, TypeError for non-integers; the message names the argument."""
    with pytest.raises(exc, match=match):
        thunk(cn)


def test_numpy_integers_are_integers(cn):
    """np.int64 / np.int32 are integers (only floats and bools are refused)."""
    assert cn.conv_output_size(np.int64(7), np.int32(3), stride=np.int64(2)) == 3
    assert cn.conv2d(X, W, stride=np.int64(2)).shape == (1, 3, 2, 2)
