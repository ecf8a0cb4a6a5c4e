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
    autograd_forward,
    cached,
    conv_inputs,
    pair,
    parent_model,
    random_extent,
    student,
    tensors,
    torch_grads,
    torch_values,
    use_context,
    weights_of,
    worker_model,
)
from autograder.checks.context import per_submission

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


def test_cached_is_per_submission_one_store():
    """Do ``cached`` (the toolkit's name) and ``checks.context.per_submission`` share one store, failures
    included?"""
    with use_context(GradingContext(student="a", submission_sha256="1")):
        assert cached("trained", lambda: "model") == "model"
        assert per_submission("trained", lambda: "another") == "model"
        with pytest.raises(CheckFailure, match="diverged"):
            per_submission("failed", lambda: (_ for _ in ()).throw(CheckFailure("diverged")))
        with pytest.raises(CheckFailure, match="diverged"):
            cached("failed", lambda: "never computed again")


def test_compare_a_float_honours_the_tolerance(ctx):
    """Does ``compare`` pass its rtol/atol to a float comparison (evaluate's accuracy is graded at 1e-6)?"""
    f = student("count", lambda n: n)
    f.compare(0.75 + 5e-7, 0.75, case="accuracy", rtol=0.0, atol=1e-6)
    with pytest.raises(CheckFailure, match=r"^'count' \(accuracy\) is wrong"):
        f.compare(0.75 + 5e-7, 0.75, case="accuracy")                   # the default tolerance is 1e-9
    with pytest.raises(CheckFailure, match="is wrong"):
        f.compare(0.75 + 2e-6, 0.75, case="accuracy", rtol=0.0, atol=1e-6)


def test_tensor_wants_a_tensor_and_names_the_case(ctx):
    torch = pytest.importorskip("torch")
    values = student("double", lambda t: t * 2).tensor(*tensors(np.arange(3.0)), case="three values")
    assert type(values) is np.ndarray and values.tolist() == [0.0, 2.0, 4.0]
    with pytest.raises(CheckFailure, match=r"^'double' \(three values\) did not return a torch.Tensor"):
        student("double", lambda t: t.tolist()).tensor(torch.zeros(3), case="three values")
    assert tensors(None, np.zeros(2))[0] is None


def test_refuses_missing_cuda(ctx):
    """Must a function asked for device="cuda" raise RuntimeError (after a checked valid call)?"""
    def honest(x, device=None):
        if device == "cuda":
            raise RuntimeError("CUDA is not available")
        return x

    def silent(x, device=None):
        return x

    for fn in (honest, silent):
        student("run", fn).compare(fn(3), 3, case="valid call")
    student("run", honest).refuses_missing_cuda(3)
    with pytest.raises(CheckFailure, match=r"^'run' \(device='cuda' on a machine without CUDA.*returned normally"):
        student("run", silent).refuses_missing_cuda(3)


def test_torch_values_keeps_dtypes_and_needs_no_grad():
    torch = pytest.importorskip("torch")
    a, b = np.arange(3, dtype=np.float32), np.ones(3, dtype=np.float32)
    out = torch_values(torch.add, a, b, alpha=2)
    assert out.dtype == np.float32 and out.tolist() == [2.0, 3.0, 4.0]
    assert torch_values(lambda x, y: x if y is None else y, a, None).tolist() == a.tolist()


def test_parent_model_is_seeded_leaves_the_global_rng_alone_and_loads_a_state():
    torch = pytest.importorskip("torch")
    before = torch.random.get_rng_state()
    one, two = (weights_of(parent_model(lambda: torch.nn.Linear(3, 2), seed=5)) for _ in range(2))
    assert torch.equal(before, torch.random.get_rng_state())
    assert all(np.array_equal(one[k], two[k]) for k in one)
    other = weights_of(parent_model(lambda: torch.nn.Linear(3, 2), seed=6))
    assert not np.array_equal(one["weight"], other["weight"])
    loaded = parent_model(lambda: torch.nn.Linear(3, 2), seed=None, state=other)
    assert np.array_equal(weights_of(loaded)["weight"], other["weight"])
    copy = weights_of(loaded)
    copy["weight"][...] = 0                                             # a copy: the model is untouched
    assert np.array_equal(weights_of(loaded)["weight"], other["weight"])


def test_worker_model_builds_with_a_helper_and_loads_the_state(ctx):
    """In-process (plain otter, check) the worker helper runs here: ``build`` seeds ``cls()``."""
    torch = pytest.importorskip("torch")
    state = {"weight": np.full((2, 3), 0.5, np.float32), "bias": np.zeros(2, np.float32)}
    model = worker_model("model", lambda: None, "build", lambda: torch.nn.Linear(3, 2), 0, state=state)
    assert np.array_equal(weights_of(model)["weight"], state["weight"])
    with pytest.raises(StudentCallError, match="'model' is not defined"):
        worker_model("model", None, "build", lambda: torch.nn.Linear(3, 2), 0)


def test_autograd_forward_calls_forward_with_a_fresh_ctx(ctx):
    """Does ``autograd_forward`` hand ``forward`` a ctx whose needs_input_grad marks the array inputs, send the
    arrays as tensors, and return the ctx that backward then reads?"""
    torch = pytest.importorskip("torch")

    class Scale(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x, w, b, k):
            ctx.save_for_backward(x, w)
            ctx.k = k
            return x * w * k

        @staticmethod
        def backward(ctx, dout):
            x, w = ctx.saved_tensors
            return dout * w * ctx.k, dout * x * ctx.k, None, None

    x, w = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    c, out = autograd_forward("Scale", Scale, x, w, None, 2, case="k=2")
    assert c.needs_input_grad == (True, True, False, False) and out.tolist() == [6.0, 16.0]
    dx, dw, _, _ = Scale.backward(c, torch.ones(2))
    assert dx.tolist() == [6.0, 8.0] and dw.tolist() == [2.0, 4.0]
    with pytest.raises(CheckFailure, match=r"^'Scale.forward' \(k=2\) did not return a torch.Tensor"):
        autograd_forward("Scale", type("Bad", (), {"forward": staticmethod(lambda ctx, x: [1.0])}), x, case="k=2")
