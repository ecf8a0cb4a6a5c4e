"""Q5 train: a device-agnostic, seeded mini-batch training loop that returns the mean loss of each epoch.

``train`` is tested on its own, on a small model the grader builds (Flatten, Linear(40, 32), ReLU,
Linear(32, 10), seeded) and a small synthetic problem, so a bug in your networks does not cost these points.
Public cases: `epochs` Python floats; the loss goes down.
Hidden cases: same seed -> identical losses and weights, another seed -> different; the epoch loss is the
mean over all N samples (ragged last batch); tensors and (N, 1, 40) input; the ``device`` argument is used.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import check_true, get_context, run_probe

OK_FORMAT = False
name = "q05_train"


def _data(n, seed=0):
    """Synthetic MNIST-1D-shaped data: x (n, 40) float64, y (n,) int64; class c lights up positions 4c..4c+3."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    x = rng.normal(size=(n, 40)) + np.eye(10)[y].repeat(4, axis=1) * 2.0
    return x, y


def _train(train, x, y, runs, layout="numpy"):
    return run_probe("a2_train_probe", "train", train, x, y, runs, layout)


def _check_losses(r, epochs, case):
    check_true(r["kind"] == "list", f"'train' ({case}) returned {r['kind']}: expected a list of floats")
    check_true(r["len"] == epochs, f"'train' ({case}) returned {r['len']} losses: expected one per epoch ({epochs})")
    check_true(r["floats"], f"'train' ({case}) returned a list of {r['item_kind']}: expected Python floats "
               "(use loss.item())")
    check_true(all(np.isfinite(r["values"])), f"'train' ({case}) returned a loss that is NaN or infinite")
    return r["values"]


@test_case(points=1, hidden=False)
def train_returns_epoch_losses(train):
    """3 epochs -> a list of 3 finite Python floats."""
    x, y = _data(200)
    (r,) = _train(train, x, y, [dict(epochs=3, batch_size=32, lr=1e-2, device="cpu", seed=0)])
    _check_losses(r, 3, "epochs=3")


@test_case(points=1, hidden=False)
def train_loss_decreases(train):
    """On an easy problem the last epoch's loss is below 90% of the first's (lr 1e-2, 10 epochs: Adam gets
    far lower, plain SGD just passes)."""
    x, y = _data(300)
    (r,) = _train(train, x, y, [dict(epochs=10, batch_size=32, lr=1e-2, device="cpu", seed=0)])
    losses = _check_losses(r, 10, "epochs=10")
    check_true(losses[-1] < 0.9 * losses[0], f"'train' loss did not go down: first epoch {losses[0]:.3f}, "
               f"last {losses[-1]:.3f} (expected the last below 90% of the first)")
    check_true(any(w != 0 for w in r["weights"]), "'train' left the model's weights at zero")


# BEGIN HIDDEN TESTS
def _device():
    return get_context().device
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def train_deterministic(train):
    x, y = _data(256, seed=1)
    kw = dict(epochs=3, batch_size=32, lr=1e-2, device="cpu")
    a, b, c = _train(train, x, y, [dict(kw, seed=3), dict(kw, seed=3), dict(kw, seed=4)])
    la, lb, lc = (_check_losses(r, 3, "seeded runs") for r in (a, b, c))
    check_true(la == lb and np.array_equal(a["weights"], b["weights"]),
               "'train' is not deterministic on the CPU: two runs with the same seed and the same initial weights "
               "gave different losses or weights (shuffle with torch.Generator().manual_seed(seed))")
    check_true(la != lc, "'train' ignores its seed: seeds 3 and 4 gave identical losses (the seed must pick "
               "the shuffling order)")


@test_case(points=1, hidden=True)
def train_loss_is_epoch_mean(train):
    x, y = _data(100, seed=2)
    (r,) = _train(train, x, y, [dict(epochs=2, batch_size=30, lr=0.0, device="cpu", seed=0)])
    losses = _check_losses(r, 2, "lr=0, batch 30 of N=100")
    expected = r["initial_loss"]
    check_true(all(abs(v - expected) <= 1e-5 * expected for v in losses),
               "'train' epoch loss is not the mean cross-entropy over all N samples (with lr=0 and a ragged last "
               "batch: weight each batch's mean loss by its size, divide by N)")


@test_case(points=1, hidden=True)
def train_tensors_and_device(train):
    x, y = _data(120, seed=3)
    (r,) = _train(train, x, y, [dict(epochs=2, batch_size=33, lr=1e-3, device=_device(), seed=0)], "tensor")
    _check_losses(r, 2, "tensor input (N, 1, 40) float32")
    (r,) = _train(train, x.astype(np.float32), y.astype(np.int32), [dict(epochs=1, batch_size=50, lr=1e-3, seed=0)])
    _check_losses(r, 1, "float32 x, int32 y, device=None")
    (r,) = _train(train, x, y, [dict(epochs=1, batch_size=64, lr=1e-3, device=_device(), seed=0)])
    want = "cuda" if _device().startswith("cuda") else "cpu"
    check_true(r["devices"] and all(d.startswith(want) for d in r["devices"]),
               f"'train' (device='{_device()}') left the model on {r['devices']}: move it with model.to(device)")


@test_case(points=1, hidden=True)
def train_uses_requested_device(train):
    x, y = _data(64, seed=4)
    r = run_probe("a2_device_request_probe", "train", train, "train", x, y)
    check_true(r["cpu_error"] is None, f"'train' (device='cpu') raised {r['cpu_error']}")
    if r["cuda_available"]:
        check_true(r["raised"] is None, f"'train' (device='cuda') raised {r['raised']}: {r['message']}")
        check_true(all(d.startswith("cuda") for d in r["devices"]),
                   f"'train' (device='cuda') left the model on {r['devices']}")
    else:
        check_true(r["raised"] is not None, "'train' (device='cuda' on a machine without CUDA) ran anyway: it "
                   "ignores its device argument (pass it through get_device, which raises RuntimeError)")
