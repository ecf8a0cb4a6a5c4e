"""Q12 numerical_gradient: central differences of a scalar function, perturbing x in place.

The function differentiated is ``f(x) = sum(c * x**3)`` (gradient ``3 * c * x**2``), read through a
closure CS231n style. A Python function cannot be sent to a sandboxed submission, so every case goes
through the ``numerical_gradient_probe``, which builds ``f`` next to the student's code and reports data.
Public cases: a 3-element vector worked out by hand; x restored bit for bit (h = 1).
Hidden cases: random shapes (seeded per student) with a step at which only CENTRAL differences are
accurate enough; float32; restoring values that do not survive ``(x + h) - h`` (h = 1).
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, check_array, check_true, run_probe

OK_FORMAT = False
name = "q12_numerical_gradient"


def _probe(numerical_gradient, x, c, h):
    """The probe's report: {"grad": ndarray or None, "restored": bool, "calls": int}. It comes from where
    the student's code runs, so its form is checked before anything in it is used."""
    report = run_probe("numerical_gradient_probe", "numerical_gradient", numerical_gradient, x, c, h)
    check_true(isinstance(report, dict) and set(report) == {"grad", "restored", "calls"},
               "'numerical_gradient' could not be checked (the probe's report was tampered with)")
    return report


@test_case(points=1, hidden=False)
def numerical_gradient_cubic(numerical_gradient):
    """f(x) = sum(c * x**3) at x = [1, 2, -1] with c = [1, 1, 2]: the gradient 3*c*x**2 is [3, 12, 6]."""
    report = _probe(numerical_gradient, np.array([1.0, 2.0, -1.0]), np.array([1.0, 1.0, 2.0]), 1e-5)
    check_array("numerical_gradient", report["grad"], np.array([3.0, 12.0, 6.0]), case="cubic, 3 elements",
                rtol=1e-6, atol=1e-6)


@test_case(points=1, hidden=False)
def numerical_gradient_restores_x(numerical_gradient):
    """After the call, x holds exactly its old values: save each old value and put it back (adding and
    subtracting h is not enough: with h = 1, (0.1 + 1) - 1 is not 0.1 in floating point). With h = 1 the
    central difference of x**3 is exactly 3*x**2 + h**2."""
    x = np.array([[0.1, -0.3], [0.2, 0.01]])
    report = _probe(numerical_gradient, x, np.ones((2, 2)), 1.0)
    check_true(report["restored"], "'numerical_gradient' (2x2 input, h=1) did not restore x bit for bit: save "
                                   "each element's old value and put it back")
    check_array("numerical_gradient", report["grad"], np.array([[1.03, 1.27], [1.12, 1.0003]]),
                case="2x2 input, h=1: 3*x**2 + h**2", rtol=1e-9, atol=1e-9)


# BEGIN HIDDEN TESTS
def _restore_breaks(v, h):
    """True when ``x[i] = v - h`` then ``x[i] += h`` does NOT give ``v`` back, in x's dtype, whether the
    arithmetic is done in that dtype or in float64 and then stored."""
    dt = np.asarray(v).dtype.type
    v = dt(v)
    same_dtype = dt(dt(v - dt(h)) + dt(h))
    via_float64 = dt(float(dt(float(v) - h)) + h)
    return same_dtype != v and via_float64 != v
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
        report = _probe(numerical_gradient, x, c, 1e-3)
        # central differences of c*x**3 are off by exactly c*h**2 = 1e-6*c; forward ones by about 3e-3*c*x
        check_array("numerical_gradient", report["grad"], 3 * c * x**2, rtol=0.0, atol=1e-5,
                    case=f"random {ndim}-D input, h=1e-3 (central differences needed)")


@test_case(points=1, hidden=True)
def numerical_gradient_float32(numerical_gradient):
    rng = case_rng("numerical_gradient float32")
    x = rng.standard_normal((3, 4)).astype(np.float32)
    c = rng.standard_normal(x.shape)
    # one element just inside (-2**e, -2**e + h): (x - h) + h lands in a coarser binade and does not come back
    while not _restore_breaks(v := np.float32(-2.0 ** int(rng.integers(-1, 2)) + rng.uniform(0, 1e-2)), 1e-2):
        pass
    x[tuple(int(rng.integers(n)) for n in x.shape)] = v
    report = _probe(numerical_gradient, x, c, 1e-2)
    check_array("numerical_gradient", report["grad"], (3 * c * x.astype(np.float64) ** 2).astype(np.float32),
                rtol=0.0, atol=2e-3, case="float32 input: float32 gradient, h=1e-2")
    check_true(report["restored"], "'numerical_gradient' (float32 input) did not restore x bit for bit")


@test_case(points=1, hidden=True)
def numerical_gradient_restores_random(numerical_gradient):
    rng = case_rng("numerical_gradient restore")
    while True:   # |x| < h = 1: (x + h) - h != x for most of them; for at least one, whatever the student id
        x = rng.uniform(-1, 1, size=(4, 5)).round(2)
        if any(_restore_breaks(v, 1.0) and (v + 1.0) - 1.0 != v for v in x.flat):
            break
    c = rng.standard_normal(x.shape)
    report = _probe(numerical_gradient, x, c, 1.0)
    # the restore claim comes from where the student's code runs: believed only with a correct gradient
    # (for f = sum(c * x**3) and h = 1, central differences give exactly c * (3 x**2 + 1))
    check_array("numerical_gradient", report["grad"], c * (3 * x**2 + 1.0), case="random input, h = 1",
                rtol=1e-9, atol=1e-9)
    check_true(report["restored"], "'numerical_gradient' (random input) did not restore x bit for bit")
