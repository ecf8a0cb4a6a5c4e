"""Generic trusted helpers that run where the student's code runs; nothing they say earns a point.

Under the engine this file is copied into the worker under a per-session random module name and called
with ``WorkerSession.call_helper`` (first argument: the student module); under plain otter and ``check``
it runs in-process (``autograder.checks.remote.helper``). An assignment adds its own helpers in the file
its assignment.toml names as ``[support] worker`` (copied the same way; ``docs/authoring.md``). The
student's code can read and replace anything in the worker, this module included, so every function here
only *builds* things the parent then uses through the student's own API (a seeded instance of the
student's class, an autograd context) or returns data the parent checks against its own computation (the
weights of a model, loaded into the parent's copy of the architecture). A replaced helper can at most
compute the right answer itself (which is the work the question asks for). The one report that cannot be
checked that way, ``inputs_unchanged``, is shown to the student for information and is worth no points.

Imports nothing but NumPy at module level (a NumPy-only assignment's workers never import torch).
"""
import numpy as np


def inputs_unchanged(_module, fn, args, kwargs):
    """For information only (no points): did ``fn(*args, **kwargs)`` leave its ndarray arguments unchanged,
    bit for bit? Returns True or False (None when the call raised)."""
    values = list(args) + list(kwargs.values())
    before = [np.array(v, copy=True) if isinstance(v, np.ndarray) else None for v in values]
    try:
        fn(*args, **kwargs)
    except Exception:  # noqa: BLE001 - the student's error is graded elsewhere
        return None
    return all(b is None or (a.shape == b.shape and a.tobytes() == b.tobytes()) for a, b in zip(values, before, strict=True))


# =====================================================================================================
# torch (each function imports torch itself)
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
