"""Does every kind of data cross the boundary intact, and does everything else stay in the worker?"""
import numpy as np
import pytest

from autograder.sandbox import Handle, TensorValue, WorkerSession

from .conftest import BACKENDS, FAST

VALUES = {
    "none": None, "bool": True, "int": 7, "bigint": 2**80, "float": 0.1, "nan": float("nan"), "str": "ünïcode",
    "list": [1, 2.0, "x"], "tuple": (1, (2, 3)), "dict": {"a": 1, 3: [4], (5, 6): "t"},
    "f32": np.arange(12, dtype=np.float32).reshape(3, 4), "f64": np.linspace(0, 1, 5),
    "int8": np.array([-1, 2], dtype=np.int8), "bool_arr": np.array([True, False]), "empty": np.zeros((0, 3)),
    "scalar_arr": np.array(3.5), "np_int64": np.int64(5), "np_float32": np.float32(1.25),
    "complex": np.array([1 + 2j]), "nested": {"x": [np.ones(2, dtype=np.float32), (np.int32(1), None)]},
    "fortran": np.asfortranarray(np.arange(6.0).reshape(2, 3)),
}


def same(a, b):
    if isinstance(a, np.ndarray):
        return type(b) is np.ndarray and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)
    if isinstance(a, float) and a != a:
        return type(b) is float and b != b
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.mark.parametrize("kind", sorted(VALUES))
def test_data_roundtrips_exactly(session, kind):
    """Does echo(x) return x with the same type, dtype, shape and values?"""
    r = session.call("echo", VALUES[kind])
    assert r.ok, r
    assert same(VALUES[kind], r.value), (kind, r.value)


def test_float32_arithmetic_stays_float32(session):
    r = session.call("add", np.ones(3, dtype=np.float32), np.float32(2))
    assert r.ok and r.value.dtype == np.float32 and r.value.tolist() == [3.0, 3.0, 3.0]


def test_kwargs_and_args(session):
    r = session.call("kw", 1, "a", stride=(2, 2), padding="same")
    assert r.value == {"args": (1, "a"), "kwargs": {"stride": (2, 2), "padding": "same"}}


def test_inputs_are_copies(session):
    """Can the worker not modify the parent's arrays (it only ever gets bytes)?"""
    x = np.ones(3)
    session.call("echo", x)
    assert x.tolist() == [1.0, 1.0, 1.0]


def test_objects_come_back_as_handles_and_can_be_used(session):
    """Does an object stay in the worker as a Handle usable with call_method and as an argument?"""
    r = session.call("make_model", 3.0)
    assert r.ok and isinstance(r.value, Handle) and r.value.type_name == "cnn_numpy.Model"
    h = r.value
    assert session.call_method(h, "forward", np.array([1.0, 2.0])).value.tolist() == [3.0, 6.0]
    assert session.call("use_model", h, np.array([1.0])).value.tolist() == [4.0]
    assert session.get("scale", h).value == 3.0
    assert session.call_method(h, "nope").status == "missing"


@pytest.mark.parametrize("fn, type_name", [("always_equal", "cnn_numpy.AlwaysEqual"), ("matrix", "numpy.matrix"),
                                           ("object_array", "numpy.ndarray"), ("my_str", "cnn_numpy.MyStr")])
def test_non_data_never_equals_an_expected_value(session, fn, type_name):
    """Do cheating objects (always-equal __eq__, np.matrix, object arrays, str subclasses) come back as
    Handles that compare equal to nothing the checks expect?"""
    r = session.call(fn)
    assert r.ok and isinstance(r.value, Handle) and r.value.type_name == type_name
    assert not np.array_equal(r.value, np.array([[1.0, 2.0]])) and r.value != "expected"
    assert not isinstance(r.value, (np.ndarray, str))


def test_ndarray_subclass_is_a_handle(session):
    r = session.call("subclass", np.ones(2))
    assert isinstance(r.value, Handle) and r.value.type_name == "cnn_numpy.Sub"


def test_missing_and_not_callable(session):
    """Is an undefined name 'missing', and so is a name that is not callable (with a reason)?"""
    r = session.call("conv9d")
    assert r.status == "missing" and "'conv9d' is not defined" in r.error
    r = session.call("NOT_CALLABLE")
    assert r.status == "missing" and "not callable" in r.error
    assert session.get("NOT_CALLABLE").value == 42


def test_exception_is_reported_truncated_with_student_traceback(session):
    r = session.call("boom")
    assert r.status == "error" and r.error.startswith("ValueError: bad stuff") and len(r.error) <= 500
    assert 'File "cnn_numpy.py"' in r.traceback and "in boom" in r.traceback
    assert "/sandbox/" not in r.traceback and "worker.py" not in r.traceback


def test_result_too_big_is_bad_result(submission):
    """Is a result over max_result_bytes refused as bad_result, and does the session go on?"""
    from autograder.sandbox import Limits
    limits = Limits(call_timeout_s=5, memory_mb=512, max_result_bytes=2**20)
    with WorkerSession(submission, "cnn_numpy", backend="process", limits=limits, need_torch=False) as s:
        r = s.call("big", 1_000_000)
        assert r.status == "bad_result" and "too big" in r.error
        assert s.call("add", 1, 2).value == 3 and s.restarts == 0


def test_unsendable_argument_is_a_grader_error(session):
    """Is sending a non-data object a TypeError in the parent (a grader bug), not a student result?"""
    with pytest.raises(TypeError):
        session.call("echo", object())


@pytest.fixture(scope="module", params=BACKENDS)
def torch_session(request, submission):
    from autograder.sandbox import Limits
    limits = Limits(call_timeout_s=10, memory_mb=2048)
    with WorkerSession(submission, "cnn_numpy", backend=request.param, limits=limits, need_torch=True) as s:
        assert s.import_status.ok, s.import_status
        yield s


def test_tensors_cross_with_dtype_device_and_grad(torch_session):
    """Are tensor arguments rebuilt with dtype and requires_grad, and tensor results flagged as tensors?"""
    torch = pytest.importorskip("torch")
    t = torch.arange(4, dtype=torch.float32).requires_grad_(True)
    r = torch_session.call("tensor_op", t)
    assert r.ok, r
    v = r.value
    assert isinstance(v["doubled"], TensorValue)
    assert v["doubled"].dtype == "torch.float32" and v["doubled"].array.dtype == np.float32
    assert v["doubled"].requires_grad and v["doubled"].grad_fn == "MulBackward0" and v["doubled"].device == "cpu"
    assert v["doubled"].array.tolist() == [0.0, 2.0, 4.0, 6.0]
    assert v["dtype"] == "torch.float32" and v["requires_grad"] is True
    assert v["device"] == torch.device("cpu") and v["float64"] is torch.float64
    assert v["param"].type_name == "torch.nn.parameter.Parameter"
    r = torch_session.call("echo", torch.ones(2, dtype=torch.float64))
    assert r.value.dtype == "torch.float64" and not r.value.requires_grad
    assert r.value != torch_session.call("echo", torch.ones(2, dtype=torch.float64)).value  # compare .array


def test_helper_gets_the_student_module(submission, tmp_path):
    """Does call_helper run a trusted helper inside the worker, with the student module first?"""
    helper = tmp_path / "worker_helpers.py"
    helper.write_text("import cnn_numpy\n"
                      "def twice(mod, x):\n    assert mod is cnn_numpy\n    return mod.add(x, x)\n")
    with WorkerSession(submission, "cnn_numpy", backend="process", limits=FAST, need_torch=False,
                       helper_files=[helper]) as s:
        assert s.call_helper("worker_helpers", "twice", np.float32(2)).value == np.float32(4)
        assert s.call_helper("worker_helpers", "nope").status == "missing"
