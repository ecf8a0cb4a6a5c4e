"""The test-file toolkit (autograder/checks/toolkit.py), in-process: the way plain ``otter run`` and the
student bundle's ``check`` call the student's functions (the engine's proxies are exercised by grading the
assignments: tests/solutions, verify)."""
import numpy as np
import pytest

from autograder.checks import (
    CheckFailure,
    GradingContext,
    StudentCallError,
    agree_with_torch,
    cached,
    conv_inputs,
    pair,
    random_extent,
    student,
    torch_grads,
    use_context,
)

REFERENCE = '''
import numpy as np

def scale(x, k=2):
    if k == 0:
        raise ValueError("k must not be 0")
    return np.asarray(x, dtype=np.result_type(x, np.float32)) * k

def count(n):
    return n + 1
'''


@pytest.fixture
def ctx(tmp_path):
    ref = tmp_path / "reference.py"
    ref.write_text(REFERENCE)
    with use_context(GradingContext(assignment="toolkit", seed=3, student="s1", reference_path=ref)) as c:
        yield c


def test_same_compares_values_with_the_reference_computed_first(ctx):
    """Does ``same`` compute the reference on the pristine inputs, and compare values only?"""
    def scale(x, k=2):
        out = x * k
        x[...] = 0                      # the student's code writes into its input afterwards
        return out.astype(np.float32)   # a dtype slip: not charged in a value check

    x = np.arange(4.0)
    student("scale", scale).same(x, 3, case="k=3")
    with pytest.raises(CheckFailure, match=r"^'scale' \(k=3\) has wrong values"):
        student("scale", lambda x, k=2: x * k + 1).same(np.arange(4.0), 3, case="k=3")


def test_dtype_checks_the_dtype_only(ctx):
    """Does ``dtype`` pass wrong values of the right dtype and fail a right value of the wrong dtype?"""
    student("scale", lambda x, k=2: np.zeros(7)).dtype(np.arange(4.0), case="float64")
    with pytest.raises(CheckFailure, match=r"^'scale' \(float32 in\) has the wrong dtype: got float64, expected float32"):
        student("scale", lambda x, k=2: x.astype(np.float64) * k).dtype(np.arange(4, dtype=np.float32),
                                                                         case="float32 in")
    with pytest.raises(CheckFailure, match="expected a numpy.ndarray"):
        student("scale", lambda x, k=2: [1.0]).dtype(np.arange(4.0), case="float64")


def test_a_crash_names_the_case(ctx):
    """Does a crash inside a multi-case test keep the case label (and the exception type for ``raises``)?"""
    def scale(x, k=2):
        raise IndexError("boom")

    with pytest.raises(StudentCallError, match=r"^'scale' \(random 3-D\) raised IndexError") as info:
        student("scale", scale).same(np.ones(3), case="random 3-D")
    assert info.value.exc_type == "IndexError" and info.value.kind == "error"
    with pytest.raises(StudentCallError, match="is not defined"):
        student("scale", None)(np.ones(3), case="random 3-D")


def test_raises_needs_a_valid_call_first(ctx):
    """Does ``raises`` refuse to score before a checked valid call, and score after ``valid_call``?"""
    f = student("scale", lambda x, k=2: np.asarray(x) * (1 / k))
    with pytest.raises(RuntimeError, match="test design"):
        f.raises(ValueError, np.ones(2), 0, case="k=0")
    f.valid_call(np.ones(2), 3)
    f.raises(ZeroDivisionError, np.ones(2), 0, case="k=0")
    with pytest.raises(CheckFailure, match=r"^'scale' \(k=0\) raised ZeroDivisionError: expected ValueError"):
        f.raises(ValueError, np.ones(2), 0, case="k=0")


def test_valid_call_checks_the_shape_only(ctx):
    """Does ``valid_call`` accept wrong values of the right shape and refuse a wrong shape?"""
    student("scale", lambda x, k=2: np.zeros(3, dtype=np.int64)).valid_call(np.ones(3))
    with pytest.raises(CheckFailure, match="wrong shape"):
        student("scale", lambda x, k=2: np.zeros(4)).valid_call(np.ones(3))


def test_expect_dispatches_on_the_expected_value(ctx):
    """Ints, nested int tuples and arrays: each compared by its own rule."""
    student("count", lambda n: n + 1).expect(4, 3, case="n=3")
    with pytest.raises(CheckFailure, match="expected an int"):
        student("count", lambda n: float(n + 1)).expect(4, 3, case="n=3")
    student("pairs", lambda: [(1, 2), [3]]).expect(((1, 2), (3,)), case="nested")
    with pytest.raises(CheckFailure, match=r"^'count' \(n=3\) is wrong: got 5, expected 4"):
        student("count", lambda n: n + 2).expect(4, 3, case="n=3")


def test_keeps_inputs_reports_a_modified_input(ctx):
    def scale(x, k=2):
        x *= k
        return x

    student("scale", lambda x, k=2: x * k).keeps_inputs(np.ones(3), what="x")
    with pytest.raises(CheckFailure, match="'scale' modified its input arrays: never write into x .*worth no points"):
        student("scale", scale).keeps_inputs(np.ones(3), what="x")


@pytest.mark.parametrize("hyper", [{}, {"stride": 2}, {"stride": (2, 3), "padding": (1, 0)}, {"padding": "same"},
                                   {"padding": "full", "dilation": (1, 2)}, {"dilation": 2, "padding": 1}])
def test_conv_inputs_exercise_their_case_for_every_student(hyper):
    """For 40 student ids: N, C, F >= 2, F != C, KH != KW, and every strided axis rounds down."""
    for i in range(40):
        with use_context(GradingContext(student=f"id-{i}", seed=1)):
            _, x, w, b = conv_inputs("label", **hyper)
        n, c, h, wd = x.shape
        f, c2, kh, kw = w.shape
        assert n >= 2 and c >= 2 and f >= 2 and f != c and c2 == c and kh != kw and b.shape == (f,)
        s, d = pair(hyper.get("stride", 1)), pair(hyper.get("dilation", 1))
        p = hyper.get("padding", 0)
        p = (d[0] * (kh - 1), d[1] * (kw - 1)) if p == "full" else pair(0 if p == "same" else p)
        for size, k, si, pi, di in zip((h, wd), (kh, kw), s, p, d, strict=False):
            room = size + 2 * pi - di * (k - 1) - 1
            assert room >= 0 and (si == 1 or room % si)


def test_conv_inputs_are_seeded_per_student_and_label():
    with use_context(GradingContext(student="a")):
        one, again, other = conv_inputs("x")[1], conv_inputs("x")[1], conv_inputs("y")[1]
    with use_context(GradingContext(student="b")):
        theirs = conv_inputs("x")[1]
    assert np.array_equal(one, again) and not np.array_equal(one, other) and not np.array_equal(one, theirs)


def test_random_extent_refuses_an_impossible_request():
    with pytest.raises(RuntimeError, match="test design"):
        random_extent(np.random.default_rng(0), 2, 3, k=5)


def test_cached_computes_once_per_submission():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with use_context(GradingContext(student="a", submission_sha256="1")):
        assert cached("model", compute) == 1 and cached("model", compute) == 1
    with use_context(GradingContext(student="a", submission_sha256="2")):
        assert cached("model", compute) == 2
    assert len(calls) == 2


def test_torch_grads_and_agreement():
    """Autograd's gradients of a product; a disagreeing oracle is a grader error (RuntimeError)."""
    torch = pytest.importorskip("torch")
    a, b, dout = np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([1.0, 10.0])
    ga, gb, none = torch_grads(lambda x, y, z: x * y, dout, a, b, None)
    assert np.allclose(ga, dout * b) and np.allclose(gb, dout * a) and none is None
    agree_with_torch("product", (dout * b, dout * a, None), (ga, gb, none), 1e-12)
    with pytest.raises(RuntimeError, match="disagrees with torch"):
        agree_with_torch("product", (dout * a,), (ga,), 1e-12)
    assert torch is not None
