"""A1's worker-side helpers ([support] worker of assignment.toml): run where the student's code runs.

Copied into each worker session under a random module name, next to the engine's generic helpers
(``autograder/checks/inworker.py``), and called with ``autograder.checks.helper(name, ...)``; under plain
otter and ``check`` they run in-process. First argument: the student module. What comes back is data the
parent compares with its own computation on inputs it chose (``numerical_gradient_restores`` is shown to
the student for information and is worth no points). NumPy only: A1 workers never import torch.
"""
import numpy as np


def scalar_function(_module, spec):
    """The scalar function ``f(x)`` described by the data ``spec`` (kept in the worker: the parent gets a
    handle and passes it to the student's ``numerical_gradient`` itself). Kinds, computed in float64 whatever
    x's dtype:

    * ``{"kind": "cubic", "c": C}``: ``sum(c * x**3)``
    * ``{"kind": "mix", "a": A, "b": B, "c": C}``: ``sum(c * sin(a * x)) + 0.5 * (sum(b * x))**2``
      (every element's gradient depends on every other element through the square: an ``x`` left
      perturbed after one element changes the next elements' results)
    """
    kind = spec["kind"]
    if kind == "cubic":
        c = np.array(spec["c"], dtype=np.float64)
        return lambda x: float(np.sum(c * np.asarray(x).astype(np.float64) ** 3))
    if kind == "mix":
        a, b, c = (np.array(spec[k], dtype=np.float64) for k in ("a", "b", "c"))

        def f(x):
            v = np.asarray(x).astype(np.float64)
            return float(np.sum(c * np.sin(a * v)) + 0.5 * float(np.sum(b * v)) ** 2)
        return f
    raise ValueError(f"unknown scalar function kind {kind!r}")


def numerical_gradient_restores(module, numerical_gradient, spec, x, h):
    """For information only (no points): is ``x`` bit-for-bit unchanged after ``numerical_gradient``?
    (``f`` reads ``x`` through a closure here, CS231n style.)"""
    x = np.array(x, copy=True)
    before = x.tobytes()
    f = scalar_function(module, spec)
    numerical_gradient(lambda _unused: f(x), x, h)
    return x.tobytes() == before


def numerical_gradient_layout(module, numerical_gradient, spec, x, h, layout):
    """``numerical_gradient(f, x, h)`` with ``x`` handed over in a memory layout that the transfer to the
    worker would not keep: ``"F"`` a Fortran-order copy, ``"strided"`` a view of every other column of a
    wider array (neither is C-contiguous: ``x.reshape(-1)`` is a copy). Returns the student's gradient,
    which the parent compares with its own central differences."""
    x = np.array(x, copy=True)
    if layout == "F":
        x = np.asfortranarray(x)
    elif layout == "strided":
        wide = np.zeros((*x.shape[:-1], 2 * x.shape[-1]), dtype=x.dtype)
        wide[..., ::2] = x
        x = wide[..., ::2]
    else:
        raise ValueError(f"unknown layout {layout!r}")
    return numerical_gradient(scalar_function(module, spec), x, h)
