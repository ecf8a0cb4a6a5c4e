# %% [markdown]
# # A2: convolutional networks in PyTorch
#
# Fill in `cnn_torch.py` (next to this notebook), then run the cells below. Each `grader.check(...)`
# cell runs the **public** tests of one question; the grader also runs hidden tests (random shapes,
# hidden gradient checks, your classifier on a hidden MNIST-1D test set). From a terminal:
# `python -m autograder check a2_torch_cnn cnn_torch.py`. See README.md for the conventions, the
# layer-name contract, the accuracy bands and the time limits.
#
# The whole notebook runs in under two minutes on a laptop CPU (short training recipes).

# %%
# %load_ext autoreload
# %autoreload 2
import contextlib
import time

import matplotlib.pyplot as plt
import numpy as np
import otter
import torch
import torch.nn.functional as F

import cnn_torch as ct
from cnn_torch import *  # noqa: F401,F403 - grader.check finds your functions by name here
from datasets import load_mnist1d

torch.set_num_threads(1)  # small models train faster on one thread; the grader uses one thread too
grader = otter.Notebook(tests_dir="tests")


class Missing(NotImplementedError):
    """A result of a cell above that a stub stopped (see ``needs``)."""


def needs(*names):
    """Stop a demo cell whose inputs an earlier cell could not make yet (a stub stopped it)."""
    missing = [n for n in names if n not in globals()]
    if missing:
        raise Missing(f"this cell needs {', '.join(missing)} from a cell above")


@contextlib.contextmanager
def not_implemented_yet():
    """Around a demo: while a function it calls is still a stub, say which and go on (Run All reaches
    every grader.check cell). Any other error is yours to see."""
    try:
        yield
    except NotImplementedError as exc:
        plt.close("all")  # a half-drawn figure is not shown
        tb = exc.__traceback__
        while tb.tb_next is not None:
            tb = tb.tb_next
        where = str(exc) if isinstance(exc, Missing) else (
            f"{tb.tb_frame.f_code.co_qualname} (line {tb.tb_lineno} of "
            f"{tb.tb_frame.f_code.co_filename.split('/')[-1]})")
        print(f"not implemented yet: {where}; this cell's demo runs once it is written")


x_train, y_train = load_mnist1d("train")  # (4000, 40) float32, (4000,) int64
x_test, y_test = load_mnist1d("test")     # (1000, 40), (1000,)
print("train", x_train.shape, x_train.dtype, "test", x_test.shape, "labels", np.bincount(y_train))

# %% [markdown]
# ## Q1. Devices
# One line picks the device; everything else moves with `.to(device)`. The same code runs on a laptop
# CPU and on a GPU grader.

# %%
device = "cpu"  # until get_device is written
with not_implemented_yet():
    device = ct.get_device()
print("running on", device)

# %%
grader.check("q01_get_device")

# %% [markdown]
# ## Q2-Q3. A convolution with a hand-written backward pass
# Your `conv2d` against PyTorch's built-in convolution (float64), then `torch.autograd.gradcheck`, which
# compares your backward with finite differences.

# %%
g = torch.Generator().manual_seed(0)
x = torch.randn(2, 3, 9, 8, generator=g, dtype=torch.float64, requires_grad=True)
w = torch.randn(4, 3, 3, 2, generator=g, dtype=torch.float64, requires_grad=True)
b = torch.randn(4, generator=g, dtype=torch.float64, requires_grad=True)
with not_implemented_yet():
    out = ct.conv2d(x, w, b, stride=(2, 1), padding=1)
    ref = F.conv2d(x, w, b, stride=(2, 1), padding=1)
    print("output", tuple(out.shape), "max |yours - torch| =", float((out - ref).abs().max()))
    print("grad_fn:", type(out.grad_fn).__name__)

# %%
grader.check("q02_conv2d_forward")

# %%
with not_implemented_yet():
    ok = torch.autograd.gradcheck(lambda x, w, b: ct.Conv2dFunction.apply(x, w, b, (2, 1), 1), (x, w, b))
    print("gradcheck passed:", ok)

# %%
grader.check("q03_conv2d_backward")

# %% [markdown]
# ## Q4. The lecture's networks and weight sharing
# The CNN shares each 3-tap kernel across all positions: 2,050 parameters. The MLP of the same depth
# has 59,065, and LeNet-5 about 60k.

# %%
for label in ("MNIST1DConvNet", "MNIST1DMLP", "LeNet5"):
    with not_implemented_yet():
        model = getattr(ct, label)()
        print(f"{label:>15}: {sum(p.numel() for p in model.parameters()):>7,} parameters")
        for layer, p in model.named_parameters():
            print(f"{'':>17}{layer:<14} {tuple(p.shape)}")

# %%
grader.check("q04_networks")

# %% [markdown]
# ## Q5-Q7. Training the lecture's CNN and MLP with your `train`
# Both networks, seeded alike, trained with the same short recipe (Adam-friendly: batch 100, lr 0.01)
# in chunks of 5 epochs, with the test accuracy measured after each chunk by your `evaluate`.

# %%
CHUNK, CHUNKS = 5, 10
with not_implemented_yet():
    runs = {}
    for label, cls in (("CNN", ct.MNIST1DConvNet), ("MLP", ct.MNIST1DMLP)):
        torch.manual_seed(0)
        model = cls()
        start, losses, accs = time.perf_counter(), [], []
        for chunk in range(CHUNKS):
            losses += ct.train(model, x_train, y_train, epochs=CHUNK, batch_size=100, lr=0.01, device=device, seed=chunk)
            accs.append(ct.evaluate(model, x_test, y_test, device=device))
        runs[label] = dict(model=model, losses=losses, accs=accs, seconds=time.perf_counter() - start)
        print(f"{label}: test accuracy {accs[-1]:.1%} after {CHUNK * CHUNKS} epochs ({runs[label]['seconds']:.1f} s)")
    curves = runs  # both networks trained: the cells below use them

    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    for (label, c), color in zip(curves.items(), ("tab:blue", "tab:orange")):
        ax1.plot(np.arange(1, len(c["losses"]) + 1), c["losses"], color=color, label=label)
        ax2.plot(CHUNK * np.arange(1, CHUNKS + 1), c["accs"], marker="o", color=color, label=f"{label} (yours)")
    for acc, label, color in ((0.94, "paper's CNN", "tab:blue"), (0.68, "paper's MLP", "tab:orange")):
        ax2.axhline(acc, linestyle="--", color=color, alpha=0.6, label=f"{label} ({acc:.0%})")
    ax1.set(xlabel="epoch", ylabel="mean training loss", yscale="log", title="Training loss")
    ax2.set(xlabel="epoch", ylabel="test accuracy", ylim=(0, 1), title="Test accuracy (standard split)")
    ax1.legend()
    ax2.legend(loc="lower right", fontsize=8)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# The MLP fits the training set (its loss keeps falling) but its test accuracy stalls: it must learn each
# position separately. The CNN processes every location alike, which is the right inductive bias for
# signals whose patterns can appear anywhere.
#
# Its first layer: 15 learned 3-tap filters (the kernels slide along the signal with stride 2).

# %%
with not_implemented_yet():
    needs("curves")
    filters = curves["CNN"]["model"].conv1.weight.detach().cpu().numpy()[:, 0, :]  # (15, 3)
    fig, axes = plt.subplots(3, 5, figsize=(10, 5), sharey=True)
    for i, ax in enumerate(axes.flat):
        ax.bar(np.arange(3), filters[i], color=np.where(filters[i] >= 0, "tab:red", "tab:blue"))
        ax.axhline(0, color="black", linewidth=0.5)
        ax.set_xticks(range(3))
        ax.set_title(f"filter {i}", fontsize=9)
    fig.suptitle("MNIST1DConvNet conv1: the 15 learned kernels (taps 0, 1, 2)")
    plt.tight_layout()
    plt.show()

# %%
grader.check("q05_train")

# %%
grader.check("q06_evaluate")

# %%
grader.check("q07_cnn_vs_mlp")

# %% [markdown]
# ## Q8. Your own MNIST-1D classifier
# `fit(make_classifier(), ...)` on the 4000 training signals. The grader runs it once with a 30 s limit on
# one CPU thread and scores it on a hidden test set (bands: 70 / 80 / 90 / 95%).

# %%
with not_implemented_yet():
    start = time.perf_counter()
    clf = ct.fit(ct.make_classifier(), x_train, y_train, device=device)
    fit_seconds = time.perf_counter() - start
    clf_acc = ct.evaluate(clf, x_test, y_test, device=device)
    n_clf = sum(p.numel() for p in clf.parameters())
    print(f"your classifier: {n_clf:,} parameters, fit in {fit_seconds:.1f} s, test accuracy {clf_acc:.1%}")

    param = next(clf.parameters())
    with torch.no_grad():
        pred = clf(torch.as_tensor(x_test, device=param.device, dtype=param.dtype)).argmax(1).cpu().numpy()
    confusion = np.zeros((10, 10), dtype=int)
    np.add.at(confusion, (y_test, pred), 1)
    fig, ax = plt.subplots(figsize=(6, 5.2))
    im = ax.imshow(confusion, cmap="Blues")
    for i in range(10):
        for j in range(10):
            if confusion[i, j]:
                ax.text(j, i, confusion[i, j], ha="center", va="center", fontsize=8,
                        color="white" if confusion[i, j] > confusion.max() / 2 else "black")
    ax.set(xticks=range(10), yticks=range(10), xlabel="predicted class", ylabel="true class",
           title=f"Your classifier on the test split: {clf_acc:.1%}")
    fig.colorbar(im, ax=ax, shrink=0.8)
    plt.tight_layout()
    plt.show()

# %% [markdown]
# ## CNN vs MLP, beside the MNIST-1D paper (Greydanus, 2020)

# %%
with not_implemented_yet():
    needs("curves", "clf", "clf_acc", "n_clf")
    rows = [("logistic regression (paper)", None, 0.32), ("MLP (paper)", None, 0.68), ("CNN (paper)", None, 0.94),
            ("human (paper)", None, 0.96),
            ("MNIST1DMLP (yours, 50 epochs)", sum(p.numel() for p in curves["MLP"]["model"].parameters()),
             curves["MLP"]["accs"][-1]),
            ("MNIST1DConvNet (yours, 50 epochs)", sum(p.numel() for p in curves["CNN"]["model"].parameters()),
             curves["CNN"]["accs"][-1]),
            ("your classifier", n_clf, clf_acc)]
    print(f"{'model':<36}{'parameters':>11}{'test accuracy':>15}")
    for label, n, acc in rows:
        print(f"{label:<36}{'' if n is None else f'{n:,}':>11}{acc:>15.1%}")

    fig, ax = plt.subplots(figsize=(9, 3.8))
    colors = ["lightgray"] * 4 + ["tab:orange", "tab:blue", "tab:green"]
    ax.barh([r[0] for r in rows], [r[2] for r in rows], color=colors)
    for i, (_, _, acc) in enumerate(rows):
        ax.text(acc + 0.01, i, f"{acc:.0%}", va="center", fontsize=9)
    ax.set(xlim=(0, 1.1), xlabel="MNIST-1D test accuracy", title="Paper's figures (gray) and yours")
    ax.invert_yaxis()
    plt.tight_layout()
    plt.show()

# %%
grader.check("q08_classifier")
