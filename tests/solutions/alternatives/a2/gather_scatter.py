# A2 alternative style: Conv2dFunction by im2col with explicit index tensors (gather for the forward,
# index_add_ scatter for dx), no F.unfold/F.fold; train with Adam over a DataLoader shuffled by a seeded
# generator, CrossEntropyLoss(reduction="sum") accumulated and divided by N, model.zero_grad() first;
# evaluate in chunks with a correct-count accumulator.
# Appended to solutions/a2_torch_cnn/cnn_torch.py by tests/solutions/test_alternatives.py (later definitions
# win), so only what is redefined here differs from the reference.


def _im2col_index(h, w, kh, kw, stride, padding):
    """Flat indices into the padded (H+2ph) x (W+2pw) plane: (KH*KW, Ho*Wo), and (Ho, Wo)."""
    (sh, sw), (ph, pw) = stride, padding
    hp, wp = h + 2 * ph, w + 2 * pw
    ho, wo = (hp - kh) // sh + 1, (wp - kw) // sw + 1
    if ho < 1 or wo < 1:
        raise ValueError(f"output size would be {ho}x{wo}")
    rows = (torch.arange(ho) * sh)[None, :, None] + torch.arange(kh)[:, None, None]  # (KH, Ho, 1)
    cols = (torch.arange(wo) * sw)[None, None, :] + torch.arange(kw)[:, None, None]  # (KW, 1, Wo)
    flat = rows[:, None, :, :] * wp + cols[None, :, :, :]  # (KH, KW, Ho, Wo)
    return flat.reshape(kh * kw, ho * wo), (ho, wo)


class Conv2dFunction(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding):
        n, c, h, w = x.shape
        f, c2, kh, kw = weight.shape
        if c != c2:
            raise ValueError(f"x has {c} channels, weight {c2}")
        stride, padding = _pair(stride), _pair(padding)
        index, (ho, wo) = _im2col_index(h, w, kh, kw, stride, padding)
        index = index.to(x.device)
        xp = F.pad(x, (padding[1], padding[1], padding[0], padding[0])).reshape(n, c, -1)
        cols = xp[:, :, index]  # (N, C, KH*KW, Ho*Wo)
        out = torch.matmul(weight.reshape(f, c * kh * kw), cols.reshape(n, c * kh * kw, ho * wo))
        if bias is not None:
            out += bias.reshape(f, 1)
        ctx.save_for_backward(x, weight, index)
        ctx.meta = dict(stride=stride, padding=padding, bias=bias is not None, out=(ho, wo))
        return out.reshape(n, f, ho, wo)

    @staticmethod
    def backward(ctx, dout):
        x, weight, index = ctx.saved_tensors
        n, c, h, w = x.shape
        f, _, kh, kw = weight.shape
        ph, pw = ctx.meta["padding"]
        d = dout.reshape(n, f, -1)  # (N, F, L)
        xp = F.pad(x, (pw, pw, ph, ph)).reshape(n, c, -1)
        cols = xp[:, :, index].reshape(n, c * kh * kw, -1)  # (N, CKK, L)
        dw = torch.einsum("nfl,nkl->fk", d, cols).reshape(weight.shape)
        dcols = torch.einsum("fk,nfl->nkl", weight.reshape(f, -1), d).reshape(n, c, kh * kw * index.shape[1])
        dxp = torch.zeros(n, c, (h + 2 * ph) * (w + 2 * pw), dtype=x.dtype, device=x.device)
        dxp.index_add_(2, index.reshape(-1), dcols)
        dx = dxp.reshape(n, c, h + 2 * ph, w + 2 * pw)[:, :, ph:ph + h, pw:pw + w]
        db = d.sum(dim=2).sum(dim=0) if ctx.meta["bias"] else None
        return dx, dw, db, None, None


def train(model, x, y, *, epochs, batch_size, lr, device=None, seed=0):
    device = get_device(device)
    model.to(device)
    model.train(True)
    x, y = _to_tensors(x, y, device, _param_dtype(model))
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch_size,
                                         shuffle=True, generator=torch.Generator().manual_seed(seed))
    criterion = nn.CrossEntropyLoss(reduction="sum")
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    out = []
    for _ in range(epochs):
        total = torch.zeros((), dtype=torch.float64)
        for xb, yb in loader:
            model.zero_grad()
            loss_sum = criterion(model(xb), yb)
            (loss_sum / len(yb)).backward()
            optimizer.step()
            total += loss_sum.detach().double().cpu()
        out.append(total.item() / len(loader.dataset))
    return out


def evaluate(model, x, y, *, device=None):
    device = get_device(device)
    before = model.training
    model.eval().to(device)
    x, y = _to_tensors(x, y, device, _param_dtype(model))
    right = 0
    with torch.no_grad():
        for start in range(0, len(y), 500):
            logits = model(x[start:start + 500])
            right += int(torch.count_nonzero(logits.max(dim=1).indices == y[start:start + 500]))
    model.train(before)
    return float(right) / len(y)
