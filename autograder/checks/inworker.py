"""Small trusted conveniences that run where the student's code runs; nothing they say earns a point.

Under the engine this file is copied into the worker under a per-session random module name and called
with ``WorkerSession.call_helper`` (first argument: the student module); under plain otter and ``check``
it runs in-process (``autograder.checks.remote.helper``). The student's code can read and replace
anything in the worker, this module included, so every function here only *builds* things the parent
then uses through the student's own API: a seeded instance of the student's class, a small trusted
model, an autograd context, the weights of a model as arrays, a scalar function for
``numerical_gradient``. What comes back is data that the parent compares with its own computation on
inputs it chose; a replaced helper can at most compute the right answer itself (which is the work the
question asks for). The one report that cannot be checked that way, ``inputs_unchanged``, is shown to
the student for information and is worth no points.

Imports nothing but NumPy at module level (A1 workers never import torch).
"""
import numpy as np

# =====================================================================================================
# A1
# =====================================================================================================


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


def inputs_unchanged(_module, fn, args, kwargs):
    """For information only (no points): did ``fn(*args, **kwargs)`` leave its ndarray arguments unchanged,
    bit for bit? Returns True or False (None when the call raised)."""
    values = list(args) + list(kwargs.values())
    before = [np.array(v, copy=True) if isinstance(v, np.ndarray) else None for v in values]
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the student's error is graded elsewhere
        return None
    return all(b is None or (a.shape == b.shape and a.tobytes() == b.tobytes())
               for a, b in zip(values, before, strict=True))


# =====================================================================================================
# A2 (each function imports torch itself)
# =====================================================================================================


class AutogradCtx:
    """Stands for the ``ctx`` torch passes to ``Function.forward``/``backward`` when the grader calls
    them directly (``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, attributes)."""

    def __init__(self, needs_input_grad):
        self.needs_input_grad = tuple(bool(v) for v in needs_input_grad)
        self.saved_tensors = ()
        self.materialize_grads = True

    def save_for_backward(self, *tensors):
        self.saved_tensors = tuple(tensors)

    @property
    def saved_variables(self):
        return self.saved_tensors

    def mark_dirty(self, *args):
        pass

    def mark_non_differentiable(self, *args):
        pass

    def set_materialize_grads(self, value):
        self.materialize_grads = bool(value)


def new_ctx(_module, needs_input_grad):
    """A fresh ``AutogradCtx`` (kept in the worker; the parent holds a handle)."""
    return AutogradCtx(needs_input_grad)


def build(_module, cls, seed):
    """``cls()`` after ``torch.manual_seed(seed)``, without changing the caller's global random state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(int(seed))
        return cls()


def small_model(_module, kind):
    """A trusted model whose weights the parent loads by name and whose forward it recomputes itself:
    ``"mlp"`` = Flatten, Linear(40, 32) ``fc1``, ReLU, Linear(32, 10) ``fc2``; ``"linear_dropout"`` =
    Flatten, Linear(40, 10) ``fc``, Dropout(0.5) (only eval mode predicts deterministically)."""
    import torch

    nn = torch.nn
    if kind == "mlp":
        layers = [("flat", nn.Flatten()), ("fc1", nn.Linear(40, 32)), ("relu", nn.ReLU()), ("fc2", nn.Linear(32, 10))]
    elif kind == "linear_dropout":
        layers = [("flat", nn.Flatten()), ("fc", nn.Linear(40, 10)), ("drop", nn.Dropout(0.5))]
    else:
        raise ValueError(f"unknown small model {kind!r}")
    from collections import OrderedDict

    return nn.Sequential(OrderedDict(layers))


def grad_arrays(_module, model):
    """``{parameter name: p.grad as a float ndarray, or None}`` of ``model`` (on the CPU): the gradients a
    training loop left behind. The student's word: the parent only compares them with its own gradients."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(model).__module__}.{type(model).__qualname__}")
    return {str(k): None if p.grad is None else p.grad.detach().cpu().numpy() for k, p in model.named_parameters()}


def state_arrays(_module, model):
    """``model.state_dict()`` as ``{name: float ndarray}`` (on the CPU). The parent loads these into its own
    copy of the architecture; nothing here is believed without that check."""
    import torch

    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"expected a torch.nn.Module, got {type(model).__module__}.{type(model).__qualname__}")
    return {str(k): v.detach().cpu().numpy() for k, v in model.state_dict().items() if isinstance(v, torch.Tensor)}
