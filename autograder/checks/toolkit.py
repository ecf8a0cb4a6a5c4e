"""The common checks of a test file, one line each.

A test case names the student's function once and says what it checks::

    from autograder.checks import student

    @test_case(points=1, hidden=True)
    def pad2d_example(pad2d):
        f = student("pad2d", pad2d)
        f.same(x, (1, 2), case="random 4-D array, pair padding")      # values, vs the reference
        f.dtype(x.astype(np.float32), 1, case="float32 in: float32 out")
        f.raises(ValueError, x, -1, case="padding -1")

``same`` computes the reference FIRST (on the pristine inputs), in this trusted process, then calls the
student's function and compares. Value checks compare values only; a question's dtype rules are scored
in its own dtype case (``dtype``), so one dtype slip is not charged again in every value case (the rule
is written in each assignment's handout). Every failure, a crash included, names the case label.

For torch code the parent sends tensors and checks values it computes itself: ``f.tensor(*tensors(x, w))`` (the
student's output tensor's values), ``autograd_forward`` (an autograd Function's forward called with a fresh ctx),
``torch_values``/``torch_grads`` (the oracle's values and gradients), ``parent_model`` (the parent's own seeded
copy of a model, a state loaded by name), ``worker_model`` (a trusted model built where the student's code
runs, handed to the function under test), ``f.refuses_missing_cuda`` (the device rule) and ``cached`` (a
training run shared by the cases of a submission).

Works the three ways a test file runs: under the engine (the student's functions are proxies to the
sandboxed worker), under plain ``otter run`` and in the student bundle's ``check`` (the real functions,
called in-process); the bundle ships this package.
"""
from __future__ import annotations

import contextlib

import numpy as np

from autograder.checks.compare import (
    _check_same,
    _is_int,
    call,
    check_array,
    check_int,
    check_ints,
    check_scalar,
    check_true,
    expect_array,
    expect_raises,
    inputs_kept,
    verified,
)
from autograder.checks.context import case_rng, per_submission, reference
from autograder.checks.errors import CheckFailure, StudentCallError
from autograder.checks.remote import as_array, helper, load_weights, tensor

INFO = "for information, worth no points: only the sandbox sees this, so it is your code's word"


def pair(value) -> tuple:
    """``(v, v)`` for an int, ``tuple(value)`` for a pair: the int-or-pair rule of the 2-D arguments."""
    return (value, value) if isinstance(value, (int, np.integer)) else tuple(value)


@contextlib.contextmanager
def labelled(name: str, case: str):
    """Inside the block, a crash of the student's ``name`` (it raised, timed out, died) names ``case``."""
    try:
        yield
    except StudentCallError as exc:
        if not case or exc.kind == "missing" or f"({case})" in str(exc):
            raise
        text, head = str(exc), f"'{name}'"
        text = text.replace(head, f"{head} ({case})", 1) if text.startswith(head) else f"{head} ({case}): {text}"
        raise StudentCallError(text, kind=exc.kind, exc_type=exc.exc_type, mro=exc.mro) from None


class Student:
    """One function of the submission, named once: ``f = student("conv2d", conv2d)``."""

    def __init__(self, name: str, fn):
        self.name, self.fn = name, fn

    def __call__(self, *args, case: str = "", **kwargs):
        """The student's ``fn(*args, **kwargs)``; a crash names ``case``."""
        with labelled(self.name, case):
            return call(self.name, self.fn, *args, **kwargs)

    def expect(self, expected, *args, case: str, what: str = "", rtol: float | None = None, atol: float | None = None,
               **kwargs):
        """The student's result must equal the literal ``expected`` (an array: values only; an int; a nested
        tuple of ints; a float). Returns the student's result."""
        got = self(*args, case=case, **kwargs)
        self.compare(got, expected, case=case, what=what, rtol=rtol, atol=atol)
        return got

    def compare(self, got, expected, *, case: str, what: str = "", rtol: float | None = None,
                atol: float | None = None) -> None:
        """Check ``got`` (the student's result) against ``expected`` (values only for arrays)."""
        if isinstance(expected, np.ndarray):
            check_array(self.name, got, expected, case=case, what=what, rtol=rtol, atol=atol, dtype=False)
        elif _is_int(expected):
            check_int(self.name, got, expected, case=case)
        elif isinstance(expected, float):
            tol = {k: v for k, v in (("rtol", rtol), ("atol", atol)) if v is not None}
            check_scalar(self.name, got, expected, case=case, **tol)
        elif isinstance(expected, (tuple, list)) and not any(isinstance(e, np.ndarray) or e is None for e in expected):
            check_ints(self.name, got, expected, case=case)
        else:
            _check_same(self.name, got, expected, case, what)

    def same(self, *args, case: str, what: str = "", **kwargs):
        """The student's ``fn(*args, **kwargs)`` must equal the reference's, computed FIRST on the pristine
        inputs (values only for arrays). Returns the student's result."""
        expected = getattr(reference(), self.name)(*args, **kwargs)
        return self.expect(expected, *args, case=case, what=what, **kwargs)

    def dtype(self, *args, case: str, **kwargs) -> None:
        """The dtype rule, alone: the student's result is an ndarray of the reference's dtype (shape and
        values are scored in the value cases, not charged again here)."""
        expected = np.asarray(getattr(reference(), self.name)(*args, **kwargs))
        got = self(*args, case=case, **kwargs)
        if type(got) is not np.ndarray:
            expect_array(self.name, got, expected.shape, case=case)         # the message for a non-array
        check_true(got.dtype == expected.dtype, f"'{self.name}' ({case}) has the wrong dtype: got {got.dtype}, "
                                                f"expected {expected.dtype}")

    def valid_call(self, *args, case: str = "a valid call first", **kwargs) -> None:
        """The valid call that ``raises`` needs first in a case: the result has the reference's shape and a
        numeric dtype (values and dtype are scored in their own cases, not charged again here)."""
        expected = np.asarray(getattr(reference(), self.name)(*args, **kwargs))
        expect_array(self.name, self(*args, case=case, **kwargs), expected.shape, kinds="biuf", case=case)
        verified(self.name)

    def tensor(self, *args, case: str = "", **kwargs) -> np.ndarray:
        """The student's ``fn(*args, **kwargs)``, which must return a torch tensor: its values as an ndarray
        (the student's word, for the caller to check)."""
        got = self(*args, case=case, **kwargs)
        values = as_array(got)
        check_true(values is not None, f"'{self.name}'{f' ({case})' if case else ''} did not return a torch.Tensor")
        return values

    def refuses_missing_cuda(self, *args, **kwargs) -> None:
        """``fn(*args, device="cuda", **kwargs)`` must raise RuntimeError on a machine without CUDA (after a
        checked valid call in the case): a requested device that is not there is an error, not a silent CPU run."""
        self.raises(RuntimeError, *args, device="cuda", **kwargs,
                    case="device='cuda' on a machine without CUDA: an unavailable device is an error")

    def raises(self, error, *args, case: str, **kwargs) -> None:
        """The student's ``fn(*args, **kwargs)`` must raise ``error`` (after a checked valid call in the case)."""
        expect_raises(error, self.name, self.fn, *args, case=case, **kwargs)

    def keeps_inputs(self, *args, what: str, **kwargs) -> None:
        """For information (a zero-point case): the call left its array arguments unchanged. ``what`` names
        them for the message ("x", "x, w or b")."""
        check_true(inputs_kept(self.name, self.fn, args, kwargs) is not False,
                   f"'{self.name}' modified its input arrays: never write into {what} ({INFO})")


def student(name: str, fn) -> Student:
    """The student's function ``fn``, called ``name`` in messages and in the reference."""
    return Student(name, fn)


# ---- random inputs ---------------------------------------------------------------------------------------


def random_extent(rng: np.random.Generator, low: int, high: int, k: int = 1, s: int = 1, p: int = 0, d: int = 1, *,
                  rounds_down: bool = True) -> int:
    """A random size ``n`` in ``[low, high)`` that a window ``(k, s, p, d)`` fits (output size >= 1); with
    ``rounds_down`` and a stride > 1, one where the output size rounds down (``floor != ceil``), so a ceil
    or off-by-one bug shows whatever the student id."""
    for _ in range(1000):
        n = int(rng.integers(low, high))
        room = n + 2 * p - d * (k - 1) - 1
        if room >= 0 and (s == 1 or not rounds_down or room % s):
            return n
    raise RuntimeError(f"test design: no size in [{low}, {high}) fits k={k}, s={s}, p={p}, d={d}")


def conv_inputs(label: str, *, kernel=None, stride=1, padding=0, dilation=1, dtype=np.float64, size=(5, 12)):
    """Random ``(rng, x, w, b)`` for a 2-D convolution ``(N, C, H, W) * (F, C, KH, KW)``, drawn from
    ``case_rng(label)``. Whatever the student id: N >= 2 and C >= 2, F >= 2 with F != C (a batch or axis
    mix-up shows), KH != KW unless ``kernel`` fixes them (transposed axes show; one of 2, 3, 4 is even, so
    "same" is asymmetric), and on every strided axis the output size rounds down."""
    rng = case_rng(label)
    kh, kw = kernel or (int(v) for v in rng.choice([2, 3, 4], size=2, replace=False))
    s, d = pair(stride), pair(dilation)
    if padding == "full":
        p = (d[0] * (kh - 1), d[1] * (kw - 1))
    else:
        p = pair(0 if padding in ("valid", "same") else padding)
    hw = [random_extent(rng, *size, k, si, pi, di) for k, si, pi, di in zip((kh, kw), s, p, d, strict=False)]
    x = rng.standard_normal((int(rng.integers(2, 4)), int(rng.integers(2, 4)), *hw))
    f = int(rng.choice([v for v in (2, 3, 4) if v != x.shape[1]]))
    w = rng.standard_normal((f, x.shape[1], kh, kw))
    b = rng.standard_normal(f)
    return rng, x.astype(dtype), w.astype(dtype), b.astype(dtype)


# ---- per-submission cache ----------------------------------------------------------------------------------


def cached(key: str, compute):
    """``compute()`` once per graded submission, shared by every case that asks for ``key`` (a trained model):
    ``autograder.checks.context.per_submission``, the one store, with its rules (a failure is kept and raised
    again in each case; in ``verify``'s sweeps over student ids a value that read nothing per student is shared
    by the ids). The cases that take a value must not change it."""
    return per_submission(key, compute)


# ---- the oracle's oracle -----------------------------------------------------------------------------------


def torch_grads(fn, dout, *inputs, **kwargs) -> tuple:
    """Gradients of ``fn(*inputs, **kwargs)`` (a torch function) with respect to each input that is not
    None, by autograd in float64 on the CPU, for the upstream gradient ``dout``: a tuple of ndarrays
    (None where the input is None)."""
    import warnings

    import torch

    t = [None if a is None else torch.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in inputs]
    with warnings.catch_warnings():  # e.g. conv2d's "same" with an even kernel warns that it copies the input
        warnings.simplefilter("ignore", UserWarning)
        out = fn(*t, **kwargs)
    out.backward(torch.tensor(np.asarray(dout, dtype=np.float64)))
    return tuple(None if a is None else a.grad.numpy() for a in t)


def agree_with_torch(what: str, ours, theirs, tol: float) -> None:
    """A RuntimeError (a grader error, never the student's score) unless the reference's gradients ``ours``
    equal torch autograd's ``theirs`` (tuples of arrays or None)."""
    for i, (r, t) in enumerate(zip(ours, theirs, strict=False)):
        if (r is None) != (t is None) or (r is not None and not np.allclose(r, t, rtol=tol, atol=tol)):
            raise RuntimeError(f"the reference {what} (output {i}) disagrees with torch autograd")


# ---- torch: the parent's tensors, models and oracle ----------------------------------------------------------


def tensors(*arrays) -> list:
    """CPU tensors the parent sends, one per array (copies; None stays None)."""
    return [None if a is None else tensor(a) for a in arrays]


def torch_values(fn, *inputs, **kwargs) -> np.ndarray:
    """The oracle's output: ``fn(*inputs, **kwargs)`` (a torch function, or a model of the parent's) on CPU
    tensors of the arrays (dtypes kept, None kept), without autograd, as an ndarray."""
    import torch

    with torch.no_grad():
        out = fn(*[None if a is None else torch.as_tensor(a) for a in inputs], **kwargs)
    return out.detach().cpu().numpy()


def autograd_forward(name: str, function, *inputs, case: str = ""):
    """``function.forward(ctx, *inputs)`` of the student's ``torch.autograd.Function`` subclass (called
    ``name``), called by the grader itself with a fresh ``ctx`` (kept where the student's code runs; it offers
    what torch's does: ``save_for_backward``, ``saved_tensors``, ``needs_input_grad``, attributes). Array inputs
    are sent as tensors and need a gradient; the others (None, ints, pairs) are sent as they are. Returns
    ``(ctx, values)``: the ctx for ``function.backward(ctx, ...)`` and the output tensor's values."""
    ctx = helper("new_ctx", name, function, tuple(isinstance(v, np.ndarray) for v in inputs))
    sent = [tensor(v) if isinstance(v, np.ndarray) else v for v in inputs]
    return ctx, Student(f"{name}.forward", function.forward).tensor(ctx, *sent, case=case)


def parent_model(factory, *, seed: int | None = 0, state: dict | None = None):
    """The parent's own copy of a model: ``factory()``, built under ``torch.manual_seed(seed)`` without changing
    the global random state (``seed=None``: built as is, the global RNG draws the initial weights), then
    ``state`` (``{name: array}``, e.g. weights read back from the student's model) loaded by name (strict)."""
    import torch

    if seed is None:
        model = factory()
    else:
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(int(seed))
            model = factory()
    if state is not None:
        model.load_state_dict({k: torch.as_tensor(np.asarray(v)) for k, v in state.items()})
    return model


def weights_of(model) -> dict:
    """A parent model's ``state_dict`` as ``{name: ndarray}`` (copies)."""
    return {k: v.detach().cpu().numpy().copy() for k, v in model.state_dict().items()}


def worker_model(name: str, anchor, builder: str, *args, state: dict | None = None):
    """A trusted model built where the student's code runs by the worker helper ``builder(*args)``
    (``autograder.checks.remote.helper``; ``anchor``: a student function of the submission, ``name`` for
    messages), with the parent's ``state`` loaded by name: a student object to hand to the function under test.
    What it becomes is the student's word: read it back (``model_weights``) and check it in the parent."""
    model = helper(builder, name, anchor, *args)
    if state is not None:
        load_weights(name, model, state)
    return model


__all__ = ["CheckFailure", "INFO", "Student", "agree_with_torch", "autograd_forward", "cached", "conv_inputs", "labelled", "pair",
           "parent_model", "random_extent", "student", "tensors", "torch_grads", "torch_values", "weights_of",
           "worker_model"]
