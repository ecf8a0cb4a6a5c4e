"""Does the A2 reference solution (solutions/a2_torch_cnn/cnn_torch.py) meet the A2 API (README "The two assignments", the handout)?

The oracle is PyTorch itself (float64 autograd of ``torch.nn.functional.conv2d``). GPU tests skip
with a visible reason on machines without CUDA; the accuracy test is marked slow.
"""
import copy
import importlib.util
import pathlib
import time

import numpy as np
import pytest
import torch
import torch.nn.functional as F

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOLUTION = ROOT / "solutions" / "a2_torch_cnn" / "cnn_torch.py"

needs_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (none on this machine)")
no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU behaviour; this machine has CUDA")


def _load():
    spec = importlib.util.spec_from_file_location("a2_reference_cnn_torch", SOLUTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ct = _load()


def _data(n=200, seed=0):
    """A small synthetic MNIST-1D-shaped problem: x (n, 40) float64 NumPy, y (n,) int64."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.normal(size=(n, 40)) + np.eye(10)[y].repeat(4, axis=1) * 2.0  # class c lights up 4 positions
    return x, y


# ----------------------------------------------------------------------------------------------------
# The lecture's networks
# ----------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name, expected", [("MNIST1DConvNet", 2050), ("MNIST1DMLP", 59065), ("LeNet5", 61706)])
def test_parameter_counts(name, expected):
    """Does each network have the lecture's parameter count, all trainable?"""
    model = getattr(ct, name)()
    assert sum(p.numel() for p in model.parameters()) == expected
    assert sum(p.numel() for p in model.parameters() if p.requires_grad) == expected


@pytest.mark.parametrize("name", ["MNIST1DConvNet", "MNIST1DMLP"])
@pytest.mark.parametrize("shape", [(5, 40), (5, 1, 40), (1, 40)])
def test_mnist1d_output_shapes(name, shape):
    """Do the MNIST-1D networks map (N, 40) and (N, 1, 40) to logits (N, 10), equal for both layouts?"""
    model = getattr(ct, name)()
    x = torch.randn(shape)
    out = model(x)
    assert out.shape == (shape[0], 10) and out.dtype == torch.float32
    torch.testing.assert_close(model(x.reshape(shape[0], 40)), out)


def test_networks_compute_the_documented_layers():
    """Do the forwards equal the docstrings' layers (stride 2 and no padding for the CNN), given their weights?"""
    torch.manual_seed(0)
    x = torch.randn(4, 40)
    cnn, mlp, lenet = ct.MNIST1DConvNet(), ct.MNIST1DMLP(), ct.LeNet5()
    w = cnn.state_dict()
    h = x[:, None, :]  # (N, 1, 40)
    for name in ("conv1", "conv2", "conv3"):
        h = F.relu(F.conv1d(h, w[f"{name}.weight"], w[f"{name}.bias"], stride=2))  # (N, 15, 19/9/4)
    torch.testing.assert_close(cnn(x), F.linear(h.flatten(1), w["fc.weight"], w["fc.bias"]))
    w = mlp.state_dict()
    h = x
    for name in ("fc1", "fc2", "fc3"):
        h = F.relu(F.linear(h, w[f"{name}.weight"], w[f"{name}.bias"]))
    torch.testing.assert_close(mlp(x), F.linear(h, w["fc4.weight"], w["fc4.bias"]))
    w = lenet.state_dict()
    img = torch.randn(2, 1, 32, 32)
    h = F.max_pool2d(F.relu(F.conv2d(img, w["conv1.weight"], w["conv1.bias"])), 2)  # (N, 6, 14, 14)
    h = F.max_pool2d(F.relu(F.conv2d(h, w["conv2.weight"], w["conv2.bias"])), 2)  # (N, 16, 5, 5)
    h = F.relu(F.linear(h.flatten(1), w["fc1.weight"], w["fc1.bias"]))
    h = F.relu(F.linear(h, w["fc2.weight"], w["fc2.bias"]))
    torch.testing.assert_close(lenet(img), F.linear(h, w["fc3.weight"], w["fc3.bias"]))


def test_lenet5_output_shape():
    """Does LeNet-5 map (N, 1, 32, 32) to (N, 10)?"""
    assert ct.LeNet5()(torch.randn(3, 1, 32, 32)).shape == (3, 10)


def test_convnet_layer_names():
    """Are the attribute names the docstring promises (the grader loads weights by name) there?"""
    assert set(ct.MNIST1DConvNet().state_dict()) == {f"{n}.{p}" for n in ("conv1", "conv2", "conv3", "fc")
                                                    for p in ("weight", "bias")}
    assert {k.split(".")[0] for k in ct.MNIST1DMLP().state_dict()} == {"fc1", "fc2", "fc3", "fc4"}
    assert {k.split(".")[0] for k in ct.LeNet5().state_dict()} == {"conv1", "conv2", "fc1", "fc2", "fc3"}


# ----------------------------------------------------------------------------------------------------
# Conv2dFunction against torch.nn.functional.conv2d (float64)
# ----------------------------------------------------------------------------------------------------

def _conv_inputs(kernel, bias, shape=(2, 3, 7, 9), filters=4, seed=0):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(shape, generator=g, dtype=torch.float64, requires_grad=True)
    w = torch.randn((filters, shape[1], *kernel), generator=g, dtype=torch.float64, requires_grad=True)
    b = torch.randn(filters, generator=g, dtype=torch.float64, requires_grad=True) if bias else None
    return x, w, b


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("kernel", [(3, 3), (2, 3), (1, 4), (4, 1)], ids=lambda k: f"k{k[0]}x{k[1]}")
@pytest.mark.parametrize("padding", [0, 1, (1, 2)], ids=lambda p: f"p{p}")
@pytest.mark.parametrize("stride", [1, 2, (2, 1)], ids=lambda s: f"s{s}")
def test_conv2d_matches_torch(stride, padding, kernel, bias):
    """Do conv2d's output and its hand-written gradients (dx, dw, db) equal PyTorch's?"""
    x, w, b = _conv_inputs(kernel, bias)
    out = ct.conv2d(x, w, b, stride=stride, padding=padding)
    ref = F.conv2d(x, w, b, stride=stride, padding=padding)
    assert out.shape == ref.shape and out.dtype == torch.float64
    torch.testing.assert_close(out, ref, rtol=1e-10, atol=1e-10)
    dout = torch.randn_like(ref)
    inputs = (x, w) if b is None else (x, w, b)
    got = torch.autograd.grad(out, inputs, dout)
    want = torch.autograd.grad(ref, inputs, dout)
    for name, g_got, g_want in zip(("dx", "dw", "db"), got, want, strict=False):
        assert g_got.shape == g_want.shape, name
        torch.testing.assert_close(g_got, g_want, rtol=1e-10, atol=1e-10, msg=lambda m: f"{name}: {m}")  # noqa: B023 - called at once


def test_conv2d_bias_none_gives_no_bias_grad():
    """With bias=None, does backward return None for the bias (and still the right dx, dw)?"""
    x, w, _ = _conv_inputs((3, 3), bias=False)
    out = ct.Conv2dFunction.apply(x, w, None, 1, 1)
    dx, dw, db, dstride, dpadding = out.grad_fn.apply(torch.ones_like(out))  # calls backward
    assert dx.shape == x.shape and dw.shape == w.shape
    assert db is None and dstride is None and dpadding is None


def test_conv2d_float32_keeps_dtype():
    """Does a float32 input give a float32 output close to PyTorch's?"""
    x = torch.randn(2, 3, 8, 8)
    w = torch.randn(5, 3, 3, 3)
    out = ct.conv2d(x, w, None, stride=2, padding=1)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, F.conv2d(x, w, None, stride=2, padding=1), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("stride, padding, kernel, bias", [
    (1, 0, (3, 3), True), (2, 1, (3, 2), True), ((2, 1), (1, 2), (2, 3), False), (3, 2, (3, 3), True)])
def test_conv2d_gradcheck(stride, padding, kernel, bias):
    """Does torch.autograd.gradcheck (finite differences, float64) accept the hand-written backward?"""
    x, w, b = _conv_inputs(kernel, bias, shape=(2, 2, 6, 5), filters=3, seed=1)
    inputs = (x, w) if b is None else (x, w, b)

    def fn(*args):
        return ct.Conv2dFunction.apply(args[0], args[1], args[2] if bias else None, stride, padding)

    assert torch.autograd.gradcheck(fn, inputs)


def test_conv2d_rejects_channel_mismatch():
    """Is a weight with the wrong number of input channels a ValueError?"""
    with pytest.raises(ValueError):
        ct.conv2d(torch.randn(1, 3, 5, 5), torch.randn(2, 4, 3, 3))


# ----------------------------------------------------------------------------------------------------
# get_device
# ----------------------------------------------------------------------------------------------------

def test_get_device_cpu():
    """Do "cpu" and torch.device("cpu") give the CPU?"""
    assert ct.get_device("cpu") == torch.device("cpu")
    assert ct.get_device(torch.device("cpu")) == torch.device("cpu")


@no_cuda
def test_get_device_default_is_cpu_without_gpu():
    """Without CUDA, is the default device the CPU?"""
    assert ct.get_device() == torch.device("cpu")


@no_cuda
@pytest.mark.parametrize("name", ["cuda", "cuda:0", torch.device("cuda")], ids=str)
def test_get_device_cuda_unavailable(name):
    """Without CUDA, is asking for it a RuntimeError that says it is not available?"""
    with pytest.raises(RuntimeError, match="not available"):
        ct.get_device(name)


@pytest.mark.parametrize("name", ["bogus", "gpu", "", "cuda:x"])
def test_get_device_unknown_name(name):
    """Is a name that is not a device a ValueError?"""
    with pytest.raises(ValueError):
        ct.get_device(name)


def test_get_device_index_out_of_range():
    """Is "cuda:N" with N past the last GPU a RuntimeError (on any machine)?"""
    with pytest.raises(RuntimeError):
        ct.get_device(f"cuda:{torch.cuda.device_count() + 3}")


# ----------------------------------------------------------------------------------------------------
# evaluate, train, make_classifier, fit
# ----------------------------------------------------------------------------------------------------

def test_evaluate_is_a_python_float_equal_to_a_hand_count():
    """Is evaluate's accuracy a Python float equal to (argmax == y).mean(), whatever the input type?"""
    torch.manual_seed(0)
    model = ct.MNIST1DConvNet()
    x, y = _data(300)
    with torch.no_grad():
        expected = float((model(torch.as_tensor(x, dtype=torch.float32)).argmax(1).numpy() == y).mean())
    for xs, ys in [(x, y), (x.astype(np.float32), y.astype(np.int32)), (torch.as_tensor(x), torch.as_tensor(y))]:
        acc = ct.evaluate(model, xs, ys, device="cpu")
        assert type(acc) is float and 0.0 <= acc <= 1.0
        assert acc == pytest.approx(expected, abs=1e-12)
    assert model.training, "evaluate must restore the model's training mode"


def test_evaluate_perfect_and_zero():
    """Does evaluate give exactly 1.0 and 0.0 for a model that is always right / always wrong?"""
    x, y = _data(50)
    oracle = torch.nn.Linear(40, 10)
    with torch.no_grad():
        oracle.weight.copy_(torch.eye(10).repeat_interleave(4, dim=1))  # sums class c's 4 positions
        oracle.bias.zero_()
    correct = (oracle(torch.as_tensor(x, dtype=torch.float32)).argmax(1).numpy() == y)
    assert ct.evaluate(oracle, x, y, device="cpu") == float(correct.mean())
    assert ct.evaluate(oracle, x[correct], y[correct], device="cpu") == 1.0
    assert ct.evaluate(oracle, x[correct], (y[correct] + 1) % 10, device="cpu") == 0.0


def test_train_returns_epoch_losses_and_is_deterministic():
    """Does train return `epochs` Python floats, the same for the same seed and different for another?"""
    x, y = _data(256)
    torch.manual_seed(0)
    model = ct.MNIST1DConvNet()
    twin, other = copy.deepcopy(model), copy.deepcopy(model)
    losses = ct.train(model, x, y, epochs=4, batch_size=32, lr=1e-2, device="cpu", seed=3)
    assert len(losses) == 4 and all(type(v) is float and np.isfinite(v) for v in losses)
    assert losses[-1] < losses[0]
    assert ct.train(twin, x, y, epochs=4, batch_size=32, lr=1e-2, device="cpu", seed=3) == losses
    for p, q in zip(model.parameters(), twin.parameters(), strict=False):
        assert torch.equal(p, q)
    assert ct.train(other, x, y, epochs=4, batch_size=32, lr=1e-2, device="cpu", seed=4) != losses


def test_train_loss_is_the_epoch_mean():
    """With lr=0 (weights frozen), is each epoch's loss the mean cross-entropy over all N samples?"""
    x, y = _data(100)
    torch.manual_seed(0)
    model = ct.MNIST1DMLP()
    with torch.no_grad():
        expected = F.cross_entropy(model(torch.as_tensor(x, dtype=torch.float32)), torch.as_tensor(y)).item()
    losses = ct.train(model, x, y, epochs=2, batch_size=30, lr=0.0, device="cpu")  # ragged last batch of 10
    assert losses == pytest.approx([expected, expected], rel=1e-5)


def test_train_accepts_tensors_and_float32():
    """Does train accept tensors (float32, (N, 1, 40)) as well as NumPy float64, with a ragged last batch?"""
    x, y = _data(100)
    model = ct.MNIST1DMLP()
    losses = ct.train(model, torch.as_tensor(x, dtype=torch.float32)[:, None, :], torch.as_tensor(y),
                      epochs=2, batch_size=33, lr=1e-3, device="cpu")
    assert len(losses) == 2


def test_train_rejects_float_labels():
    """Are float labels a TypeError rather than a silent truncation?"""
    x, y = _data(20)
    with pytest.raises(TypeError):
        ct.train(ct.MNIST1DMLP(), x, y.astype(np.float64), epochs=1, batch_size=8, lr=1e-3, device="cpu")


def test_make_classifier_is_seeded_and_leaves_global_rng_alone():
    """Does make_classifier give identical weights each call without moving the global RNG?"""
    state = torch.get_rng_state()
    a, b = ct.make_classifier(), ct.make_classifier()
    assert torch.equal(torch.get_rng_state(), state)
    assert isinstance(a, torch.nn.Module)
    for (ka, va), (kb, vb) in zip(a.state_dict().items(), b.state_dict().items(), strict=False):
        assert ka == kb and torch.equal(va, vb)
    assert a(torch.randn(3, 40)).shape == (3, 10)


def test_fit_on_a_small_subset():
    """Does fit run on a small float64 NumPy set and return the trained module, in eval mode?"""
    x, y = _data(200)
    model = ct.make_classifier()
    before = copy.deepcopy(model.state_dict())
    out = ct.fit(model, x, y, device="cpu")
    assert isinstance(out, torch.nn.Module) and not out.training
    assert out(torch.as_tensor(x[:7], dtype=torch.float32)).shape == (7, 10)
    assert any(not torch.equal(before[k], v) for k, v in out.state_dict().items())
    assert ct.evaluate(out, x, y, device="cpu") > 0.5


@pytest.mark.slow
def test_fit_reaches_97_percent_on_mnist1d():
    """Does make_classifier + fit (1 CPU thread) reach >= 97% on the standard test split and on a fresh set?"""
    from datasets import load_mnist1d, make_mnist1d
    x, y = load_mnist1d("train")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        start = time.process_time()  # CPU time: robust to other jobs sharing the machine
        model = ct.fit(ct.make_classifier(), x, y, device="cpu")
        seconds = time.process_time() - start
    finally:
        torch.set_num_threads(threads)
    test_acc = ct.evaluate(model, *load_mnist1d("test"), device="cpu")
    fresh_acc = ct.evaluate(model, *make_mnist1d(12345, 1000), device="cpu")
    print(f"fit: {seconds:.1f} s CPU, test {test_acc:.3f}, fresh(12345) {fresh_acc:.3f}")
    assert test_acc >= 0.97 and fresh_acc >= 0.97
    assert seconds < 20, f"fit took {seconds:.1f} s of CPU, far above the ~6 s measured (target <= 10 s)"


# ----------------------------------------------------------------------------------------------------
# GPU (skipped with a reason where there is none)
# ----------------------------------------------------------------------------------------------------

@needs_cuda
def test_get_device_default_is_cuda_with_gpu():
    """With CUDA, is the default device a CUDA device?"""
    assert ct.get_device().type == "cuda"
    assert ct.get_device("cuda:0") == torch.device("cuda:0")


@needs_cuda
def test_conv2d_on_cuda_matches_torch():
    """Do conv2d's forward and gradients on the GPU equal PyTorch's (float64)?"""
    x, w, b = (t.detach().cuda().requires_grad_() for t in _conv_inputs((3, 2), bias=True))
    out = ct.conv2d(x, w, b, stride=(2, 1), padding=(1, 2))
    ref = F.conv2d(x, w, b, stride=(2, 1), padding=(1, 2))
    torch.testing.assert_close(out, ref)
    dout = torch.randn_like(ref)
    for g, r in zip(torch.autograd.grad(out, (x, w, b), dout), torch.autograd.grad(ref, (x, w, b), dout), strict=False):
        assert g.is_cuda
        torch.testing.assert_close(g, r)


@needs_cuda
def test_train_evaluate_fit_on_cuda():
    """Do train, evaluate and fit run on the GPU with NumPy inputs and leave the model there?"""
    x, y = _data(256)
    model = ct.MNIST1DConvNet()
    losses = ct.train(model, x, y, epochs=2, batch_size=64, lr=1e-2, device="cuda")
    assert len(losses) == 2 and next(model.parameters()).is_cuda
    assert 0.0 <= ct.evaluate(model, x, y, device="cuda") <= 1.0
    fitted = ct.fit(ct.make_classifier(), x, y, device="cuda")
    assert next(fitted.parameters()).is_cuda
    assert 0.0 <= ct.evaluate(fitted, x, y) <= 1.0
