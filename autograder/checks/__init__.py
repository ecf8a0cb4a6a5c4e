"""Oracle comparison and layered student messages: what otter test files import.

A test file receives the student's functions by argument name (otter's convention) and compares
what they return with the reference, computed in the trusted process::

    from autograder.checks import call, check_array, case_rng, reference

    @test_case(points=1, hidden=True)
    def conv2d_stride_2(conv2d):
        rng = case_rng("conv2d stride 2")
        x, w = rng.standard_normal((2, 3, 9, 8)), rng.standard_normal((4, 3, 3, 3))
        got = call("conv2d", conv2d, x, w, stride=2)
        check_array("conv2d", got, reference().conv2d(x, w, stride=2), case="stride 2")

``autograder/checks/toolkit.py`` makes the common case one line (``student("conv2d", conv2d).same(x, w,
case="stride 2", stride=2)``). The same file runs under our sandboxed engine (the student's functions are proxies to a worker
process) and under plain ``otter run`` (they are the real functions): the helpers handle both.
"""
from autograder.checks.compare import (
    call,
    check_array,
    check_int,
    check_ints,
    check_reference,
    check_scalar,
    check_true,
    expect_array,
    expect_raises,
    inputs_kept,
    verified,
)
from autograder.checks.context import (
    GradingContext,
    case_rng,
    get_context,
    parent_support,
    reference,
    use_context,
    worker_support,
)
from autograder.checks.errors import CheckFailure, StudentCallError
from autograder.checks.remote import (
    as_array,
    attribute,
    build_model,
    call_timed,
    helper,
    is_proxy,
    is_tensor,
    load_weights,
    logits,
    model_grads,
    model_weights,
    predictions,
    tensor,
    tensor_dtype,
    worker_has_cuda,
)
from autograder.checks.toolkit import (
    INFO,
    Student,
    agree_with_torch,
    autograd_forward,
    cached,
    conv_inputs,
    labelled,
    pair,
    parent_model,
    random_extent,
    student,
    tensors,
    torch_grads,
    torch_values,
    weights_of,
    worker_model,
)

__all__ = [
    "INFO", "Student", "agree_with_torch", "autograd_forward", "cached", "conv_inputs", "labelled", "pair", "parent_model",
    "random_extent", "student", "tensors", "torch_grads", "torch_values", "weights_of", "worker_model",
    "CheckFailure", "GradingContext", "StudentCallError", "as_array", "attribute", "build_model", "call",
    "call_timed", "case_rng", "check_array", "check_int", "check_ints", "check_reference", "check_scalar",
    "check_true", "expect_array", "expect_raises", "get_context", "helper", "inputs_kept", "is_proxy", "is_tensor",
    "load_weights", "logits", "model_grads", "model_weights", "parent_support", "predictions", "reference", "tensor", "tensor_dtype", "use_context",
    "verified", "worker_has_cuda", "worker_support",
]
