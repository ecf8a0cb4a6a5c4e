"""Q12 numerical_gradient: central differences of a scalar function, perturbing x in place.

A Python function cannot be sent to a sandboxed submission, so the grader describes ``f`` as data and a
small helper builds it next to your code; the grader then calls your ``numerical_gradient(f, x, h)`` with
it and compares what it returns with its own central differences of the same ``f`` at the same ``x``.
Public cases: ``f(x) = sum(c * x**3)`` on small inputs worked out by hand (with h = 1 the central difference
of x**3 is exactly 3*x**2 + h**2). Whether ``x`` is restored bit for bit is reported for information only
(zero points: only the sandbox can see it).
Hidden cases: random shapes (seeded per student and per submission) with a step at which only CENTRAL
differences are accurate enough; float32; a function in which every element's gradient depends on all the
others (an ``x`` left perturbed shows); Fortran-order and strided ``x``; the dtype rule in its own case.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import INFO, case_rng, check_true, helper, labelled, student

OK_FORMAT = False
name = "q12_numerical_gradient"


def _gradient(numerical_gradient, spec, x, h, case=""):
    """What the student's ``numerical_gradient(f, x, h)`` returns, ``f`` built from ``spec`` where their code runs."""
    f = helper("scalar_function", "numerical_gradient", numerical_gradient, spec)
    return student("numerical_gradient", numerical_gradient)(f, x, h, case=case)


@test_case(points=1, hidden=False)
def numerical_gradient_cubic(numerical_gradient):
    """f(x) = sum(c * x**3) at x = [1, 2, -1] with c = [1, 1, 2]: the gradient 3*c*x**2 is [3, 12, 6]."""
    got = _gradient(numerical_gradient, {"kind": "cubic", "c": np.array([1.0, 1.0, 2.0])},
                    np.array([1.0, 2.0, -1.0]), 1e-5)
    student("numerical_gradient", numerical_gradient).compare(got, np.array([3.0, 12.0, 6.0]), case="cubic, 3 elements",
                                                              rtol=1e-6, atol=1e-6)


@test_case(points=1, hidden=False)
def numerical_gradient_restores_x(numerical_gradient):
    """With h = 1 the central difference of x**3 is exactly 3*x**2 + h**2: on a 2x2 input the result is exact,
    which needs each element put back before the next one is perturbed."""
    got = _gradient(numerical_gradient, {"kind": "cubic", "c": np.ones((2, 2))}, np.array([[0.1, -0.3], [0.2, 0.01]]),
                    1.0)
    student("numerical_gradient", numerical_gradient).compare(
        got, np.array([[1.03, 1.27], [1.12, 1.0003]]), case="2x2 input, h=1: 3*x**2 + h**2", rtol=1e-9, atol=1e-9)


@test_case(points=0, hidden=False)
def numerical_gradient_bit_for_bit_info(numerical_gradient):
    """For information, worth no points: after the call, x holds exactly its old values. Save each old value
    and put it back (adding and subtracting h is not enough: with h = 1, (0.1 + 1) - 1 is not 0.1)."""
    restored = helper("numerical_gradient_restores", "numerical_gradient", numerical_gradient, numerical_gradient,
                      {"kind": "cubic", "c": np.ones((2, 2))}, np.array([[0.1, -0.3], [0.2, 0.01]]), 1.0)
    check_true(restored is True, "'numerical_gradient' (2x2 input, h=1) did not restore x bit for bit: save each "
               f"element's old value and put it back ({INFO})")


# BEGIN HIDDEN TESTS
def _restore_breaks(v, h):
    """True when ``x[i] = v - h`` then ``x[i] += h`` does NOT give ``v`` back, in x's dtype, whether the
    arithmetic is done in that dtype or in float64 and then stored."""
    dt = np.asarray(v).dtype.type
    v = dt(v)
    same_dtype = dt(dt(v - dt(h)) + dt(h))
    via_float64 = dt(float(dt(float(v) - h)) + h)
    return same_dtype != v and via_float64 != v


def _central(spec, x, h):
    """The grader's own central differences of the same ``f`` at the same ``x`` (the reference's
    numerical_gradient, run here), after checking them against the analytic gradient."""
    from autograder.checks import reference, worker_support

    x = np.array(x, copy=True)
    expected = reference().numerical_gradient(worker_support().scalar_function(None, spec), x, h)
    v = x.astype(np.float64)
    if spec["kind"] == "cubic":
        analytic = 3 * spec["c"] * v**2
    else:
        analytic = spec["c"] * spec["a"] * np.cos(spec["a"] * v) + spec["b"] * float(np.sum(spec["b"] * v))
    if not np.allclose(expected, analytic, rtol=1e-2, atol=1e-2 + 10 * h**2 * np.abs(spec.get("c", 1)).max()):
        raise RuntimeError("the reference numerical_gradient disagrees with the analytic gradient")
    return expected


def _mix_spec(rng, shape):
    return {"kind": "mix", "a": rng.uniform(0.5, 2.0, shape), "b": rng.standard_normal(shape) * 0.5,
            "c": rng.standard_normal(shape)}


def _float32_case(label):
    """A float32 ``x`` and a cubic ``f``; one element of ``x`` does not come back from (x - h) + h."""
    rng = case_rng(label)
    x = rng.standard_normal((3, 4)).astype(np.float32)
    c = rng.standard_normal(x.shape)
    # one element just inside (-2**e, -2**e + h): (x - h) + h lands in a coarser binade and does not come back
    while not _restore_breaks(v := np.float32(-2.0 ** int(rng.integers(-1, 2)) + rng.uniform(0, 1e-2)), 1e-2):
        pass
    x[tuple(int(rng.integers(n)) for n in x.shape)] = v
    return {"kind": "cubic", "c": c}, x
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def numerical_gradient_central_differences(numerical_gradient):
    rng = case_rng("numerical_gradient central")
    for ndim in (1, 2, 3):
        while True:   # forward differences (error ~3e-3*c*x) must be visibly wrong on some element
            x = rng.standard_normal(tuple(int(v) for v in rng.integers(1, 5, size=ndim)))
            c = rng.standard_normal(x.shape)
            if np.abs(c * (3e-3 * x + 1e-6)).max() > 1e-4 and np.abs(c).max() < 5:
                break
        spec, case = {"kind": "cubic", "c": c}, f"random {ndim}-D input, h=1e-3 (central differences needed)"
        expected = _central(spec, x, 1e-3)                 # FIRST: the student's call may leave x perturbed
        student("numerical_gradient", numerical_gradient).compare(
            _gradient(numerical_gradient, spec, x, 1e-3, case), expected, rtol=0.0, atol=1e-7, case=case)


@test_case(points=0.5, hidden=True)
def numerical_gradient_float32(numerical_gradient):
    spec, x = _float32_case("numerical_gradient float32")
    expected = (3 * spec["c"] * x.astype(np.float64) ** 2).astype(np.float32)   # FIRST: x may be left perturbed
    student("numerical_gradient", numerical_gradient).compare(_gradient(numerical_gradient, spec, x, 1e-2), expected,
                                                              rtol=0.0, atol=2e-3, case="float32 input, h=1e-2")


@test_case(points=0.5, hidden=True)
def numerical_gradient_dtype(numerical_gradient):
    spec, x = _float32_case("numerical_gradient dtype")
    got = _gradient(numerical_gradient, spec, x, 1e-2)
    check_true(type(got) is np.ndarray and got.dtype == np.float32,
               f"'numerical_gradient' (float32 input) must return x's dtype, float32: got "
               f"{got.dtype if type(got) is np.ndarray else 'no ndarray'}")


@test_case(points=1, hidden=True)
def numerical_gradient_coupled_function(numerical_gradient):
    rng = case_rng("numerical_gradient coupled")
    for shape in ((7,), (3, 4)):
        x = rng.standard_normal(shape)
        spec = _mix_spec(rng, shape)
        case = f"{len(shape)}-D input, every element's gradient depends on all others"
        expected = _central(spec, x, 1e-4)                 # FIRST: the student's call may leave x perturbed
        student("numerical_gradient", numerical_gradient).compare(
            _gradient(numerical_gradient, spec, x, 1e-4, case), expected, rtol=1e-6, atol=1e-7, case=case)
    for layout, shape in (("F", (3, 4)), ("strided", (2, 3, 4))):   # x.reshape(-1) is a copy of these
        x = rng.standard_normal(shape)
        spec = _mix_spec(rng, shape)
        case = (f"{'Fortran-order' if layout == 'F' else 'non-contiguous (strided view)'} {len(shape)}-D input: "
                "perturb x itself, not a reshaped copy")
        expected = _central(spec, x, 1e-4)
        with labelled("numerical_gradient", case):
            got = helper("numerical_gradient_layout", "numerical_gradient", numerical_gradient, numerical_gradient,
                         spec, x, 1e-4, layout)
        student("numerical_gradient", numerical_gradient).compare(got, expected, rtol=1e-6, atol=1e-7, case=case)


@test_case(points=0, hidden=True)
def numerical_gradient_restores_random_info(numerical_gradient):
    rng = case_rng("numerical_gradient restore")
    while True:   # |x| < h = 1: (x + h) - h != x for most of them; for at least one, whatever the student id
        x = rng.uniform(-1, 1, size=(4, 5)).round(2)
        if any(_restore_breaks(v, 1.0) and (v + 1.0) - 1.0 != v for v in x.flat):
            break
    restored = helper("numerical_gradient_restores", "numerical_gradient", numerical_gradient, numerical_gradient,
                      {"kind": "cubic", "c": rng.standard_normal(x.shape)}, x, 1.0)
    check_true(restored is True, f"'numerical_gradient' (random input) did not restore x bit for bit ({INFO})")
