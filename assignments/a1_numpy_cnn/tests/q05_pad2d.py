"""Q5 pad2d: zero (or constant) padding of the last two axes.

Public cases: a 2x2 image padded by hand with an int, a pair and a 4-tuple ``(top, bottom, left, right)``
(NOT ``torch.nn.functional.pad``'s ``(left, right, top, bottom)``).
Hidden cases: random shapes and paddings (seeded per student), compared with the reference; the dtype
rules (their own case: value cases compare values only), invalid paddings, inputs left unchanged.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, student

OK_FORMAT = False
name = "q05_pad2d"

SMALL = np.array([[1.0, 2.0], [3.0, 4.0]])


@test_case(points=1, hidden=False)
def pad2d_int_and_pair(pad2d):
    """An int pads every side; a pair ``(ph, pw)`` pads top/bottom by ph and left/right by pw."""
    f = student("pad2d", pad2d)
    f.expect(np.array([[0, 0, 0, 0], [0, 1, 2, 0], [0, 3, 4, 0], [0, 0, 0, 0]], dtype=np.float64), SMALL, 1,
             case="padding 1")
    f.expect(np.array([[0, 0], [1, 2], [3, 4], [0, 0]], dtype=np.float64), SMALL, (1, 0), case="padding (1, 0)")
    f.expect(np.array([[[[9, 9, 9, 9], [9, 1, 2, 9], [9, 3, 4, 9], [9, 9, 9, 9]]]], dtype=np.float64),
             SMALL[None, None], 1, 9.0, case="(1, 1, 2, 2) batch, padding 1, value 9")


@test_case(points=1, hidden=False)
def pad2d_four_sides(pad2d):
    """``(top, bottom, left, right)``: rows first, then columns (torch's F.pad order is the other way round)."""
    f, x = student("pad2d", pad2d), np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    f.expect(np.array([[0, 0, 0, 0, 0], [0, 0, 1, 2, 3], [0, 0, 4, 5, 6]], dtype=np.float64), x, (1, 0, 2, 0),
             case="padding (1, 0, 2, 0)")
    f.expect(np.array([[1, 2, 3, 0], [4, 5, 6, 0], [0, 0, 0, 0], [0, 0, 0, 0]], dtype=np.float64), x, (0, 2, 0, 1),
             case="padding (0, 2, 0, 1)")


@test_case(points=1, hidden=True)
def pad2d_random(pad2d):
    f, rng = student("pad2d", pad2d), case_rng("pad2d random")
    for ndim in (2, 3, 4, 4):
        x = rng.standard_normal(tuple(int(v) for v in rng.integers(2, 6, size=ndim)))
        # distinct sides: a pair (ph != pw) and a 4-tuple whose (top, bottom) differs from (left, right)
        for padding in (int(rng.integers(1, 4)), tuple(int(v) for v in rng.choice(4, size=2, replace=False)),
                        tuple(int(v) for v in rng.choice(5, size=4, replace=False))):
            value = float(rng.choice([0.0, -np.inf, 2.5]))
            kind = "int" if isinstance(padding, int) else {2: "pair", 4: "4-tuple"}[len(padding)]
            f.same(x, padding, value, case=f"random {ndim}-D array, {kind} padding")


@test_case(points=0.5, hidden=True)
def pad2d_dtypes(pad2d):
    f, rng = student("pad2d", pad2d), case_rng("pad2d dtypes")
    f.dtype(rng.standard_normal((2, 3, 4, 5)).astype(np.float32), (1, 2, 0, 1), case="float32 in: float32 out")
    f.dtype(rng.integers(-5, 5, size=(3, 4)), 1, case="integer in: float64 out")


@test_case(points=0.5, hidden=True)
def pad2d_invalid_arguments(pad2d):
    f, x = student("pad2d", pad2d), case_rng("pad2d invalid arguments").standard_normal((2, 3, 4, 5))
    f.valid_call(x, (1, 2, 0, 1))
    f.raises(ValueError, x, -1, case="padding -1")
    f.raises(ValueError, x, (1, 0, -1, 0), case="a negative side in a 4-tuple")
    f.raises(TypeError, x, 1.5, case="padding 1.5 (a float)")


@test_case(points=0, hidden=True)
def pad2d_keeps_inputs_info(pad2d):
    x = case_rng("pad2d inputs unchanged").standard_normal((2, 3, 4, 5))
    student("pad2d", pad2d).keeps_inputs(x, (1, 0, 2, 1), what="x")
