"""A1: convolutional networks in NumPy.

Conventions (the same as PyTorch's, see the handout):

* Layout NCHW: ``x: (N, C, H, W)``; weights ``w: (F, C, KH, KW)``; bias ``b: (F,)`` or ``None``.
  1-D: ``x: (N, C, L)``, ``w: (F, C, K)``.
* "Convolution" in deep learning is cross-correlation (no kernel flip); ``convolve2d`` is the true one.
* Output size: ``floor((n + 2p - d*(k-1) - 1) / s) + 1``  (= ``floor((W - K + 2P) / S) + 1`` for d = 1).
* ``stride``, ``padding``, ``dilation``, ``kernel_size`` of the 2-D array functions take an int or a
  pair ``(h, w)``; the size helpers and the 1-D functions take plain ints.
* Padding is zeros for convolution and average pooling, ``-inf`` for max pooling; pool padding must be
  ``<= kernel_size // 2``; pool ``stride=None`` means ``stride = kernel_size``.
* Floating inputs keep their dtype (mixed floats -> ``np.result_type``); integer inputs are computed in
  float64. No function modifies its inputs.
* Invalid values raise ``ValueError``; a non-integer where an integer is required raises ``TypeError``.

NumPy only: importing torch or scipy in this file is an error the grader reports.
"""

import numpy as np

# =====================================================================================================
# Provided helpers (you do not need to change these)
# =====================================================================================================


def _check_int(value, name, minimum=None):
    """Return ``value`` as an int; TypeError if it is not an integer (bools and floats are refused),
    ValueError if it is smaller than ``minimum``."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    return int(value)


def _pair(value, name, minimum=None):
    """Return ``(h, w)`` from an int or a pair of ints, each checked with ``_check_int``."""
    if isinstance(value, (tuple, list)):
        if len(value) != 2:
            raise ValueError(f"{name} must be an int or a pair (h, w), got {value!r}")
        return tuple(_check_int(v, name, minimum) for v in value)
    v = _check_int(value, name, minimum)
    return v, v


def _float_array(a, name):
    """``a`` as an ndarray (never a copy we write into); integer/bool arrays become float64."""
    a = np.asarray(a)
    if a.dtype.kind not in "biuf":
        raise TypeError(f"{name} must be a numeric array, got dtype {a.dtype}")
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _result_dtype(*arrays):
    """Floating dtype of a computation: ``np.result_type`` of the floating inputs, else float64."""
    return np.result_type(*[a.dtype for a in arrays if a is not None])


# =====================================================================================================
# 1. Sizes, padding, receptive field and parameter counts (pure Python ints)
# =====================================================================================================


def conv_output_size(n, k, stride=1, padding=0, dilation=1):
    """Output length of a convolution along one axis.

    ``out = floor((n + 2*padding - dilation*(k-1) - 1) / stride) + 1``

    ValueError when ``n, k, stride, dilation < 1``, ``padding < 0`` or ``out < 1``;
    TypeError when an argument is not an int. Lecture: ``conv_output_size(5, 3) == 3``.
    """
    out = None
    # BEGIN SOLUTION
    n, k = _check_int(n, "n", 1), _check_int(k, "k", 1)
    stride, dilation = _check_int(stride, "stride", 1), _check_int(dilation, "dilation", 1)
    padding = _check_int(padding, "padding", 0)
    out = (n + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    if out < 1:
        raise ValueError(f"output size would be {out} (< 1): kernel larger than the padded input")
    # END SOLUTION
    return out


def pool_output_size(n, k, stride=None, padding=0):
    """Output length of a pooling window along one axis (floor mode, like PyTorch).

    ``stride=None`` means ``stride = k``; ``out = floor((n + 2*padding - k) / stride) + 1``.
    ValueError when ``padding > k // 2`` (PyTorch's rule) or on the rules of ``conv_output_size``.
    """
    out = None
    # BEGIN SOLUTION
    k = _check_int(k, "k", 1)
    stride = k if stride is None else stride
    padding = _check_int(padding, "padding", 0)
    if padding > k // 2:
        raise ValueError(f"padding must be <= kernel_size // 2 = {k // 2}, got {padding}")
    out = conv_output_size(n, k, stride, padding)
    # END SOLUTION
    return out


def effective_kernel_size(k, dilation=1):
    """Span of a dilated kernel: ``d*(k-1) + 1`` (a 3-tap kernel with dilation 2 spans 5)."""
    out = None
    # BEGIN SOLUTION
    out = _check_int(dilation, "dilation", 1) * (_check_int(k, "k", 1) - 1) + 1
    # END SOLUTION
    return out


def same_padding(k, dilation=1):
    """``(before, after)`` padding that keeps the size at stride 1.

    ``total = d*(k-1)``, ``before = total // 2``, ``after = total - before`` (the extra pixel of an
    even kernel goes after, as in PyTorch's ``padding="same"``).
    """
    out = None
    # BEGIN SOLUTION
    total = effective_kernel_size(k, dilation) - 1
    out = (total // 2, total - total // 2)
    # END SOLUTION
    return out


def full_padding(k, dilation=1):
    """Padding on each side for a "full" convolution (every overlap computed): ``d*(k-1)``."""
    out = None
    # BEGIN SOLUTION
    out = effective_kernel_size(k, dilation) - 1
    # END SOLUTION
    return out


def receptive_field(layers):
    """Receptive field, in input pixels, of one output unit of the last layer.

    ``layers``: sequence of ``(k, s)`` or ``(k, s, d)``. With ``j`` the product of the earlier
    strides (the "jump"), each layer adds ``d*(k-1)*j``: ``r = 1 + sum_l d_l*(k_l-1)*prod_{m<l} s_m``.
    Two 3x3 stride-1 layers -> 5, three -> 7. An empty sequence -> 1.
    """
    out = None
    # BEGIN SOLUTION
    out, jump = 1, 1
    for i, layer in enumerate(layers):
        if not isinstance(layer, (tuple, list)) or len(layer) not in (2, 3):
            raise ValueError(f"layers[{i}] must be (k, s) or (k, s, d), got {layer!r}")
        k, s, d = (*layer, 1) if len(layer) == 2 else layer
        out += (effective_kernel_size(k, d) - 1) * jump
        jump *= _check_int(s, "s", 1)
    # END SOLUTION
    return out


def linear_params(in_features, out_features, bias=True):
    """Parameters of a fully connected layer: ``in*out`` weights ``+ out`` biases (if ``bias``)."""
    out = None
    # BEGIN SOLUTION
    fan_in, fan_out = _check_int(in_features, "in_features", 1), _check_int(out_features, "out_features", 1)
    out = fan_in * fan_out + (fan_out if bias else 0)
    # END SOLUTION
    return out


def mlp_params(sizes, bias=True):
    """Parameters of an MLP with layer widths ``sizes`` (input first, output last).

    ``[784, 256, 256, 256, 256, 10]`` -> 400,906 (1.6 MB as float32, decimal MB).
    ValueError when fewer than two sizes.
    """
    out = None
    # BEGIN SOLUTION
    sizes = list(sizes)
    if len(sizes) < 2:
        raise ValueError(f"sizes must list at least an input and an output width, got {sizes!r}")
    out = sum(linear_params(a, b, bias) for a, b in zip(sizes[:-1], sizes[1:]))
    # END SOLUTION
    return out


def conv1d_params(in_c, out_c, k, bias=True):
    """Parameters of a 1-D convolution: ``out_c * in_c * k`` weights ``+ out_c`` biases."""
    out = None
    # BEGIN SOLUTION
    out = conv2d_params(in_c, out_c, (1, _check_int(k, "k", 1)), bias)
    # END SOLUTION
    return out


def conv2d_params(in_c, out_c, k, bias=True, groups=1):
    """Parameters of a 2-D convolution: ``out_c * (in_c / groups) * KH * KW (+ out_c)``.

    ``k`` is an int or a pair. ValueError when ``groups`` does not divide both channel counts.
    The weights are shared by every output position: the count does not depend on the image size.
    """
    out = None
    # BEGIN SOLUTION
    in_c, out_c = _check_int(in_c, "in_c", 1), _check_int(out_c, "out_c", 1)
    groups = _check_int(groups, "groups", 1)
    kh, kw = _pair(k, "k", 1)
    if in_c % groups or out_c % groups:
        raise ValueError(f"groups={groups} must divide in_c={in_c} and out_c={out_c}")
    out = out_c * (in_c // groups) * kh * kw + (out_c if bias else 0)
    # END SOLUTION
    return out


def locally_connected2d_params(in_shape, out_c, k, stride=1, padding=0, bias=True):
    """Parameters of a locally connected layer: conv2d's geometry without weight sharing.

    ``in_shape = (C, H, W)``; every output position ``(H_out, W_out)`` has its own
    ``out_c x C x KH x KW`` weights and ``out_c`` biases:
    ``H_out * W_out * out_c * (C*KH*KW + 1)`` with bias.
    """
    out = None
    # BEGIN SOLUTION
    if len(in_shape) != 3:
        raise ValueError(f"in_shape must be (C, H, W), got {in_shape!r}")
    c, h, w = (_check_int(v, "in_shape", 1) for v in in_shape)
    (kh, kw), (sh, sw), (ph, pw) = _pair(k, "k", 1), _pair(stride, "stride", 1), _pair(padding, "padding", 0)
    positions = conv_output_size(h, kh, sh, ph) * conv_output_size(w, kw, sw, pw)
    out = positions * conv2d_params(c, out_c, (kh, kw), bias)
    # END SOLUTION
    return out


# BEGIN SOLUTION
_LAYER_KEYS = {
    "conv1d": {"out_channels", "kernel_size", "stride", "padding", "dilation", "bias", "in_channels"},
    "conv2d": {"out_channels", "kernel_size", "stride", "padding", "dilation", "bias", "in_channels"},
    "maxpool1d": {"kernel_size", "stride", "padding"},
    "maxpool2d": {"kernel_size", "stride", "padding"},
    "avgpool2d": {"kernel_size", "stride", "padding"},
    "linear": {"out_features", "bias", "in_features"},
    "flatten": set(), "relu": set(), "tanh": set(), "sigmoid": set(),
}


def _per_axis(value, dims, name, minimum):
    """An int for each of the ``dims`` spatial axes (2-D layers also take a pair)."""
    return (_check_int(value, name, minimum),) if dims == 1 else _pair(value, name, minimum)


def _summary_layer(shape, layer):
    """(output_shape, n_params) of one ``network_summary`` layer applied to ``shape``."""
    kind = layer.get("type")
    if kind not in _LAYER_KEYS:
        raise ValueError(f"unknown layer type {kind!r}; expected one of {sorted(_LAYER_KEYS)}")
    unknown = set(layer) - _LAYER_KEYS[kind] - {"type"}
    if unknown:
        raise ValueError(f"{kind} layer has unknown key(s) {sorted(unknown)}")
    required = {"out_channels", "kernel_size", "out_features"} & _LAYER_KEYS[kind] - set(layer)
    if kind.endswith("pool1d") or kind.endswith("pool2d"):
        required = {"kernel_size"} - set(layer)
    if required:
        raise ValueError(f"{kind} layer needs the key(s) {sorted(required)}")
    if kind in ("relu", "tanh", "sigmoid"):
        return shape, 0
    if kind == "flatten":
        return (int(np.prod(shape)),), 0
    if kind == "linear":
        if len(shape) != 1:
            raise ValueError(f"linear layer needs a flat input, got shape {shape}: add a flatten layer")
        if layer.get("in_features", shape[0]) != shape[0]:
            raise ValueError(f"linear in_features={layer['in_features']} but the input has {shape[0]}")
        n_out = layer["out_features"]
        return (n_out,), linear_params(shape[0], n_out, layer.get("bias", True))
    dims = 1 if kind.endswith("1d") else 2
    if len(shape) != dims + 1:
        raise ValueError(f"{kind} layer needs a {dims + 1}-D input (channels first), got shape {shape}")
    c, sizes = shape[0], shape[1:]
    ks = _per_axis(layer["kernel_size"], dims, "kernel_size", 1)
    if kind.startswith("conv"):
        if layer.get("in_channels", c) != c:
            raise ValueError(f"{kind} in_channels={layer['in_channels']} but the input has {c} channels")
        strides = _per_axis(layer.get("stride", 1), dims, "stride", 1)
        dils = _per_axis(layer.get("dilation", 1), dims, "dilation", 1)
        padding = layer.get("padding", 0)
        if isinstance(padding, str):
            pads = [_axis_padding(padding, k, d, s) for k, d, s in zip(ks, dils, strides)]
        else:
            pads = [(p, p) for p in _per_axis(padding, dims, "padding", 0)]
        out = [conv_output_size(n + a + b, k, s, 0, d) for n, (a, b), k, s, d in zip(sizes, pads, ks, strides, dils)]
        n_out = layer["out_channels"]
        return (n_out, *out), conv2d_params(c, n_out, (1, *ks) if dims == 1 else ks, layer.get("bias", True))
    strides = ks if layer.get("stride") is None else _per_axis(layer["stride"], dims, "stride", 1)
    pads = _per_axis(layer.get("padding", 0), dims, "padding", 0)
    return (c, *[pool_output_size(n, k, s, p) for n, k, s, p in zip(sizes, ks, strides, pads)]), 0
# END SOLUTION


def network_summary(input_shape, layers):
    """Output shape and parameter count of each layer of a network (batch axis left out).

    ``input_shape``: e.g. ``(1, 32, 32)`` or ``(1, 40)``. Each layer is a dict with ``"type"`` in
    ``conv1d, conv2d, maxpool1d, maxpool2d, avgpool2d, linear, flatten, relu, tanh, sigmoid`` and
    PyTorch-named keys (``out_channels, kernel_size, stride, padding, dilation, bias, out_features``;
    ``in_channels`` / ``in_features`` are optional and checked). Returns
    ``[(output_shape, n_params), ...]``, one entry per layer. LeNet-5 totals 61,706; the lecture's
    MNIST-1D CNN 2,050. ValueError on an unknown type or key, a linear layer on an unflattened
    shape, or an output size < 1.
    """
    out = None
    # BEGIN SOLUTION
    out, shape = [], tuple(_check_int(v, "input_shape", 1) for v in input_shape)
    for layer in layers:
        shape, params = _summary_layer(shape, layer)
        out.append((tuple(int(v) for v in shape), int(params)))
    # END SOLUTION
    return out


# =====================================================================================================
# 2. Padding
# =====================================================================================================


def pad2d(x, padding, value=0.0):
    """Pad the last two axes of ``x`` with ``value``.

    ``padding``: int ``p`` (all sides), pair ``(ph, pw)``, or 4-tuple ``(top, bottom, left, right)``.
    NOTE: this order is NOT ``torch.nn.functional.pad``'s, which starts with the last axis:
    ``(left, right, top, bottom)``. Returns a new array ``(..., H + top + bottom, W + left + right)``;
    ``x`` (ndim >= 2) is not modified. ValueError on negative padding.
    """
    out = None
    # BEGIN SOLUTION
    x = _float_array(x, "x")
    if x.ndim < 2:
        raise ValueError(f"x must have at least 2 dimensions, got shape {x.shape}")
    if isinstance(padding, (tuple, list)) and len(padding) == 4:
        top, bottom, left, right = (_check_int(p, "padding", 0) for p in padding)
    else:
        (top, left) = (bottom, right) = _pair(padding, "padding", 0)
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    out = np.pad(x, widths, mode="constant", constant_values=value)
    # END SOLUTION
    return out


# =====================================================================================================
# 3. Convolution
# =====================================================================================================

# BEGIN SOLUTION
def _axis_padding(padding, k, d, s):
    """(before, after) padding of one axis from an int or "valid" / "same" / "full"."""
    if padding == "valid":
        return 0, 0
    if padding == "same":
        if s != 1:
            raise ValueError(f'padding="same" needs stride 1, got stride {s}')
        return same_padding(k, d)
    if padding == "full":
        return full_padding(k, d), full_padding(k, d)
    if isinstance(padding, str):
        raise ValueError(f'padding must be an int, a pair, "valid", "same" or "full", got {padding!r}')
    return padding, padding


def _conv_padding(padding, kernel, dilation, stride):
    """(top, bottom, left, right) from conv2d's ``padding`` argument."""
    if isinstance(padding, str):
        return (*_axis_padding(padding, kernel[0], dilation[0], stride[0]),
                *_axis_padding(padding, kernel[1], dilation[1], stride[1]))
    ph, pw = _pair(padding, "padding", 0)
    return ph, ph, pw, pw


def _windows(xp, kh, kw, stride, dilation, out_hw):
    """Strided view of every receptive field: (N, C, KH, KW, H_out, W_out), no copy."""
    sh, sw = stride
    dh, dw = dilation
    if (kh - 1) * dh + sh * (out_hw[0] - 1) >= xp.shape[2] or (kw - 1) * dw + sw * (out_hw[1] - 1) >= xp.shape[3]:
        raise ValueError(f"windows of {out_hw} outputs exceed the padded input {xp.shape[2:]}")  # never read past it
    n_, c_, h_, w_ = xp.strides
    shape = (xp.shape[0], xp.shape[1], kh, kw, *out_hw)
    return np.lib.stride_tricks.as_strided(xp, shape, (n_, c_, dh * h_, dw * w_, sh * h_, sw * w_),
                                           writeable=False)


def _conv_setup(x, w, b, stride, padding, dilation):
    """Validate conv2d's arguments; return arrays, dtype, hyper-parameters and output size."""
    x, w = _float_array(x, "x"), _float_array(w, "w")
    b = None if b is None else _float_array(b, "b")
    if x.ndim != 4 or w.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W) and w (F, C, KH, KW), got {x.shape} and {w.shape}")
    if x.shape[1] != w.shape[1]:
        raise ValueError(f"channel mismatch: x has C={x.shape[1]}, w has C={w.shape[1]}")
    if b is not None and b.shape != (w.shape[0],):
        raise ValueError(f"b must have shape ({w.shape[0]},), got {b.shape}")
    stride, dilation = _pair(stride, "stride", 1), _pair(dilation, "dilation", 1)
    kh, kw = w.shape[2:]
    pads = _conv_padding(padding, (kh, kw), dilation, stride)
    out_hw = tuple(conv_output_size(n + p0 + p1, k, s, 0, d) for n, p0, p1, k, s, d in
                   zip(x.shape[2:], pads[::2], pads[1::2], (kh, kw), stride, dilation))
    return x, w, b, _result_dtype(x, w, b), stride, pads, dilation, out_hw

# END SOLUTION


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    """Multi-channel 2-D convolution (cross-correlation), vectorised.

    Shapes: ``x: (N, C, H, W)``, ``w: (F, C, KH, KW)``, ``b: (F,)`` or None ->
    ``out: (N, F, H_out, W_out)`` with ``H_out = floor((H + pt + pb - dh*(KH-1) - 1)/sh) + 1``.
    ``out[n, f, i, j] = b[f] + sum_{c, p, q} x_pad[n, c, i*sh + p*dh, j*sw + q*dw] * w[f, c, p, q]``.
    ``padding``: int, pair, ``"valid"``, ``"same"`` (stride 1 only; extra pixel after) or ``"full"``.
    No Python loop over N, F, H_out or W_out.
    """
    out = None
    # BEGIN SOLUTION
    x, w, b, dtype, stride, pads, dilation, out_hw = _conv_setup(x, w, b, stride, padding, dilation)
    n, f = x.shape[0], w.shape[0]
    xp = pad2d(x.astype(dtype, copy=False), pads)
    cols = _windows(xp, *w.shape[2:], stride, dilation, out_hw)            # (N, C, KH, KW, H_out, W_out)
    cols = cols.reshape(n, -1, out_hw[0] * out_hw[1])                       # (N, C*KH*KW, H_out*W_out)
    out = np.matmul(w.reshape(f, -1).astype(dtype, copy=False), cols)        # (N, F, H_out*W_out)
    out = out.reshape(n, f, *out_hw)                                        # (N, F, H_out, W_out)
    if b is not None:
        out += b.astype(dtype, copy=False)[:, None, None]
    # END SOLUTION
    return out


def corr2d(image, kernel):
    """Single-channel 2-D cross-correlation, valid mode: ``(H, W) x (KH, KW) -> (H-KH+1, W-KW+1)``.

    ``out[i, j] = sum_{p, q} image[i+p, j+q] * kernel[p, q]``. The lecture's 5x5 example gives 25 at
    the top left. ValueError when either is not 2-D or the kernel is larger than the image.
    """
    out = None
    # BEGIN SOLUTION
    image, kernel = _float_array(image, "image"), _float_array(kernel, "kernel")
    if image.ndim != 2 or kernel.ndim != 2:
        raise ValueError(f"image and kernel must be 2-D, got shapes {image.shape} and {kernel.shape}")
    out = conv2d(image[None, None], kernel[None, None])[0, 0]
    # END SOLUTION
    return out


def convolve2d(image, kernel):
    """True 2-D convolution, valid mode: ``corr2d`` with the kernel flipped on both axes,
    ``out[i, j] = sum_{p, q} image[i+p, j+q] * kernel[KH-1-p, KW-1-q]``."""
    out = None
    # BEGIN SOLUTION
    out = corr2d(image, np.asarray(kernel)[::-1, ::-1])
    # END SOLUTION
    return out


def conv1d(x, w, b=None, stride=1, padding=0, dilation=1):
    """1-D convolution (cross-correlation): ``x: (N, C, L)``, ``w: (F, C, K)`` -> ``(N, F, L_out)``.

    ``L_out = floor((L + 2p - d*(K-1) - 1)/s) + 1``; ``stride``, ``dilation`` plain ints; ``padding``
    an int, ``"valid"``, ``"same"`` (stride 1) or ``"full"``. The lecture: ``T - M + 2P + 1`` at stride 1.
    """
    out = None
    # BEGIN SOLUTION
    x, w = _float_array(x, "x"), _float_array(w, "w")
    if x.ndim != 3 or w.ndim != 3:
        raise ValueError(f"x must be (N, C, L) and w (F, C, K), got {x.shape} and {w.shape}")
    s, d = _check_int(stride, "stride", 1), _check_int(dilation, "dilation", 1)
    if not isinstance(padding, str):
        padding = _check_int(padding, "padding", 0)
    pad2 = padding if isinstance(padding, str) else (0, padding)             # H is a dummy axis of size 1
    out = conv2d(x[:, :, None, :], w[:, :, None, :], b, (1, s), pad2, (1, d))  # (N, F, 1, L_out)
    out = out[:, :, 0, :]                                                   # (N, F, L_out)
    # END SOLUTION
    return out


# =====================================================================================================
# 4. Pooling
# =====================================================================================================

# BEGIN SOLUTION
def _pool_setup(shape, kernel_size, stride, padding):
    """Validate pooling arguments; return (kh, kw), (sh, sw), (ph, pw), (H_out, W_out)."""
    if len(shape) != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {tuple(shape)}")
    k = _pair(kernel_size, "kernel_size", 1)
    s = k if stride is None else _pair(stride, "stride", 1)
    p = _pair(padding, "padding", 0)
    out_hw = tuple(pool_output_size(n, *args) for n, args in zip(shape[2:], zip(k, s, p)))
    return k, s, p, out_hw


def _pool_windows(x, value, k, s, p, out_hw):
    """(N, C, H_out, W_out, KH*KW) windows of x padded with ``value``."""
    xp = pad2d(x, p, value)
    win = _windows(xp, *k, s, (1, 1), out_hw)                                # (N, C, KH, KW, H_out, W_out)
    return win.transpose(0, 1, 4, 5, 2, 3).reshape(*x.shape[:2], *out_hw, -1)


def _scatter_windows(grads, x_shape, k, s, p, out_hw):
    """Sum per-window gradients (N, C, H_out, W_out, KH, KW) back onto x: (N, C, H, W)."""
    (kh, kw), (sh, sw), (ph, pw) = k, s, p
    h, w = x_shape[2:]
    dxp = np.zeros((*x_shape[:2], h + 2 * ph, w + 2 * pw), dtype=grads.dtype)
    for i in range(kh):                                                     # loop over kernel offsets only
        for j in range(kw):
            dxp[:, :, i:i + sh * (out_hw[0] - 1) + 1:sh, j:j + sw * (out_hw[1] - 1) + 1:sw] += grads[..., i, j]
    return dxp[:, :, ph:ph + h, pw:pw + w]
# END SOLUTION


def max_pool2d(x, kernel_size, stride=None, padding=0):
    """Max pooling: ``(N, C, H, W) -> (N, C, H_out, W_out)``, ``H_out = floor((H + 2p - k)/s) + 1``.

    Padding is ``-inf`` (never the maximum); ``stride=None`` means ``kernel_size``;
    ``padding <= kernel_size // 2``.
    """
    out = None
    # BEGIN SOLUTION
    x = _float_array(x, "x")
    k, s, p, out_hw = _pool_setup(x.shape, kernel_size, stride, padding)
    out = _pool_windows(x, -np.inf, k, s, p, out_hw).max(axis=-1)           # (N, C, H_out, W_out)
    # END SOLUTION
    return out


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    """Average pooling with zero padding counted in the mean (``count_include_pad=True``):
    ``out = sum(window) / (KH*KW)``; shapes and rules as ``max_pool2d``."""
    out = None
    # BEGIN SOLUTION
    x = _float_array(x, "x")
    k, s, p, out_hw = _pool_setup(x.shape, kernel_size, stride, padding)
    out = _pool_windows(x, 0, k, s, p, out_hw).mean(axis=-1)                # (N, C, H_out, W_out)
    # END SOLUTION
    return out


def l2_pool2d(x, kernel_size, stride=None):
    """L2 pooling (PyTorch ``lp_pool2d`` with p=2): ``out = sqrt(sum over the window of x**2)``.
    No padding; ``stride=None`` means ``kernel_size``."""
    out = None
    # BEGIN SOLUTION
    x = _float_array(x, "x")
    k, s, p, out_hw = _pool_setup(x.shape, kernel_size, stride, 0)
    out = np.sqrt((_pool_windows(x, 0, k, s, p, out_hw) ** 2).sum(axis=-1))  # (N, C, H_out, W_out)
    # END SOLUTION
    return out


def global_avg_pool2d(x):
    """Global average pooling: mean over H and W, ``(N, C, H, W) -> (N, C)``."""
    out = None
    # BEGIN SOLUTION
    x = _float_array(x, "x")
    if x.ndim != 4:
        raise ValueError(f"x must be (N, C, H, W), got shape {x.shape}")
    out = x.mean(axis=(2, 3))
    # END SOLUTION
    return out


# =====================================================================================================
# 5. Backward passes and the numerical gradient
# =====================================================================================================


def conv2d_backward(dout, x, w, b=None, stride=1, padding=0, dilation=1):
    """Gradients of ``conv2d`` with respect to ``x``, ``w`` and ``b``.

    ``dout: (N, F, H_out, W_out)``, the upstream gradient of ``out = conv2d(x, w, b, ...)``.
    Returns ``(dx: (N, C, H, W), dw: (F, C, KH, KW), db: (F,) or None when b is None)``:
    ``dw[f,c,p,q] = sum_{n,i,j} dout[n,f,i,j] * x_pad[n,c,i*sh+p*dh, j*sw+q*dw]``,
    ``db[f] = sum_{n,i,j} dout[n,f,i,j]``, and ``dx`` scatters ``dout * w`` back over every window
    (overlapping windows add up; gradients that land on padding are dropped).
    """
    dx, dw, db = None, None, None
    # BEGIN SOLUTION
    x, w, b, dtype, stride, pads, dilation, out_hw = _conv_setup(x, w, b, stride, padding, dilation)
    (n, c, h, wd), (f, _, kh, kw) = x.shape, w.shape
    dout = _float_array(dout, "dout")
    if dout.shape != (n, f, *out_hw):
        raise ValueError(f"dout must have shape {(n, f, *out_hw)}, got {dout.shape}")
    dtype = np.result_type(dtype, dout.dtype)
    d2 = dout.astype(dtype, copy=False).reshape(n, f, -1)                   # (N, F, H_out*W_out)
    xp = pad2d(x.astype(dtype, copy=False), pads)
    cols = _windows(xp, kh, kw, stride, dilation, out_hw).reshape(n, c * kh * kw, -1)  # (N, CKK, HW_out)
    dw = np.matmul(d2, cols.transpose(0, 2, 1)).sum(axis=0).reshape(w.shape)  # (F, C, KH, KW)
    dcols = np.matmul(w.reshape(f, -1).T.astype(dtype, copy=False), d2)     # (N, C*KH*KW, H_out*W_out)
    dcols = dcols.reshape(n, c, kh, kw, *out_hw)
    dxp = np.zeros(xp.shape, dtype=dtype)
    (sh, sw), (dh, dwl) = stride, dilation
    for i in range(kh):                                                     # loop over kernel offsets only
        for j in range(kw):
            dxp[:, :, i * dh:i * dh + sh * (out_hw[0] - 1) + 1:sh,
                j * dwl:j * dwl + sw * (out_hw[1] - 1) + 1:sw] += dcols[:, :, i, j]
    dx = dxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd]
    db = None if b is None else d2.sum(axis=(0, 2))                       # (F,)
    # END SOLUTION
    return dx, dw, db


def max_pool2d_backward(dout, x, kernel_size, stride=None, padding=0):
    """Gradient of ``max_pool2d`` with respect to ``x``: ``(N, C, H, W)``.

    Each window's upstream gradient goes to the position of its maximum; on ties, to the FIRST
    maximum in row-major order inside the window (PyTorch CPU). Overlapping windows accumulate;
    padding never receives gradient.
    """
    dx = None
    # BEGIN SOLUTION
    x, dout = _float_array(x, "x"), _float_array(dout, "dout")
    k, s, p, out_hw = _pool_setup(x.shape, kernel_size, stride, padding)
    if dout.shape != (*x.shape[:2], *out_hw):
        raise ValueError(f"dout must have shape {(*x.shape[:2], *out_hw)}, got {dout.shape}")
    first_max = _pool_windows(x, -np.inf, k, s, p, out_hw).argmax(axis=-1)  # (N, C, H_out, W_out)
    onehot = first_max[..., None] == np.arange(k[0] * k[1])                 # (N, C, H_out, W_out, KH*KW)
    grads = (onehot * dout[..., None]).astype(_result_dtype(x, dout))
    dx = _scatter_windows(grads.reshape(*grads.shape[:4], *k), x.shape, k, s, p, out_hw)
    # END SOLUTION
    return dx


def avg_pool2d_backward(dout, x_shape, kernel_size, stride=None, padding=0):
    """Gradient of ``avg_pool2d`` with respect to ``x``, of shape ``x_shape = (N, C, H, W)``:
    every element of a window receives ``dout / (KH*KW)``; overlapping windows accumulate."""
    dx = None
    # BEGIN SOLUTION
    dout = _float_array(dout, "dout")
    x_shape = tuple(_check_int(v, "x_shape", 1) for v in x_shape)
    k, s, p, out_hw = _pool_setup(x_shape, kernel_size, stride, padding)
    if dout.shape != (*x_shape[:2], *out_hw):
        raise ValueError(f"dout must have shape {(*x_shape[:2], *out_hw)}, got {dout.shape}")
    share = np.broadcast_to((dout / (k[0] * k[1]))[..., None, None], (*dout.shape, *k))
    dx = _scatter_windows(share, x_shape, k, s, p, out_hw)
    # END SOLUTION
    return dx


def numerical_gradient(f, x, h=1e-5):
    """Central-difference gradient of a scalar function: ``(f(x + h e_i) - f(x - h e_i)) / (2h)``.

    ``x`` is a floating ndarray perturbed IN PLACE one element at a time (so ``f`` may also read it
    through a closure) and restored bit for bit after each element. Returns an array of ``x``'s shape
    and dtype.
    """
    grad = None
    # BEGIN SOLUTION
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(f"x must be a floating-point ndarray, got {type(x).__name__}")
    grad = np.zeros_like(x)
    for idx in np.ndindex(x.shape):
        old = x[idx].copy()
        x[idx] = old + h
        f_plus = float(f(x))
        x[idx] = old - h
        f_minus = float(f(x))
        x[idx] = old                                                        # restore bit for bit
        grad[idx] = (f_plus - f_minus) / (2 * h)
    # END SOLUTION
    return grad
