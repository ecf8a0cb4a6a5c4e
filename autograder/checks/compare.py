"""One helper per kind of check; each raises ``CheckFailure`` with a layered student message.

Order of checks (README, "Grading: the trust boundary"): missing -> type -> shape -> dtype -> finite -> value.
Messages read ``'<name>' (<case>) <problem>: got <x>, expected <y>``. In a hidden case they name
the kind of case and the problem but never show hidden shapes or values: a relative-error figure
is the most they say.
"""
from __future__ import annotations

import numbers

import numpy as np

from autograder.checks.context import get_context
from autograder.checks.errors import CheckFailure, StudentCallError, shown_type

#: Default tolerances by the expected array's dtype: |got - expected| <= atol + rtol * |expected|.
TOLERANCES = {np.dtype(np.float64): (1e-7, 1e-9), np.dtype(np.float32): (1e-4, 1e-5),
              np.dtype(np.float16): (1e-2, 1e-3)}


def _where(name: str, case: str) -> str:
    return f"'{name}'" + (f" ({case})" if case else "")


def _describe(value) -> str:
    """A short, data-free description of a returned value's type. In a hidden case the name of a class
    the submission chose is not shown (it could spell out a hidden input)."""
    kind = getattr(value, "type_name", None)  # a sandbox Handle / proxy: an object kept in the worker
    if kind == "numpy.ndarray":
        return "an ndarray that cannot be graded (object or other non-numeric dtype)"
    if kind:
        if get_context().hidden and kind not in ("torch.Tensor", "torch.nn.parameter.Parameter"):
            return "an object that is not data (type not shown in a hidden case)"
        return f"an object of type {kind}"
    if isinstance(value, np.ndarray):
        return f"a {type(value).__name__} (ndarray subclass)" if type(value) is not np.ndarray \
            else f"an ndarray of dtype {value.dtype}"
    return "None" if value is None else f"a {type(value).__module__}.{type(value).__name__}".replace(
        "builtins.", "")


def _short(text: str, limit: int = 160) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def call(name: str, fn, *args, **kwargs):
    """Call the student's ``fn``; "not defined" and any exception become ``StudentCallError``.

    Under the engine ``fn`` is a proxy that already raises ``StudentCallError`` (with timeouts and
    crashes); under plain otter it is the real function, called here in-process.
    """
    if fn is None:
        raise StudentCallError(f"'{name}' is not defined: write it in your submission file", kind="missing")
    if not callable(fn):
        raise StudentCallError(f"'{name}' is {_describe(fn)}, not a function", kind="missing")
    try:
        return fn(*args, **kwargs)
    except StudentCallError:
        raise
    except Exception as exc:  # in-process only: the student's code raised
        raise _student_error(name, exc) from None


def _student_error(name: str, exc: Exception) -> StudentCallError:
    """In-process counterpart of ``autograder.grade.proxies.call_error``: a hidden case shows the exception's
    type (Python's own names only), never its message (README, "Grading: the trust boundary")."""
    kind = type(exc).__name__
    if get_context().hidden:
        text = f"'{name}' raised {shown_type(kind)} (hidden case: message not shown)"
    else:
        text = f"'{name}' raised {kind}: {_short(exc, 160)}"
    return StudentCallError(text, exc_type=kind, mro=tuple(k.__name__ for k in type(exc).__mro__))


def verified(name: str) -> None:
    """Record that the student's ``name`` gave a correct result in this case (the value checks below do
    it; a test that checks a value its own way calls this). ``expect_raises`` needs it first."""
    get_context().verified.add(name)


def expect_array(name: str, got, shape: tuple, *, kinds: str = "biuf", case: str = "", what: str = "") -> np.ndarray:
    """``got`` itself when it is a plain ndarray of exactly ``shape`` and a dtype of one of ``kinds``
    (numpy kind letters; default: bool, ints, floats), else ``CheckFailure``.

    Call it on anything that came from the student's code before any arithmetic with the parent's
    arrays: a wrong shape broadcasts (``(N, 1) == (M,)`` allocates N x M), so a few bytes of reply
    could make the trusted process allocate gigabytes. ``check_array`` starts with it.
    """
    where = _where(name, case) + (f" {what}" if what else "")
    if type(got) is not np.ndarray:
        raise CheckFailure(f"{where} returned {_describe(got)}: expected a numpy.ndarray")
    if got.dtype.kind not in kinds or got.dtype.itemsize == 0:
        raise CheckFailure(f"{where} returned an array of dtype {got.dtype}: expected a numeric array")
    if got.shape != tuple(shape):
        detail = ("(hidden case: shapes not shown)" if get_context().hidden
                  else f"got {got.shape}, expected {tuple(shape)}")
        raise CheckFailure(f"{where} has the wrong shape: {detail}")
    return got


def check_array(name: str, got, expected: np.ndarray, *, case: str = "", rtol: float | None = None,
                atol: float | None = None, what: str = "", dtype: bool = True) -> None:
    """``got`` must be a plain ndarray equal to ``expected`` in shape, dtype and values (type, dtype kind
    and shape are checked before any arithmetic: ``expect_array``). With ``dtype=False`` the dtype is not
    checked (a dtype case scores it): the values are compared in float64 at the default tolerance of the
    looser of the two dtypes (a float32 result of a float64 computation is not also a value error)."""
    where = _where(name, case) + (f" {what}" if what else "")
    expected = np.asarray(expected)
    expect_array(name, got, expected.shape, case=case, what=what)
    if dtype and got.dtype != expected.dtype:
        raise CheckFailure(f"{where} has the wrong dtype: got {got.dtype}, expected {expected.dtype}")
    finite = np.isfinite(expected)
    bad = ~np.isfinite(got) & finite
    if bad.any():
        raise CheckFailure(f"{where} contains NaN or inf at {int(bad.sum())} of {got.size} positions")
    if not np.array_equal(got[~finite], expected[~finite]):
        raise CheckFailure(f"{where} is wrong where the expected values are infinite")
    default_rtol, default_atol = TOLERANCES.get(expected.dtype, (1e-7, 1e-9))
    if not dtype:
        default_rtol, default_atol = (max(a, b) for a, b in zip((default_rtol, default_atol),
                                                                 TOLERANCES.get(got.dtype, (0.0, 0.0)), strict=False))
    rtol = default_rtol if rtol is None else rtol
    atol = default_atol if atol is None else atol
    g, e = got[finite].astype(np.float64), expected[finite].astype(np.float64)
    scale = max(1.0, float(np.abs(e).max(initial=0.0)))  # atol is relative to the array's magnitude
    excess = np.abs(g - e) - (atol * scale + rtol * np.abs(e))
    if (excess > 0).any():
        n_wrong = int((excess > 0).sum())
        rel = float(np.abs(g - e).max() / scale)
        raise CheckFailure(f"{where} has wrong values: {n_wrong} of {got.size} elements differ "
                           f"(max error {rel:.1e} relative to the largest expected value)")
    verified(name)


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def check_int(name: str, got, expected: int, *, case: str = "") -> None:
    """``got`` must be an integer (not a bool, not a float) equal to ``expected``."""
    where = _where(name, case)
    if not _is_int(got):
        raise CheckFailure(f"{where} returned {_describe(got)}: expected an int")
    if got != expected:
        shown = "(hidden case: values not shown)" if get_context().hidden else f"got {got}, expected {expected}"
        raise CheckFailure(f"{where} is wrong: {shown}")
    verified(name)


def _same_structure(got, expected) -> bool:
    if isinstance(expected, (tuple, list)):
        return isinstance(got, (tuple, list)) and len(got) == len(expected) and all(
            _same_structure(g, e) for g, e in zip(got, expected, strict=True))
    if _is_int(expected):
        return _is_int(got) and got == expected
    return got == expected


def check_ints(name: str, got, expected, *, case: str = "") -> None:
    """``got`` must have ``expected``'s nesting of tuples/lists of ints (lists and tuples are
    interchangeable; numbers must be ints)."""
    if not _same_structure(got, expected):
        where = _where(name, case)
        if get_context().hidden:
            raise CheckFailure(f"{where} is wrong (hidden case: values not shown)")
        shown = repr(got) if len(repr(got)) < 300 else _describe(got)
        raise CheckFailure(f"{where} is wrong: got {shown}, expected {expected!r}")
    verified(name)


def check_scalar(name: str, got, expected: float, *, case: str = "", rtol: float = 1e-9,
                 atol: float = 1e-12, kind: type = float) -> None:
    """``got`` must be a Python ``kind`` (float by default) within tolerance of ``expected``."""
    where = _where(name, case)
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, kind):
        raise CheckFailure(f"{where} returned {_describe(got)}: expected a Python {kind.__name__}")
    if not np.isfinite(got):
        raise CheckFailure(f"{where} returned {got}: expected a finite number")
    if abs(got - expected) > atol + rtol * abs(expected):
        shown = "(hidden case: values not shown)" if get_context().hidden else f"got {got!r}, expected {expected!r}"
        raise CheckFailure(f"{where} is wrong: {shown}")
    verified(name)


def check_true(condition: bool, message: str) -> None:
    """Fail with ``message`` (already phrased for the student) unless ``condition``."""
    if not condition:
        raise CheckFailure(message)


def expect_raises(error: type[BaseException] | str, name: str, fn, *args, case: str = "", **kwargs) -> None:
    """The student's ``fn(*args, **kwargs)`` must raise ``error`` (or a subclass).

    Only after a correct result of the same function in the same case (``verified``): a stub that raises
    by the arguments' types earns nothing. A test file that forgets the valid call is a grader error
    (``verify`` then fails on the reference), never a free point."""
    wanted = error if isinstance(error, str) else error.__name__
    where = _where(name, case)
    if name not in get_context().verified:
        raise RuntimeError(f"test design: expect_raises({name!r}) without a checked valid call of {name!r} "
                           "earlier in the same case")
    try:
        call(name, fn, *args, **kwargs)
    except StudentCallError as exc:
        if exc.kind != "error":
            raise
        if wanted not in exc.mro and exc.exc_type != wanted:
            shown = shown_type(exc.exc_type) if get_context().hidden else exc.exc_type
            raise CheckFailure(f"{where} raised {shown}: expected {wanted}") from None
        return
    raise CheckFailure(f"{where} returned normally: expected it to raise {wanted}")


def check_reference(name: str, fn, *args, case: str = "", **kwargs):
    """The student's ``fn(*args, **kwargs)`` must equal the reference's ``name(*args, **kwargs)``, computed
    FIRST (on the pristine inputs) in this trusted process: ints, nested tuples of ints, arrays, or tuples of
    arrays/None. Returns the student's value."""
    from autograder.checks.context import reference

    expected = getattr(reference(), name)(*args, **kwargs)
    got = call(name, fn, *args, **kwargs)
    if _is_int(expected):
        check_int(name, got, expected, case=case)
    elif isinstance(expected, (tuple, list)) and not any(isinstance(e, np.ndarray) or e is None for e in expected):
        check_ints(name, got, expected, case=case)
    else:
        _check_same(name, got, expected, case)
    return got


def _check_same(name: str, got, expected, case: str, what: str = "") -> None:
    """``got`` equals ``expected`` (an array, None, or a tuple of these), layer by layer."""
    if isinstance(expected, tuple):
        check_true(isinstance(got, (tuple, list)) and len(got) == len(expected),
                   f"{_where(name, case)} must return a tuple of {len(expected)}")
        for i, (g, e) in enumerate(zip(got, expected, strict=True)):
            _check_same(name, g, e, case, f"element {i}")
    elif expected is None:
        check_true(got is None, f"{_where(name, case)} {what} must be None".replace("  ", " "))
    else:
        check_array(name, got, expected, case=case, what=what)


def inputs_kept(name: str, fn, args: tuple, kwargs: dict) -> bool | None:
    """For information only, never for points: did the student's ``fn`` leave its array arguments
    unchanged? Only the worker can see that, so the answer is the student's word (True, False, or None
    when the call raised). Test files report it in a zero-point case."""
    from autograder.checks.remote import helper

    return helper("inputs_unchanged", name, fn, fn, args, kwargs)
