"""The trusted-parent / untrusted-worker sandbox (README, "Grading: the trust boundary").

The student's code never runs in the grader's process. A ``WorkerSession`` starts one long-lived
worker process per submission (``worker.py``, the untrusted side) under the strongest available
backend (``backends.REGISTRY``: ``bwrap`` > ``uid`` > refuse; ``process`` only when named), imports the
student file there, and answers calls with data only (``wire.py``: JSON + ``.npy`` with
``allow_pickle=False``, size-capped both ways; never pickle). Whatever the worker does (raise,
print 10 MB, loop, ``sys.exit``, ``os._exit``, fork-bomb, exhaust memory, write garbage to the
protocol pipe), the caller gets a ``CallResult`` with a status; it is never raised into, and never
blocked past the call's timeout.

Usage::

    from autograder.sandbox import WorkerSession, Limits, Handle, CallResult
    limits = Limits(call_timeout_s=10.0, memory_mb=2048, max_result_bytes=64 * 2**20,
                    max_output_bytes=1 * 2**20)
    with WorkerSession(submission_file=Path(".../cnn_numpy.py"), module_name="cnn_numpy",
                       backend="auto", limits=limits, device="cpu",
                       forbidden_imports=("torch", "scipy"), forbidden_reason="A1 must use NumPy only",
                       helper_files=[Path(".../worker_helpers.py")]) as s:
        s.backend, s.info.reason, s.warnings   # which backend, why, and its weaknesses (show them!)
        s.import_status      # CallResult of importing the student file
        r = s.call("conv2d", x, w, b, stride=2, padding=1)
        r.status             # ok | missing | error | timeout | crash | bad_result
        r.value              # data, TensorValue, or Handle(id, type_name) for anything else
        r.error, r.traceback, r.output, r.duration_s
        s.call_method(handle, "forward", x)                       # method of a worker-side object
        s.call_helper("worker_helpers", "train_and_predict", xs, ys, xt)  # helper(student_module, ...)
        s.get("CONSTANT")                                          # read an attribute, no call

API (signatures):

* ``WorkerSession(submission_file, module_name, *, backend="auto", limits=Limits(), device="cpu",
  forbidden_imports=(), forbidden_reason="", helper_files=(), need_torch=None, deadline=None,
  budget_s=None)`` (``deadline``: ``time.monotonic()`` by which the whole submission must be done)
  - ``.call(name, *args, **kwargs) -> CallResult``
  - ``.call_method(handle, method, *args, **kwargs) -> CallResult``
  - ``.call_helper(helper_module, name, *args, **kwargs) -> CallResult``
  - ``.get(name, handle=None) -> CallResult``; ``.release(*handles)``; ``.close()``
  - ``.backend`` (``"bwrap"``/``"uid"``/``"process"``), ``.info: SessionInfo``, ``.warnings: list[str]``,
    ``.import_status: CallResult``, ``.grader_error: bool`` (worker could not start: not the
    student's fault), ``.restarts``, ``.output_tail: bytearray`` (last ``max_output_bytes`` printed)
* ``Limits``, ``CallResult``, ``Handle``, ``TensorValue``, ``SessionInfo`` live in
  ``autograder.core.calls`` (plain dataclasses) and are re-exported here.
* ``available_backends() -> dict[str, str]``: backend -> why it is (not) usable here.

Value rules (``CallResult.value``): ``np.ndarray`` of exact type with a bool/int/float/complex/str
dtype; numpy scalars (``np.int64(3)`` stays ``np.int64``); ``int``/``float``/``bool``/``str``/
``None`` of exact builtin type; ``list``/``tuple``/``dict`` of these; ``torch.Tensor`` ->
``TensorValue(array, dtype, device, requires_grad, grad_fn)``; ``torch.device``/``torch.dtype``.
Anything else (``np.matrix``, other ndarray subclasses, object arrays, an object whose ``__eq__``
is always True, a ``str`` subclass, an ``nn.Module``) stays in the worker and comes back as a
``Handle``, which compares equal to no array. Arguments follow the same rules; torch tensors are
rebuilt with their dtype and ``requires_grad`` on ``device``; Handles may be passed back.
"""
from autograder.core.calls import (
    BAD_RESULT,
    CRASH,
    ERROR,
    MISSING,
    OK,
    STATUSES,
    TIMEOUT,
    CallResult,
    Handle,
    Limits,
    SessionInfo,
    TensorValue,
)
from autograder.sandbox.session import WorkerSession

__all__ = ["WorkerSession", "Limits", "Handle", "CallResult", "TensorValue", "SessionInfo",
           "available_backends", "OK", "MISSING", "ERROR", "TIMEOUT", "CRASH", "BAD_RESULT", "STATUSES"]


def available_backends() -> dict[str, str]:
    """``{name: why}`` of every backend of ``backends.REGISTRY`` (``bwrap``, ``uid``, ``process``),
    strongest first; a value starting with ``"unavailable"`` means unusable. ``auto`` uses the first
    usable backend that isolates and refuses when none is (``process`` runs only when named)."""
    from autograder.sandbox import backends

    return {name: b.availability() for name, b in backends.REGISTRY.items()}
