"""A1 alternative style: windows from numpy.lib.stride_tricks.sliding_window_view (a strided view), a tensordot forward and a
transposed-convolution backward (dx = the full correlation of the dilated dout with the flipped kernel).

Appended to the reference by tests/solutions/test_alternatives.py (these definitions replace the reference's)."""
from numpy.lib.stride_tricks import sliding_window_view as _sliding_window_view


def _strided_windows(xp, kh, kw, sh, sw, dh, dw, ho, wo):
    """(N, C, HO, WO, KH, KW) view of the windows of xp (stride, dilation)."""
    win = _sliding_window_view(xp, (dh * (kh - 1) + 1, dw * (kw - 1) + 1), axis=(2, 3))
    return win[:, :, ::sh, ::sw, ::dh, ::dw][:, :, :ho, :wo]


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), (ho, wo) = _conv_setup(x, w, b, stride, padding, dilation)
    xp = np.ascontiguousarray(pad2d(x.astype(dtype, copy=False), pads))
    win = _strided_windows(xp, *w.shape[2:], sh, sw, dh, dw, ho, wo)
    out = np.tensordot(win, w.astype(dtype, copy=False), axes=([1, 4, 5], [1, 2, 3])).transpose(0, 3, 1, 2)
    out = np.ascontiguousarray(out)
    return out if b is None else out + b.astype(dtype)[:, None, None]


def conv2d_backward(dout, x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), (ho, wo) = _conv_setup(x, w, b, stride, padding, dilation)
    dout = _float_array(dout, "dout")
    (n, c, h, wd), (f, _, kh, kw) = x.shape, w.shape
    if dout.shape != (n, f, ho, wo):
        raise ValueError(f"dout must have shape {(n, f, ho, wo)}, got {dout.shape}")
    dtype = np.result_type(dtype, dout.dtype)
    d, wt = dout.astype(dtype, copy=False), w.astype(dtype, copy=False)
    xp = np.ascontiguousarray(pad2d(x.astype(dtype, copy=False), pads))
    dw_ = np.tensordot(d, _strided_windows(xp, kh, kw, sh, sw, dh, dw, ho, wo), axes=([0, 2, 3], [0, 2, 3]))
    # dx: spread dout onto the stride grid, then correlate with the flipped, dilated kernel ("full" padding)
    ekh, ekw = dh * (kh - 1) + 1, dw * (kw - 1) + 1
    grid = np.zeros((n, f, xp.shape[2] + ekh - 1, xp.shape[3] + ekw - 1), dtype=dtype)
    grid[:, :, ekh - 1:ekh - 1 + sh * (ho - 1) + 1:sh, ekw - 1:ekw - 1 + sw * (wo - 1) + 1:sw] = d
    win = _strided_windows(grid, kh, kw, 1, 1, dh, dw, xp.shape[2], xp.shape[3])
    dxp = np.tensordot(win, wt[:, :, ::-1, ::-1], axes=([1, 4, 5], [0, 2, 3])).transpose(0, 3, 1, 2)
    dx = np.ascontiguousarray(dxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd])
    return dx, dw_, None if b is None else d.sum(axis=(0, 2, 3))
