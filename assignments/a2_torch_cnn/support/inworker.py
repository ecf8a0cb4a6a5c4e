"""A2's worker-side helpers ([support] worker of assignment.toml): run where the student's code runs.

Copied into each worker session under a random module name, next to the engine's generic helpers
(``autograder/checks/inworker.py``), and called with ``autograder.checks.helper(name, ...)``; under plain
otter and ``check`` they run in-process. First argument: the student module. Nothing they return earns a
point by itself: the parent uses it only through the student's own API or as data it checks.
Imports torch inside each function (the worker imports this module before the student's code needs torch).
"""


def small_model(_module, kind):
    """A trusted model whose weights the parent loads by name and whose forward it recomputes itself, sized
    for MNIST-1D (40 inputs, 10 classes): ``"mlp"`` = Flatten, Linear(40, 32) ``fc1``, ReLU, Linear(32, 10)
    ``fc2``; ``"linear_dropout"`` = Flatten, Linear(40, 10) ``fc``, Dropout(0.5) (only eval mode predicts
    deterministically); ``"batchnorm_dropout"`` = Flatten, BatchNorm1d(40) ``bn``, Linear(40, 10) ``fc``,
    Dropout(0.5) (only training mode updates ``bn``'s running statistics, which the parent recomputes)."""
    from collections import OrderedDict

    import torch

    nn = torch.nn
    if kind == "mlp":
        layers = [("flat", nn.Flatten()), ("fc1", nn.Linear(40, 32)), ("relu", nn.ReLU()), ("fc2", nn.Linear(32, 10))]
    elif kind == "linear_dropout":
        layers = [("flat", nn.Flatten()), ("fc", nn.Linear(40, 10)), ("drop", nn.Dropout(0.5))]
    elif kind == "batchnorm_dropout":
        layers = [("flat", nn.Flatten()), ("bn", nn.BatchNorm1d(40)), ("fc", nn.Linear(40, 10)),
                  ("drop", nn.Dropout(0.5))]
    else:
        raise ValueError(f"unknown small model {kind!r}")
    return nn.Sequential(OrderedDict(layers))


def fill_gradients(_module, model, value):
    """Set every parameter's ``.grad`` of ``model`` to ``value``: stale gradients that a training loop must
    clear before its first ``backward`` (a loop that never runs ``backward`` leaves them, and is not taken for
    one that zeroes them)."""
    import torch

    with torch.no_grad():
        for p in model.parameters():
            p.grad = torch.full_like(p, float(value))


def block_signals(_module, rng, n):
    """An easy synthetic MNIST-1D-shaped problem drawn from ``rng`` (the grader's ``case_rng``, so nothing can
    be fitted in advance): ``x`` (n, 40) float64, unit noise plus 2 on positions 4c..4c+3 of class c, and
    ``y`` (n,) int64. Called by the test files in the grader (q05, q08), not in the worker."""
    import numpy as np

    y = rng.integers(0, 10, n)
    return rng.normal(size=(n, 40)) + np.eye(10)[y].repeat(4, axis=1) * 2.0, y
