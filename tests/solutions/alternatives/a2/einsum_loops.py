# A2 alternative style: Conv2dFunction by strided windows (Tensor.unfold) and einsum, dx by a loop over the
# kernel offsets (each offset scatters into a strided slice of the padded input); a train loop with SGD +
# momentum, log_softmax + nll_loss, zero_grad(set_to_none=True) AFTER each step; evaluate in one pass.
# Appended to solutions/a2_torch_cnn/cnn_torch.py by tests/solutions/test_alternatives.py (later definitions
# win), so only what is redefined here differs from the reference.


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding):
        sh, sw = _pair(stride)
        ph, pw = _pair(padding)
        if x.shape[1] != weight.shape[1]:
            raise ValueError(f"channel mismatch: x has {x.shape[1]}, weight expects {weight.shape[1]}")
        kh, kw = weight.shape[2:]
        xp = F.pad(x, (pw, pw, ph, ph))
        if xp.shape[2] < kh or xp.shape[3] < kw:
            raise ValueError("kernel larger than the padded input")
        win = xp.unfold(2, kh, sh).unfold(3, kw, sw)  # (N, C, Ho, Wo, KH, KW)
        out = torch.einsum("nchwij,fcij->nfhw", win, weight)
        if bias is not None:
            out = out + bias[None, :, None, None]
        ctx.save_for_backward(x, weight)
        ctx.stride, ctx.padding, ctx.has_bias = (sh, sw), (ph, pw), bias is not None
        return out

    @staticmethod
    def backward(ctx, dout):
        x, weight = ctx.saved_tensors
        (sh, sw), (ph, pw) = ctx.stride, ctx.padding
        kh, kw = weight.shape[2:]
        ho, wo = dout.shape[2:]
        xp = F.pad(x, (pw, pw, ph, ph))
        win = xp.unfold(2, kh, sh).unfold(3, kw, sw)
        dw = torch.einsum("nfhw,nchwij->fcij", dout, win)
        dxp = torch.zeros_like(xp)
        for i in range(kh):
            for j in range(kw):
                dxp[:, :, i:i + sh * (ho - 1) + 1:sh, j:j + sw * (wo - 1) + 1:sw] += \
                    torch.einsum("nfhw,fc->nchw", dout, weight[:, :, i, j])
        dx = dxp[:, :, ph:ph + x.shape[2], pw:pw + x.shape[3]]
        db = dout.sum(dim=(0, 2, 3)) if ctx.has_bias else None
        return dx, dw, db, None, None


def train(model, x, y, *, epochs, batch_size, lr, device=None, seed=0):
    device = get_device(device)
    model = model.to(device)
    model.train()
    x, y = _to_tensors(x, y, device, _param_dtype(model))
    n = x.shape[0]
    g = torch.Generator()
    g.manual_seed(seed)
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
    history = []
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        seen, running = 0, 0.0
        for start in range(0, n, batch_size):
            idx = order[start:start + batch_size].to(device)
            loss = F.nll_loss(F.log_softmax(model(x[idx]), dim=1), y[idx])
            loss.backward()
            opt.step()
            opt.zero_grad(set_to_none=True)
            running += float(loss.detach()) * idx.numel()
            seen += idx.numel()
        history.append(running / seen)
    return history


def evaluate(model, x, y, *, device=None):
    device = get_device(device)
    mode = model.training
    model.to(device)
    model.eval()
    try:
        x, y = _to_tensors(x, y, device, _param_dtype(model))
        with torch.inference_mode():
            hits = (model(x).argmax(1) == y).sum().item()
    finally:
        model.train(mode)
    return hits / y.numel()
