"""Q4 the lecture's networks: the MNIST-1D CNN (2,050 parameters), the MLP of the same depth (59,065)
and LeNet-5 (61,706).

Public cases: parameter counts and output shapes (literal values from the lecture).
Hidden cases: each layer's parameter names and shapes against the reference's, and each forward pass
with weights the grader loads by name (the handout's layer-name contract), against the reference.
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, check_array, check_int, check_true, get_context, run_probe

OK_FORMAT = False
name = "q04_networks"


def _report(cls_name, cls, inputs=(), state=None):
    """Build ``cls()`` where the student's code runs; its parameters, and its logits for each input array."""
    return run_probe("a2_model_probe", cls_name, cls, list(inputs), state, get_context().device)


def _check_logits(cls_name, report, i, n, case):
    out = report["outputs"][i]
    check_true(out is not None, f"'{cls_name}' ({case}) forward returned {report['dtypes'][i]}: expected a tensor")
    check_true(out.shape == (n, 10), f"'{cls_name}' ({case}) output has shape {out.shape}: expected ({n}, 10)")
    check_true(report["dtypes"][i] == "torch.float32",
               f"'{cls_name}' ({case}) output has dtype {report['dtypes'][i]}: expected torch.float32")
    return out


@test_case(points=1, hidden=False)
def convnet_parameter_count(MNIST1DConvNet):
    """The lecture's MNIST-1D CNN: three Conv1d(k=3, s=2) with 15 channels, then Linear(60, 10)."""
    r = _report("MNIST1DConvNet", MNIST1DConvNet)
    check_int("MNIST1DConvNet parameter count", r["num_params"], 2050)
    check_int("MNIST1DConvNet trainable parameter count", r["trainable"], 2050)


@test_case(points=1, hidden=False)
def mlp_parameter_count(MNIST1DMLP):
    """40-285-135-60-10."""
    r = _report("MNIST1DMLP", MNIST1DMLP)
    check_int("MNIST1DMLP parameter count", r["num_params"], 59065)
    check_int("MNIST1DMLP trainable parameter count", r["trainable"], 59065)


@test_case(points=1, hidden=False)
def lenet5_parameter_count(LeNet5):
    """LeNet-5: "~60k parameters"; exactly 61,706."""
    r = _report("LeNet5", LeNet5)
    check_int("LeNet5 parameter count", r["num_params"], 61706)
    check_int("LeNet5 trainable parameter count", r["trainable"], 61706)


@test_case(points=1, hidden=False)
def output_shapes(MNIST1DConvNet, MNIST1DMLP, LeNet5):
    """(N, 40) and (N, 1, 40) -> (N, 10) float32 logits for the MNIST-1D networks, the same for both
    layouts; (N, 1, 32, 32) -> (N, 10) for LeNet-5."""
    x = np.random.default_rng(0).standard_normal((5, 40)).astype(np.float32)
    for cls_name, cls in (("MNIST1DConvNet", MNIST1DConvNet), ("MNIST1DMLP", MNIST1DMLP)):
        r = _report(cls_name, cls, [x, x[:, None, :]])
        flat = _check_logits(cls_name, r, 0, 5, "input (5, 40)")
        channel = _check_logits(cls_name, r, 1, 5, "input (5, 1, 40)")
        check_array(cls_name, channel, flat, case="input (5, 1, 40) vs the same signals as (5, 40)")
    images = np.random.default_rng(1).standard_normal((3, 1, 32, 32)).astype(np.float32)
    _check_logits("LeNet5", _report("LeNet5", LeNet5, [images]), 0, 3, "input (3, 1, 32, 32)")


# BEGIN HIDDEN TESTS
def _reference_model(cls_name):
    import torch

    from autograder.checks import reference

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        return getattr(reference(), cls_name)()


def _check_layers(cls_name, cls):
    expected = {n: list(p.shape) for n, p in _reference_model(cls_name).named_parameters()}
    got = _report(cls_name, cls)["shapes"]
    missing, extra = sorted(set(expected) - set(got)), sorted(set(got) - set(expected))
    check_true(not missing and not extra, f"'{cls_name}' parameter names differ from the handout's contract: "
               f"missing {missing}, unexpected {extra}")
    wrong = [f"{n}: got {tuple(got[n])}, expected {tuple(expected[n])}" for n in expected if got[n] != expected[n]]
    check_true(not wrong, f"'{cls_name}' has parameters of the wrong shape: {'; '.join(wrong)}")


def _check_forward(cls_name, cls, input_shapes):
    """Random weights (seeded per student) loaded by name into the student's and the reference's network;
    their logits must agree."""
    import torch

    rng = case_rng(f"{cls_name} forward")
    model = _reference_model(cls_name)
    state = {k: rng.standard_normal(tuple(v.shape)).astype(np.float32) * 0.3 for k, v in model.state_dict().items()}
    model.load_state_dict({k: torch.as_tensor(v) for k, v in state.items()})
    inputs = [rng.standard_normal(s).astype(np.float32) for s in input_shapes]
    r = _report(cls_name, cls, inputs, state)
    if r.get("missing") or r.get("unexpected") or r.get("wrong_shape"):
        check_true(False, f"'{cls_name}': the grader cannot load weights by name: missing {r['missing']}, "
                   f"unexpected {r['unexpected']}, wrong shape {r['wrong_shape']}")
    with torch.no_grad():
        for i, x in enumerate(inputs):
            expected = model(torch.as_tensor(x)).numpy()
            got = _check_logits(cls_name, r, i, len(x), f"input shape {len(x.shape)}-D")
            check_array(cls_name, got, expected, case=f"forward with given weights, {len(x.shape)}-D input",
                        rtol=1e-4, atol=1e-4)
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def layer_names_and_shapes(MNIST1DConvNet, MNIST1DMLP, LeNet5):
    for cls_name, cls in (("MNIST1DConvNet", MNIST1DConvNet), ("MNIST1DMLP", MNIST1DMLP), ("LeNet5", LeNet5)):
        _check_layers(cls_name, cls)


@test_case(points=1, hidden=True)
def convnet_forward(MNIST1DConvNet):
    _check_forward("MNIST1DConvNet", MNIST1DConvNet, [(7, 40), (7, 1, 40)])


@test_case(points=1, hidden=True)
def mlp_forward(MNIST1DMLP):
    _check_forward("MNIST1DMLP", MNIST1DMLP, [(7, 40), (7, 1, 40)])


@test_case(points=1, hidden=True)
def lenet5_forward(LeNet5):
    _check_forward("LeNet5", LeNet5, [(4, 1, 32, 32)])
