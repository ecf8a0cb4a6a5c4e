"""A1 alternative style: explicit loops over output positions (conv2d, conv2d_backward, max/avg pooling).

Appended to the reference by tests/solutions/test_alternatives.py: these definitions replace the
reference's (conv1d and corr2d call conv2d by name, so they use this one too)."""


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), (ho, wo) = _conv_setup(x, w, b, stride, padding, dilation)
    xp, wt = pad2d(x.astype(dtype, copy=False), pads), w.astype(dtype, copy=False)
    kh, kw = w.shape[2:]
    out = np.zeros((x.shape[0], w.shape[0], ho, wo), dtype=dtype)
    for i in range(ho):
        for j in range(wo):
            patch = xp[:, :, i * sh:i * sh + dh * (kh - 1) + 1:dh, j * sw:j * sw + dw * (kw - 1) + 1:dw]
            out[:, :, i, j] = np.tensordot(patch, wt, axes=([1, 2, 3], [1, 2, 3]))
    if b is not None:
        out += b.astype(dtype)[:, None, None]
    return out


def conv2d_backward(dout, x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), (ho, wo) = _conv_setup(x, w, b, stride, padding, dilation)
    dout = _float_array(dout, "dout")
    if dout.shape != (x.shape[0], w.shape[0], ho, wo):
        raise ValueError(f"dout must have shape {(x.shape[0], w.shape[0], ho, wo)}, got {dout.shape}")
    dtype = np.result_type(dtype, dout.dtype)
    xp, wt, d = pad2d(x.astype(dtype, copy=False), pads), w.astype(dtype, copy=False), dout.astype(dtype, copy=False)
    kh, kw = w.shape[2:]
    dxp, dwt = np.zeros_like(xp), np.zeros_like(wt)
    for i in range(ho):
        for j in range(wo):
            sl = (slice(None), slice(None), slice(i * sh, i * sh + dh * (kh - 1) + 1, dh),
                  slice(j * sw, j * sw + dw * (kw - 1) + 1, dw))
            dwt += np.tensordot(d[:, :, i, j], xp[sl], axes=([0], [0]))
            dxp[sl] += np.tensordot(d[:, :, i, j], wt, axes=([1], [0]))
    h, wd = x.shape[2:]
    dx = dxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd]
    return dx, dwt, None if b is None else d.sum(axis=(0, 2, 3))


def _pool_loops(x, kernel_size, stride, padding, value, reduce):
    x = _float_array(x, "x")
    (kh, kw), (sh, sw), (ph, pw), (ho, wo) = _pool_setup(x.shape, kernel_size, stride, padding)
    xp = pad2d(x, (ph, pw), value)
    out = np.empty((*x.shape[:2], ho, wo), dtype=x.dtype)
    for i in range(ho):
        for j in range(wo):
            out[:, :, i, j] = reduce(xp[:, :, i * sh:i * sh + kh, j * sw:j * sw + kw], axis=(2, 3))
    return out


def max_pool2d(x, kernel_size, stride=None, padding=0):
    return _pool_loops(x, kernel_size, stride, padding, -np.inf, np.max)


def avg_pool2d(x, kernel_size, stride=None, padding=0):
    return _pool_loops(x, kernel_size, stride, padding, 0.0, np.mean)
