# %% [markdown]
# # A1: convolutional networks in NumPy
#
# Fill in `cnn_numpy.py` (next to this notebook), then run the cells below. Each `grader.check(...)`
# cell runs the **public** tests of one question; the grader also runs hidden tests (random shapes,
# hidden gradient checks, edge cases). From a terminal: `python -m autograder check a1_numpy_cnn cnn_numpy.py`.
#
# Conventions (as in PyTorch): NCHW layout, "convolution" = cross-correlation, output size
# `floor((n + 2p - d*(k-1) - 1) / s) + 1`, zero padding for convolution and average pooling,
# `-inf` padding for max pooling. See README.md for the full list.

# %%
# %load_ext autoreload
# %autoreload 2
import contextlib

import matplotlib.pyplot as plt
import numpy as np
import otter

import cnn_numpy as cn
from cnn_numpy import *  # noqa: F401,F403 - grader.check finds your functions by name here
from datasets import load_sample_image

grader = otter.Notebook(tests_dir="tests")


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
        print(f"not implemented yet: {tb.tb_frame.f_code.co_qualname} (line {tb.tb_lineno} of "
              f"{tb.tb_frame.f_code.co_filename.split('/')[-1]}); this cell's demo runs once it is written")

# %% [markdown]
# ## Q1. Output sizes
# The table below is computed by your `conv_output_size`: a 32-pixel input through a 3-tap and a
# 5-tap kernel with several strides and paddings (the lecture's `O = floor((W - K + 2P)/S) + 1`).

# %%
with not_implemented_yet():
    rows = [(k, s, p, cn.conv_output_size(32, k, s, p)) for k in (3, 5) for s in (1, 2) for p in (0, (k - 1) // 2)]
    print(f"{'kernel':>6} {'stride':>6} {'padding':>7} {'output':>6}")
    for k, s, p, o in rows:
        print(f"{k:>6} {s:>6} {p:>7} {o:>6}")

# %%
grader.check("q01_sizes")

# %% [markdown]
# ## Q2. Receptive field
# Stacking 3x3 layers grows the receptive field by 2 per layer at stride 1; strides multiply the
# growth of every later layer; dilation widens each kernel.

# %%
depths = np.arange(1, 9)
with not_implemented_yet():
    plt.figure(figsize=(6, 4))
    for label, layer in [("3x3, stride 1", (3, 1)), ("3x3, stride 2", (3, 2)), ("3x3, dilation 2", (3, 1, 2))]:
        plt.plot(depths, [cn.receptive_field([layer] * d) for d in depths], marker="o", label=label)
    plt.xlabel("number of layers")
    plt.ylabel("receptive field (input pixels)")
    plt.yscale("log")
    plt.title("Receptive field growth with depth")
    plt.legend()
    plt.show()

# %%
grader.check("q02_receptive_field")

# %% [markdown]
# ## Q3-Q4. Parameter counts and weight sharing
# The lecture's MLP on MNIST has 400,906 parameters (1.6 MB in float32); LeNet-5 about 60k;
# a locally connected layer has conv2d's geometry but no weight sharing.

# %%
with not_implemented_yet():
    mlp = cn.mlp_params([784, 256, 256, 256, 256, 10])
    print(f"MLP 784-256x4-10: {mlp:,} parameters = {mlp * 4 / 1e6:.1f} MB as float32")
with not_implemented_yet():
    print(f"conv2d 3->16, 3x3:            {cn.conv2d_params(3, 16, 3):,} parameters")
with not_implemented_yet():
    print(f"locally connected, same geometry on 32x32: {cn.locally_connected2d_params((3, 32, 32), 16, 3):,}")

# %%
grader.check("q03_params")

# %%
lenet = [dict(type="conv2d", out_channels=6, kernel_size=5), dict(type="tanh"),
         dict(type="avgpool2d", kernel_size=2),
         dict(type="conv2d", out_channels=16, kernel_size=5), dict(type="tanh"),
         dict(type="avgpool2d", kernel_size=2), dict(type="flatten"),
         dict(type="linear", out_features=120), dict(type="tanh"),
         dict(type="linear", out_features=84), dict(type="tanh"), dict(type="linear", out_features=10)]
with not_implemented_yet():
    summary = cn.network_summary((1, 32, 32), lenet)
    for layer, (shape, n) in zip(lenet, summary):
        print(f"{layer['type']:>10} -> {str(shape):>14} {n:>8,}")
    print(f"LeNet-5 total: {sum(n for _, n in summary):,} parameters")

# %%
grader.check("q04_network_summary")

# %% [markdown]
# ## Q5-Q6. Padding, cross-correlation and the lecture's kernels
# Sharpen, box blur and edge detection applied to a sample image with your `corr2d` (after `pad2d`,
# so the output keeps the image's size).

# %%
image = load_sample_image(128)
kernels = {
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "box blur (/9)": np.ones((3, 3)) / 9,
    "edge detect": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
}
with not_implemented_yet():
    fig, axes = plt.subplots(1, 4, figsize=(13, 3.6))
    axes[0].imshow(image, cmap="gray")
    axes[0].set_title("input")
    for ax, (label, k) in zip(axes[1:], kernels.items()):
        out = cn.corr2d(cn.pad2d(image, 1), k)
        ax.imshow(out, cmap="gray", vmin=np.percentile(out, 1), vmax=np.percentile(out, 99))
        ax.set_title(label)
    for ax in axes:
        ax.axis("off")
    plt.tight_layout()
    plt.show()

# %%
grader.check("q05_pad2d")

# %%
grader.check("q06_corr2d")

# %% [markdown]
# ## Q7-Q9. conv2d, conv1d and pooling: feature maps
# Four 3x3 filters (the three kernels above and a diagonal one) as one conv2d layer, then ReLU and
# 2x2 max pooling: each output channel is a feature map.

# %%
w = np.stack([kernels["sharpen"], kernels["box blur (/9)"], kernels["edge detect"], np.eye(3) - np.eye(3)[::-1]])
w = w[:, None]                                            # (F=4, C=1, 3, 3)
with not_implemented_yet():
    maps = np.maximum(cn.conv2d(image[None, None], w, padding="same"), 0)  # (1, 4, 128, 128)
    pooled = cn.max_pool2d(maps, 2)                          # (1, 4, 64, 64)
    fig, axes = plt.subplots(2, 4, figsize=(12, 6))
    for f in range(4):
        axes[0, f].imshow(maps[0, f], cmap="viridis")
        axes[0, f].set_title(f"feature map {f} (ReLU)")
        axes[1, f].imshow(pooled[0, f], cmap="viridis")
        axes[1, f].set_title(f"after 2x2 max pool {pooled.shape[2:]}")
    for ax in axes.ravel():
        ax.axis("off")
    plt.tight_layout()
    plt.show()

# %%
grader.check("q07_conv2d")

# %%
grader.check("q08_conv1d")

# %%
grader.check("q09_pooling")

# %% [markdown]
# ## Q10-Q12. Backward passes and the numerical gradient
# Compare your analytic gradient with central differences on a small random problem.

# %%
rng = np.random.default_rng(0)
x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
with not_implemented_yet():
    dout = rng.standard_normal(cn.conv2d(x, w, b, stride=2, padding=1).shape)
    dx, dw, db = cn.conv2d_backward(dout, x, w, b, stride=2, padding=1)
    num_dx = cn.numerical_gradient(lambda a: np.sum(cn.conv2d(a, w, b, stride=2, padding=1) * dout), x.copy())
    rel = np.abs(dx - num_dx).max() / max(1e-12, np.abs(dx).max())
    print(f"conv2d_backward dx vs numerical gradient: max relative error {rel:.2e} (should be < 1e-7)")

# %%
grader.check("q10_conv2d_backward")

# %%
grader.check("q11_pool_backward")

# %%
grader.check("q12_numerical_gradient")
