"""Q5 train: a device-agnostic, seeded mini-batch training loop that returns the mean loss of each epoch.

``train`` is tested on its own, on a small model the grader builds (Flatten, Linear(40, 32) ``fc1``, ReLU,
Linear(32, 10) ``fc2``) with initial weights the grader chooses, and a small synthetic problem, so a bug in
your networks does not cost these points. After each call the grader reads the trained weights back and
computes the loss of that model on the training data ITSELF: every case that trains needs the loss to go down.
Public cases: `epochs` Python floats; the loss goes down.
Hidden cases: same seed -> identical losses and weights, another seed -> different; the epoch loss is the
mean over all N samples (ragged last batch); the gradients are zeroed between steps (with lr=0 and one batch
per epoch the weights never move, so the grader computes the one-batch gradient itself and compares it with
the gradients ``train`` leaves in the model: a loop that never zeroes them leaves the sum over all epochs);
a model handed over in eval mode is trained in training mode (its BatchNorm's running statistics, read back, are those
of training-mode steps: the grader computes them); tensors and (N, 1, 40) input; ``device="cuda"`` without CUDA raises
RuntimeError. Where the model ends up (its device) is not graded: only the sandbox can see it.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import (
    call,
    case_rng,
    check_true,
    get_context,
    helper,
    model_grads,
    model_weights,
    parent_model,
    student,
    verified,
    weights_of,
    worker_has_cuda,
    worker_model,
    worker_support,
)

OK_FORMAT = False
name = "q05_train"


def _data(n, seed=0):
    """Synthetic MNIST-1D-shaped data: x (n, 40) float64, y (n,) int64; class c lights up positions 4c..4c+3.
    Drawn per student and submission (``case_rng``): a submission cannot bring weights fitted in advance."""
    return worker_support().block_signals(None, case_rng(f"train data {n} {seed}"), n)


def _small_model(kind="mlp"):
    """The factory of the grader's own copy of the small model (the worker builds the same one)."""
    return lambda: worker_support().small_model(None, kind)


def _initial_weights(seed=0, kind="mlp"):
    """The small model's initial weights, chosen by the grader (PyTorch's default initialisation, seeded)."""
    return weights_of(parent_model(_small_model(kind), seed=seed))


def _loss(state, x, y):
    """Mean cross-entropy of the small model with weights ``state`` on (x, y), computed in the grader."""
    import torch
    import torch.nn.functional as F

    model = parent_model(_small_model(), seed=None, state={k: np.asarray(v, dtype=np.float32) for k, v in state.items()})
    with torch.no_grad():
        out = model(torch.as_tensor(np.asarray(x, dtype=np.float32)).reshape(len(x), -1))
        return float(F.cross_entropy(out, torch.as_tensor(np.asarray(y)).long()))


def _run(train, x, y, *, case, sent=None, kind="mlp", eval_first=False, stale_grad=None, **kwargs):
    """The student's ``train(model, x, y, **kwargs)`` (``sent``: the ``(x, y)`` to send instead) on a fresh small
    model built where the student's code runs, with the grader's initial weights (in eval mode first with
    ``eval_first``; every ``.grad`` set to ``stale_grad`` when given). The losses must be one Python float per
    epoch. Returns ``(model, losses)``."""
    model = worker_model("train", train, "small_model", kind, state=_initial_weights(kind=kind))
    if eval_first:
        call("train", model.eval)
    if stale_grad is not None:
        helper("fill_gradients", "train", train, model, stale_grad)
    losses = student("train", train)(model, *(sent or (x, y)), case=case, **kwargs)
    check_true(type(losses) is list, f"'train' ({case}) did not return a list of floats")
    check_true(len(losses) == kwargs["epochs"], f"'train' ({case}) returned {len(losses)} losses: expected one per "
               f"epoch ({kwargs['epochs']})")
    check_true(all(type(v) is float for v in losses), f"'train' ({case}) returned a list of something other than "
               "Python floats (use loss.item())")
    check_true(all(np.isfinite(losses)), f"'train' ({case}) returned a loss that is NaN or infinite")
    return model, losses


def _weights(model, kind="mlp"):
    """The model's weights after ``train``, read back by name (the same layers as before, or a failure)."""
    weights, initial = model_weights("train", model), _initial_weights(kind=kind)
    check_true(set(weights) == set(initial) and all(weights[k].shape == v.shape for k, v in initial.items()),
               "'train' changed the model's layers (the grader reads back its weights by name)")
    return weights


def _train(train, x, y, **kwargs):
    """``_run`` on the grader's small MLP: ``(losses, weights)``, what ``train`` returned and the model's weights
    afterwards (read back, then checked by the grader)."""
    model, losses = _run(train, x, y, **kwargs)
    return losses, _weights(model)


def _check_trained(weights, x, y, case, factor=0.98):
    """The grader's own loss of the returned weights is below ``factor`` times that of the initial ones."""
    before, after = _loss(_initial_weights(), x, y), _loss(weights, x, y)
    check_true(after < factor * before, f"'train' ({case}) did not train the model: the grader computes a loss of "
               f"{after:.3f} after training, {before:.3f} before (expected below {factor:.0%} of it)")
    verified("train")


@test_case(points=1, hidden=False)
def train_returns_epoch_losses(train):
    """3 epochs -> a list of 3 finite Python floats, and the model is trained."""
    x, y = _data(200)
    _, weights = _train(train, x, y, epochs=3, batch_size=32, lr=1e-2, device="cpu", seed=0, case="epochs=3")
    _check_trained(weights, x, y, "epochs=3")


@test_case(points=1, hidden=False)
def train_loss_decreases(train):
    """On an easy problem the last epoch's loss is below 90% of the first's (lr 1e-2, 10 epochs: Adam gets
    far lower, plain SGD just passes), and the grader's own loss of the trained model agrees."""
    x, y = _data(300)
    losses, weights = _train(train, x, y, epochs=10, batch_size=32, lr=1e-2, device="cpu", seed=0, case="epochs=10")
    check_true(losses[-1] < 0.9 * losses[0], f"'train' loss did not go down: first epoch {losses[0]:.3f}, "
               f"last {losses[-1]:.3f} (expected the last below 90% of the first)")
    _check_trained(weights, x, y, "epochs=10", factor=0.9)
    # Loose on purpose: the last epoch's mean is taken over weights that still move (an unstable loop's last
    # step may end above it); only reports far below what the returned model does are flagged here.
    check_true(_loss(weights, x, y) <= 2.0 * losses[-1] + 0.25,
               "'train' reports epoch losses far below the loss of the model it returns")


@test_case(points=1, hidden=True)
def train_deterministic(train):
    x, y = _data(256, seed=1)
    kw = dict(epochs=3, batch_size=32, lr=1e-2, device="cpu")
    (la, wa), (lb, wb), (lc, _) = (_train(train, x, y, **kw, seed=s, case=f"seed {s}") for s in (3, 3, 4))
    _check_trained(wa, x, y, "seed 3")
    check_true(la == lb and all(np.array_equal(wa[k], wb[k]) for k in wa),
               "'train' is not deterministic on the CPU: two runs with the same seed and the same initial weights "
               "gave different losses or weights (shuffle with torch.Generator().manual_seed(seed))")
    check_true(la != lc, "'train' ignores its seed: seeds 3 and 4 gave identical losses (the seed must pick "
               "the shuffling order)")


@test_case(points=1, hidden=True)
def train_loss_is_epoch_mean(train):
    x, y = _data(100, seed=2)
    case = "lr=0, batch 30 of N=100"
    losses, weights = _train(train, x, y, epochs=2, batch_size=30, lr=0.0, device="cpu", seed=0, case=case)
    expected = _loss(_initial_weights(), x, y)   # lr=0: the weights never change; computed here
    check_true(all(abs(v - expected) <= 1e-5 * expected for v in losses),
               "'train' epoch loss is not the mean cross-entropy over all N samples (with lr=0 and a ragged last "
               "batch: weight each batch's mean loss by its size, divide by N)")
    check_true(all(np.array_equal(weights[k], v) for k, v in _initial_weights().items()),
               "'train' with lr=0 changed the weights")


def _full_batch_grad(x, y):
    """The gradient of the mean cross-entropy of the small model at its initial weights over all of (x, y),
    computed in the grader: ``{parameter name: ndarray}``."""
    import torch
    import torch.nn.functional as F

    model = parent_model(_small_model(), seed=None, state=_initial_weights())
    out = model(torch.as_tensor(np.asarray(x, dtype=np.float32)))
    F.cross_entropy(out, torch.as_tensor(np.asarray(y)).long()).backward()
    return {k: p.grad.numpy().astype(np.float64) for k, p in model.named_parameters()}


@test_case(points=1, hidden=True)
def train_zeroes_gradients(train):
    x, y = _data(96, seed=5)
    epochs = 4
    case = f"lr=0, {epochs} epochs of one batch"
    # handed over with stale gradients (as a model trained before would be): a loop that never runs backward
    # leaves them, one that zeroes before each backward leaves one batch's (or none, zeroing after its step)
    model, _ = _run(train, x, y, epochs=epochs, batch_size=len(x), lr=0.0, device="cpu", seed=0, case=case,
                    stale_grad=1.0)
    grads = model_grads("train", model)
    expected = _full_batch_grad(x, y)
    check_true(set(grads) == set(expected) and all(g is None or g.shape == expected[k].shape for k, g in grads.items()),
               "'train' changed the model's parameters (the grader reads back their gradients by name)")
    left = np.sqrt(sum(float(np.sum(g.astype(np.float64) ** 2)) for g in grads.values() if g is not None))
    one = np.sqrt(sum(float(np.sum(e ** 2)) for e in expected.values()))
    check_true(np.isfinite(left) and left <= 1.5 * one,
               f"'train' does not zero the gradients before each step: the model was handed over with gradients "
               f"left from before; with lr=0 and {epochs} epochs of one batch, the gradients it leaves in the model "
               f"are {left / one:.1f} times those of one batch (call optimizer.zero_grad() before each "
               "loss.backward())")


@test_case(points=1, hidden=True)
def train_sets_training_mode(train):
    """A model handed over in eval mode, with BatchNorm and dropout, must be trained in training mode
    (``model.train()`` before the loop). One batch of all N samples per epoch: each training-mode step moves
    BatchNorm's running mean a tenth of the way to the mean of x (running_mean = c * mean(x) with c = 1 - 0.9^k
    after k steps, running_var = (1 - c) + c * var(x)); in eval mode they stay 0 and 1. The grader computes both."""
    case = "model handed over in eval mode, with BatchNorm and dropout"
    x, y = _data(90, seed=6)
    model, _ = _run(train, x, y, kind="batchnorm_dropout", eval_first=True, epochs=3, batch_size=len(x), lr=1e-2,
                    device="cpu", seed=0, case=case)
    state = _weights(model, "batchnorm_dropout")
    xs = x.astype(np.float32).astype(np.float64)
    mean, var = xs.mean(axis=0), xs.var(axis=0, ddof=1)
    rm, rv = state["bn.running_mean"].astype(np.float64), state["bn.running_var"].astype(np.float64)
    c = float(rm @ mean / (mean @ mean)) if np.isfinite(rm).all() else 0.0
    check_true(0.09 <= c <= 1.0 + 1e-6 and np.allclose(rm, c * mean, rtol=1e-4, atol=1e-5)
               and np.allclose(rv, (1 - c) + c * var, rtol=1e-4, atol=1e-5),
               f"'train' ({case}) did not train in training mode: BatchNorm's running statistics are not those of "
               "training-mode steps on the data (call model.train() before the loop: the model may come in eval mode)")
    verified("train")


@test_case(points=1, hidden=True)
def train_tensors_and_device(train):
    import torch

    x, y = _data(120, seed=3)
    x_t = torch.as_tensor(x.astype(np.float32)).reshape(len(x), 1, 40)
    for case, sent, kwargs in (
            ("tensor input (N, 1, 40) float32", (x_t, torch.as_tensor(y)), {"batch_size": 33, "device": get_context().device}),
            ("float32 x, int32 y, device=None", (x.astype(np.float32), y.astype(np.int32)), {"batch_size": 50})):
        _, weights = _train(train, x, y, sent=sent, epochs=4, lr=1e-2, seed=0, case=case, **kwargs)
        _check_trained(weights, x, y, case)


@test_case(points=1, hidden=True)
def train_uses_requested_device(train):
    x, y = _data(64, seed=4)
    _, weights = _train(train, x, y, epochs=5, batch_size=16, lr=1e-2, device="cpu", seed=0, case="device='cpu'")
    _check_trained(weights, x, y, "device='cpu'")
    if worker_has_cuda(train):
        _, weights = _train(train, x, y, epochs=5, batch_size=16, lr=1e-2, device="cuda", seed=0, case="device='cuda'")
        _check_trained(weights, x, y, "device='cuda'")
    else:
        model = worker_model("train", train, "small_model", "mlp")
        student("train", train).refuses_missing_cuda(model, x, y, epochs=1, batch_size=64, lr=1e-3, seed=0)
