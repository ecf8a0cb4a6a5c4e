"""Probes: small trusted routines that call a student's function and report plain data.

They exist for checks that cannot be phrased as "call with data, compare the data that comes
back": did the call modify its inputs; does ``numerical_gradient`` restore ``x`` and use central
differences when ``f`` is a Python function. Under the engine a probe runs INSIDE the worker
(``autograder.checks.compare.run_probe`` sends it there; this file is copied into the sandbox, so
it imports nothing but NumPy); under plain otter it runs in-process. Either way it returns data.
"""
import numpy as np


def _copies(values):
    return [np.array(v, copy=True) if isinstance(v, np.ndarray) else v for v in values]


def inputs_unchanged(fn, args, kwargs):
    """Call ``fn(*args, **kwargs)``; True if no ndarray argument changed (bit for bit)."""
    before = _copies(list(args) + list(kwargs.values()))
    fn(*args, **kwargs)
    after = list(args) + list(kwargs.values())
    return all(not isinstance(b, np.ndarray) or (a.shape == b.shape and a.tobytes() == b.tobytes())
               for a, b in zip(after, before))


def numerical_gradient_probe(fn, x, c, h):
    """Run the student's ``numerical_gradient`` on ``f(x) = sum(c * x**3)`` read through a closure.

    Returns ``{"grad": ndarray or None, "restored": bool, "calls": int}``: ``restored`` is True when
    ``x`` is bit-for-bit unchanged afterwards; ``calls`` counts evaluations of ``f``.
    """
    x = np.array(x, copy=True)
    pristine = x.tobytes()
    calls = [0]

    def f(_unused_arg):
        calls[0] += 1
        return float(np.sum(c * x**3))  # reads x through the closure, CS231n style

    grad = fn(f, x, h)
    return {"grad": grad if isinstance(grad, np.ndarray) and type(grad) is np.ndarray else None,
            "restored": x.tobytes() == pristine, "calls": calls[0]}


def run_in_worker(module, probe, fn_name, *args):
    """Entry point used by the sandbox (``WorkerSession.call_helper("probes", "run_in_worker", ...)``):
    run ``probe`` on the student module's ``fn_name`` (a name, or a list of names: then the probe
    gets a tuple of the student's objects)."""
    target = tuple(getattr(module, n) for n in fn_name) if isinstance(fn_name, (list, tuple)) \
        else getattr(module, fn_name)
    return globals()[probe](target, *args)
