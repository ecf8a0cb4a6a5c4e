"""A1 alternative style: im2col with explicit index arrays (fancy indexing), a matmul forward and a
col2im backward with np.add.at.

Appended to the reference by tests/solutions/test_alternatives.py (these definitions replace the reference's)."""


def _im2col_index(c, kh, kw, sh, sw, dh, dw, ho, wo):
    """(C*KH*KW, HO*WO) channel, row and column indices into the padded input."""
    ch = np.repeat(np.arange(c), kh * kw)[:, None]
    rows = (np.tile(np.repeat(np.arange(kh) * dh, kw), c)[:, None] + sh * np.repeat(np.arange(ho), wo)[None, :])
    cols = (np.tile(np.arange(kw) * dw, kh * c)[:, None] + sw * np.tile(np.arange(wo), ho)[None, :])
    return ch, rows, cols


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), (ho, wo) = _conv_setup(x, w, b, stride, padding, dilation)
    (n, c), (f, _, kh, kw) = x.shape[:2], w.shape
    xp = pad2d(x.astype(dtype, copy=False), pads)
    ch, rows, cols = _im2col_index(c, kh, kw, sh, sw, dh, dw, ho, wo)
    out = (w.reshape(f, -1).astype(dtype, copy=False) @ xp[:, ch, rows, cols]).reshape(n, f, ho, wo)
    return out if b is None else out + b.astype(dtype)[:, None, None]


def conv2d_backward(dout, x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), (ho, wo) = _conv_setup(x, w, b, stride, padding, dilation)
    dout = _float_array(dout, "dout")
    (n, c, h, wd), (f, _, kh, kw) = x.shape, w.shape
    if dout.shape != (n, f, ho, wo):
        raise ValueError(f"dout must have shape {(n, f, ho, wo)}, got {dout.shape}")
    dtype = np.result_type(dtype, dout.dtype)
    d = dout.astype(dtype, copy=False).reshape(n, f, -1)
    xp = pad2d(x.astype(dtype, copy=False), pads)
    ch, rows, cols = _im2col_index(c, kh, kw, sh, sw, dh, dw, ho, wo)
    xcols = xp[:, ch, rows, cols]                                           # (N, C*KH*KW, HO*WO)
    dw_ = np.einsum("nfk,nck->fc", d, xcols).reshape(w.shape)
    dcols = w.reshape(f, -1).T.astype(dtype, copy=False) @ d              # (N, C*KH*KW, HO*WO)
    dxp = np.zeros(xp.shape, dtype=dtype)
    np.add.at(dxp, (slice(None), ch, rows, cols), dcols)
    dx = dxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd]
    return dx, dw_, None if b is None else d.sum(axis=(0, 2))
