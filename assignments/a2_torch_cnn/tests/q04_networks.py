"""Q4 the lecture's networks: the MNIST-1D CNN (2,050 parameters), the MLP of the same depth (59,065)
and LeNet-5 (61,706).

The grader builds your network (calling your class itself), reads its ``state_dict`` as arrays and runs
its forward pass on inputs it sends; it counts the parameters and compares outputs itself.
Public cases: parameter counts and output shapes (literal values from the lecture).
Hidden cases: your network's own initial weights loaded by name into the grader's copy of the architecture
(the handout's layer-name contract) must give your network's outputs; and random weights the grader loads
into your network by name must give the grader's outputs.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import (
    build_model,
    case_rng,
    check_array,
    check_int,
    check_true,
    load_weights,
    logits,
    model_weights,
    parent_model,
    torch_values,
    verified,
)

OK_FORMAT = False
name = "q04_networks"


def _check_count(cls_name, cls, expected):
    """The number of values in the state_dict of a freshly built ``cls()`` (the lecture nets have no buffers)."""
    count = int(sum(v.size for v in model_weights(cls_name, build_model(cls_name, cls)).values()))
    check_int(f"{cls_name} parameter count", count, expected)


@test_case(points=1, hidden=False)
def convnet_parameter_count(MNIST1DConvNet):
    """The lecture's MNIST-1D CNN: three Conv1d(k=3, s=2) with 15 channels, then Linear(60, 10)."""
    _check_count("MNIST1DConvNet", MNIST1DConvNet, 2050)


@test_case(points=1, hidden=False)
def mlp_parameter_count(MNIST1DMLP):
    """40-285-135-60-10."""
    _check_count("MNIST1DMLP", MNIST1DMLP, 59065)


@test_case(points=1, hidden=False)
def lenet5_parameter_count(LeNet5):
    """LeNet-5: "~60k parameters"; exactly 61,706."""
    _check_count("LeNet5", LeNet5, 61706)


@test_case(points=1, hidden=False)
def output_shapes(MNIST1DConvNet, MNIST1DMLP, LeNet5):
    """(N, 40) and (N, 1, 40) -> (N, 10) float logits for the MNIST-1D networks, the same for both
    layouts; (N, 1, 32, 32) -> (N, 10) for LeNet-5."""
    x = np.random.default_rng(0).standard_normal((5, 40)).astype(np.float32)
    for cls_name, cls in (("MNIST1DConvNet", MNIST1DConvNet), ("MNIST1DMLP", MNIST1DMLP)):
        model = build_model(cls_name, cls)
        flat = logits(cls_name, model, x)
        check_true(np.isfinite(flat).all() and np.ptp(flat, axis=0).max() > 0,
                   f"'{cls_name}' gives the same (or non-finite) logits for different inputs")
        check_array(cls_name, logits(cls_name, model, x[:, None, :]), flat,
                    case="input (5, 1, 40) vs the same signals as (5, 40)", rtol=1e-5, atol=1e-6)
    images = np.random.default_rng(1).standard_normal((3, 1, 32, 32)).astype(np.float32)
    logits("LeNet5", build_model("LeNet5", LeNet5), images)
    verified("LeNet5")


# BEGIN HIDDEN TESTS
def _reference_model(cls_name, state=None):
    """The grader's own copy of the architecture (the reference's class), with ``state`` loaded by name."""
    from autograder.checks import reference

    return parent_model(getattr(reference(), cls_name), state=state).eval()


def _check_logits(cls_name, model, ref, rng, input_shapes, case):
    """The student's ``model`` and the grader's ``ref`` give the same logits on random inputs of each shape."""
    for shape in input_shapes:
        x = rng.standard_normal(shape).astype(np.float32)
        check_array(cls_name, logits(cls_name, model, x), torch_values(ref, x), case=f"{case}, {len(shape)}-D input",
                    rtol=1e-4, atol=1e-4)


def _check_layers(cls_name, cls, input_shapes):
    """The student's network's own initial weights, read back as named arrays, must fit the reference
    architecture name by name, and give the student's network's outputs on the grader's inputs."""
    expected = {n: tuple(p.shape) for n, p in _reference_model(cls_name).state_dict().items()}
    model = build_model(cls_name, cls)
    state = model_weights(cls_name, model)
    missing, extra = sorted(set(expected) - set(state)), sorted(set(state) - set(expected))
    check_true(not missing and not extra, f"'{cls_name}' parameter names differ from the handout's contract: "
               f"missing {missing}, unexpected {len(extra)} name(s)")
    wrong = [f"{n}: expected {expected[n]}" for n in expected if state[n].shape != expected[n]]
    check_true(not wrong, f"'{cls_name}' has parameters of the wrong shape: {'; '.join(wrong)}")
    mine = _reference_model(cls_name, {k: v.astype(np.float32) for k, v in state.items()})
    _check_logits(cls_name, model, mine, case_rng(f"{cls_name} layers"), input_shapes,
                  "your initial weights in the grader's copy of the architecture")


def _check_forward(cls_name, cls, input_shapes):
    """Random weights (seeded per student and submission) loaded by name into the student's and the
    grader's network; their logits must agree."""
    rng = case_rng(f"{cls_name} forward")
    shapes = {k: tuple(v.shape) for k, v in _reference_model(cls_name).state_dict().items()}
    state = {k: (rng.standard_normal(s) * 0.3).astype(np.float32) for k, s in shapes.items()}
    ref = _reference_model(cls_name, state)
    model = build_model(cls_name, cls)
    load_weights(cls_name, model, state)
    _check_logits(cls_name, model, ref, rng, input_shapes, "forward with given weights")
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def layer_names_and_shapes(MNIST1DConvNet, MNIST1DMLP, LeNet5):
    _check_layers("MNIST1DConvNet", MNIST1DConvNet, [(6, 40)])
    _check_layers("MNIST1DMLP", MNIST1DMLP, [(6, 40)])
    _check_layers("LeNet5", LeNet5, [(3, 1, 32, 32)])


@test_case(points=1, hidden=True)
def convnet_forward(MNIST1DConvNet):
    _check_forward("MNIST1DConvNet", MNIST1DConvNet, [(7, 40), (7, 1, 40)])


@test_case(points=1, hidden=True)
def mlp_forward(MNIST1DMLP):
    _check_forward("MNIST1DMLP", MNIST1DMLP, [(7, 40), (7, 1, 40)])


@test_case(points=1, hidden=True)
def lenet5_forward(LeNet5):
    _check_forward("LeNet5", LeNet5, [(4, 1, 32, 32)])
