"""The student's objects, reached the same way under the engine and in-process.

Under the engine the names a test receives are proxies (``autograder/grade/proxies.py``): calling one,
or a method of an object it returned, is a call into the sandboxed worker, and a tensor comes back as a
``TensorValue`` (data). Under plain ``otter run`` and ``check`` they are the real functions and objects.
These helpers hide the difference, so a torch test reads::

    model = helper("build", "ConvNet", ConvNet, ConvNet, 0)   # seeded cls(), where the student's code runs
    call("ConvNet", model.eval)
    logits = as_array(call("ConvNet", model, torch.as_tensor(x)))

Points come only from data the test compares with its own computation on inputs it chose (README, "Grading:
the trust boundary"): a helper's result is the student's word and is used only as data to check.
"""
from __future__ import annotations

import contextlib

import numpy as np

from autograder.checks import inworker
from autograder.checks.compare import _student_error, call
from autograder.checks.errors import StudentCallError


def helper_function(fn: str):
    """The trusted worker-side function ``fn``, loaded in this process: the assignment's ``[support] worker``
    file first, then ``autograder/checks/inworker.py``. An unknown name is the test author's error (a
    ``LookupError``: a grader error, never the student's)."""
    from autograder.checks.context import worker_support

    for module in (worker_support(), inworker):
        if module is not None and callable(getattr(module, fn, None)):
            return getattr(module, fn)
    raise LookupError(f"no worker helper {fn!r}: define it in the assignment's [support] worker file "
                      "(assignment.toml) or in autograder/checks/inworker.py")


def helper(fn: str, name: str, anchor, *args, timeout_s: float | None = None):
    """The worker helper ``fn(student module, *args)`` (``helper_function``), run where the student's code
    runs (``anchor``: any student function or object of this submission, to find its worker; ``name`` for
    messages). Student objects among ``args`` travel as handles. Its result is the student's word."""
    if anchor is None:
        raise StudentCallError(f"'{name}' is not defined: write it in your submission file", kind="missing")
    run = getattr(anchor, "run_helper", None)
    if run is not None:
        return run(fn, *args, timeout_s=timeout_s)
    function = helper_function(fn)
    try:
        return function(None, *args)
    except Exception as exc:  # in-process: the student's code raised inside the helper
        raise _student_error(name, exc) from None


def call_timed(name: str, fn, timeout_s: float, *args, **kwargs):
    """``call`` with a time limit other than the per-call default (a training budget). Under the engine
    the worker is stopped at the limit. In-process, inside ``deadlines()`` (verify's sweep of trusted
    mutants) the call is interrupted (``within_deadline``) when it runs Python
    code past the limit; elsewhere in-process (``otter run``, ``check``) it runs to its end."""
    timed = getattr(fn, "call_timed", None)
    if timed is not None and fn is not None:
        return timed(timeout_s, *args, **kwargs)
    if not _DEADLINES["on"]:  # plain `otter run`, `check`: runs to its end (a slow laptop still gets an answer)
        with one_torch_thread():  # as in the worker: the budget was set for one thread
            return call(name, fn, *args, **kwargs)
    try:
        return within_deadline(timeout_s, call, name, fn, *args, **kwargs)
    except DeadlinePassed:
        raise StudentCallError(f"'{name}' did not return within {timeout_s:g} s", kind="timeout") from None


_DEADLINES = {"on": False}


@contextlib.contextmanager
def one_torch_thread():
    """torch on one intra-op thread during the block (only if torch is loaded), restored afterwards."""
    import sys

    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(1)
    try:
        yield
    finally:
        if torch is not None:
            torch.set_num_threads(before)


@contextlib.contextmanager
def deadlines():
    """Within the block, in-process ``call_timed`` calls are stopped at their limit (``within_deadline``):
    verify's in-process sweep of trusted mutants uses it (``batch.sweep_one``: one mutant never
    returns); ``grade_in_process`` elsewhere, plain ``otter run`` and ``check`` do not (a training slowed
    by a loaded machine still ends and is judged)."""
    before, _DEADLINES["on"] = _DEADLINES["on"], True
    try:
        yield
    finally:
        _DEADLINES["on"] = before


class DeadlinePassed(BaseException):
    """Raised into the thread of an in-process call that ran past its deadline (``within_deadline``). A
    BaseException, so that an ``except Exception`` in the called code does not swallow it."""


def within_deadline(timeout_s: float, fn, *args, **kwargs):
    """``fn(*args, **kwargs)`` in this thread; past ``timeout_s`` seconds, ``DeadlinePassed`` is raised into
    it once (CPython delivers it at the next Python bytecode: a loop of Python code stops, a long C call
    stops when it returns). In-process only: the sandbox stops a worker by killing it. The single shot is
    disarmed under a lock when the call ends, and an undelivered one is cleared, so it never lands in the
    caller's code afterwards."""
    import ctypes
    import threading

    ident, lock, state = threading.get_ident(), threading.Lock(), {"done": False, "fired": False}

    def fire():
        with lock:
            if not state["done"]:
                state["fired"] = True
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), ctypes.py_object(DeadlinePassed))

    timer = threading.Timer(timeout_s, fire)
    timer.daemon = True
    timer.start()
    try:
        return fn(*args, **kwargs)
    finally:
        with lock:
            state["done"] = True
        timer.cancel()
        if state["fired"]:  # fired but perhaps not yet delivered: clear it (a delivered one is on its way up)
            ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(ident), None)


def attribute(name: str, obj, attr: str):
    """``obj.attr`` (not called): data, or a student object."""
    if obj is None:
        raise StudentCallError(f"'{name}' is not defined: write it in your submission file", kind="missing")
    if hasattr(type(obj), "run_helper"):  # an engine proxy: read the attribute in the worker
        return getattr(obj, attr).get()
    try:
        return getattr(obj, attr)
    except Exception as exc:  # noqa: BLE001 - a hostile __getattr__, in-process
        raise _student_error(name, exc) from None


def is_tensor(value) -> bool:
    """A torch tensor: a ``TensorValue`` from the worker, or a real ``torch.Tensor`` in-process."""
    if type(value).__name__ == "TensorValue":
        return True
    try:
        import torch
    except ImportError:
        return False
    return isinstance(value, torch.Tensor)


def as_array(value):
    """A tensor's values as an ndarray (None if ``value`` is not a tensor)."""
    if type(value).__name__ == "TensorValue":
        return value.array
    if is_tensor(value):
        t = value.detach().cpu()
        return (t.float() if t.dtype in (__import__("torch").bfloat16,) else t).numpy()
    return None


#: torch dtypes a message may name (a worker-side string is shown only if it is one of these).
_DTYPES = {f"torch.{n}" for n in ("float16", "bfloat16", "float32", "float64", "int8", "int16", "int32", "int64",
                                  "uint8", "bool", "complex64", "complex128")}


def tensor_dtype(value) -> str:
    """A tensor's dtype as torch prints it (``"torch.float32"``), or ``"not a tensor"``."""
    if not is_tensor(value):
        return "not a tensor"
    text = str(value.dtype)
    return text if text in _DTYPES else "an unknown dtype"


def tensor(x, dtype=None, requires_grad: bool = False):
    """A CPU tensor the parent sends (a copy of ``x``)."""
    import torch

    t = torch.tensor(np.asarray(x), dtype=dtype)
    return t.requires_grad_(True) if requires_grad else t


# =====================================================================================================
# torch models: the student's networks, reached through their own API
# =====================================================================================================


def is_proxy(obj) -> bool:
    """True for the engine's proxies (the student's code runs in a sandboxed worker)."""
    return hasattr(type(obj), "run_helper")


def worker_has_cuda(anchor) -> bool:
    """Whether the student's code sees a CUDA GPU, known to the parent: under the engine the worker sees one
    only when the grading run asked for ``--device cuda`` (``autograder/sandbox/backends.py`` hides GPUs from
    CPU runs); in-process it is this process's torch."""
    from autograder.checks.context import get_context

    if is_proxy(anchor):
        return get_context().device.startswith("cuda")
    import torch

    return bool(torch.cuda.is_available())


def build_model(name: str, cls):
    """``cls()``, called by the grader itself (not through a helper, which the submission could replace to
    hand back an object its class does not build): a student object."""
    return call(name, cls)


def _numeric_arrays(name: str, value, what: str, *, none_ok: bool = False) -> dict:
    """``value`` when it is ``{str: numeric ndarray}`` (``None`` values too with ``none_ok``), else the
    student's failure naming ``what``: a helper's reply is the student's word (the worker can hand back text
    arrays, which the parent's arithmetic would turn into a grader error)."""
    from autograder.checks.compare import check_true

    check_true(type(value) is dict and all(
        type(k) is str and ((v is None and none_ok) or (type(v) is np.ndarray and v.dtype.kind in "biuf"))
        for k, v in value.items()), f"'{name}': {what} could not be read as named numeric arrays")
    return value


def model_weights(name: str, model) -> dict:
    """``model.state_dict()`` as ``{name: numeric ndarray}``: the student's word, used only as data the parent
    loads into its own copy of an architecture."""
    return _numeric_arrays(name, helper("state_arrays", name, model, model), "its state_dict")


def model_grads(name: str, model) -> dict:
    """``{parameter name: p.grad as a numeric ndarray, or None}``: the gradients a training loop left in
    ``model``; the student's word, used only as data the parent compares with its own gradients."""
    return _numeric_arrays(name, helper("grad_arrays", name, model, model), "its parameters' gradients",
                           none_ok=True)


def load_weights(name: str, model, state: dict) -> None:
    """``model.load_state_dict(state)`` (strict), with the parent's arrays sent as tensors."""
    import torch

    call(name, model.load_state_dict, {k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})


def logits(name: str, model, x: np.ndarray, *, n_classes: int = 10, batch: int = 500) -> np.ndarray:
    """The student's ``model`` (moved to the grading device and put in eval mode first) on the parent's float32
    ``x``, in batches: float logits
    ``(N, n_classes)`` as an ndarray, checked for type and shape."""
    import torch

    from autograder.checks.compare import check_true
    from autograder.checks.context import get_context

    if is_proxy(model) and get_context().device != "cpu":  # tensor arguments go to the device: the model too
        call(name, model.to, get_context().device)
    call(name, model.eval)
    out = []
    for start in range(0, len(x), batch):
        xb = np.asarray(x[start:start + batch], dtype=np.float32)
        got = call(name, model, torch.as_tensor(xb))
        arr = as_array(got)
        check_true(arr is not None, f"'{name}' forward returned {type(got).__name__}: expected a tensor of logits")
        check_true(arr.shape == (len(xb), n_classes) and arr.dtype.kind == "f",
                   f"'{name}' maps a batch of {len(xb)} inputs to an array of shape {arr.shape}, dtype {arr.dtype}: "
                   f"expected float logits ({len(xb)}, {n_classes})")
        out.append(arr)
    return np.concatenate(out) if out else np.zeros((0, n_classes), np.float32)


def predictions(name: str, model, x: np.ndarray) -> np.ndarray:
    """Arg-max class of the student's ``model`` for each row of the parent's ``x`` (labels never leave the
    parent: accuracy is counted by the caller)."""
    from autograder.checks.compare import check_true

    z = logits(name, model, x)
    check_true(bool(np.isfinite(z).all()), f"'{name}' returned NaN or infinite logits")
    return z.argmax(axis=1)
