"""A1 alternative style: np.einsum over the reference's window view (conv2d, conv2d_backward).

Appended to the reference by tests/solutions/test_alternatives.py (these definitions replace the reference's)."""


def conv2d(x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, stride, pads, dilation, out_hw = _conv_setup(x, w, b, stride, padding, dilation)
    cols = _windows(pad2d(x.astype(dtype, copy=False), pads), *w.shape[2:], stride, dilation, out_hw)
    out = np.einsum("nckluv,fckl->nfuv", cols, w.astype(dtype, copy=False))
    return out if b is None else out + b.astype(dtype)[:, None, None]


def conv2d_backward(dout, x, w, b=None, stride=1, padding=0, dilation=1):
    x, w, b, dtype, (sh, sw), pads, (dh, dw), out_hw = _conv_setup(x, w, b, stride, padding, dilation)
    dout = _float_array(dout, "dout")
    if dout.shape != (x.shape[0], w.shape[0], *out_hw):
        raise ValueError(f"dout must have shape {(x.shape[0], w.shape[0], *out_hw)}, got {dout.shape}")
    dtype = np.result_type(dtype, dout.dtype)
    d, wt = dout.astype(dtype, copy=False), w.astype(dtype, copy=False)
    xp = pad2d(x.astype(dtype, copy=False), pads)
    kh, kw = w.shape[2:]
    cols = _windows(xp, kh, kw, (sh, sw), (dh, dw), out_hw)
    dw_ = np.einsum("nfuv,nckluv->fckl", d, cols)
    dcols = np.einsum("nfuv,fckl->nckluv", d, wt)
    dxp = np.zeros_like(xp)
    ho, wo = out_hw
    for p in range(kh):
        for q in range(kw):
            dxp[:, :, p * dh:p * dh + sh * (ho - 1) + 1:sh, q * dw:q * dw + sw * (wo - 1) + 1:sw] += dcols[:, :, p, q]
    h, wd = x.shape[2:]
    return dxp[:, :, pads[0]:pads[0] + h, pads[2]:pads[2] + wd], dw_, None if b is None else np.einsum("nfuv->f", d)
