"""Q6 evaluate: accuracy ``correct / N`` as a Python float in [0, 1], in eval mode, without gradients.

``evaluate`` is tested on a model the grader builds (Flatten, Linear(40, 10) ``fc`` with weights the grader
loads, then Dropout(0.5): only eval mode predicts deterministically), so a bug in your networks does not cost
these points. The expected accuracies are counted by the grader (tolerance 1e-6).
Public case: a hand-made batch where 3 of 4 predictions are right (0.75, not 75).
Hidden cases: random data and weights (float32/float64 x, int32/int64 y); a model left in training mode must
still be evaluated in eval mode; ``device="cuda"`` without CUDA raises RuntimeError. Restoring the model's
mode and leaving its weights alone are not graded (only the sandbox can see them).
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import call, case_rng, check_true, get_context, student, worker_has_cuda, worker_model

OK_FORMAT = False
name = "q06_evaluate"

#: Class c's weights sum positions 4c..4c+3 of the signal: the prediction is the brightest block of 4.
BLOCK_WEIGHT = np.eye(10).repeat(4, axis=1)


def _model(evaluate, weight, bias, training=False):
    """The grader's small model, where the student's code runs, with the given weights, in the given mode."""
    model = worker_model("evaluate", evaluate, "small_model", "linear_dropout",
                         state={"fc.weight": np.asarray(weight, np.float32), "fc.bias": np.asarray(bias, np.float32)})
    call("evaluate", model.train, bool(training))
    return model


def _check_acc(evaluate, weight, bias, x, y, expected, case, *, training=False, device="cpu"):
    f = student("evaluate", evaluate)
    acc = f(_model(evaluate, weight, bias, training), x, y, device=device, case=case)
    check_true(type(acc) is float, f"'evaluate' ({case}) did not return a Python float")
    check_true(0.0 <= acc <= 1.0, f"'evaluate' ({case}) returned a value outside [0, 1]: expected an accuracy "
               "(correct / N, not a percentage)")
    f.compare(acc, float(expected), case=case, rtol=0.0, atol=1e-6)


@test_case(points=1, hidden=False)
def evaluate_hand_made_batch(evaluate):
    """Four signals whose brightest block is 0, 1, 2, 3; labels 0, 1, 2, 9: accuracy 0.75."""
    x = np.zeros((4, 40))
    for i in range(4):
        x[i, 4 * i: 4 * i + 4] = 1.0
    _check_acc(evaluate, BLOCK_WEIGHT, np.zeros(10), x, np.array([0, 1, 2, 9]), 0.75, "3 of 4 right")


# BEGIN HIDDEN TESTS
def _random_case(label, n=300):
    """Random signals and weights; signals whose two largest logits are within 0.01 are dropped, so float32
    and float64 arithmetic agree on every prediction. The expected accuracy is counted here."""
    rng = case_rng(label)
    w, b = rng.standard_normal((10, 40)) * 0.5, rng.standard_normal(10) * 0.1
    x = rng.standard_normal((3 * n, 40))
    top2 = np.sort(x @ w.T + b, axis=1)[:, -2:]
    x = x[top2[:, 1] - top2[:, 0] > 0.01][:n]
    pred = np.argmax(x @ w.T + b, axis=1)
    y = np.where(rng.random(n) < rng.uniform(0.3, 0.9), pred, rng.integers(0, 10, n))  # some right, some wrong
    return x, y, w, b, float(np.mean(pred == y))
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def evaluate_random(evaluate):
    x, y, w, b, expected = _random_case("random float64 / int64")
    _check_acc(evaluate, w, b, x, y, expected, "float64 x, int64 y")
    x, y, w, b, expected = _random_case("random float32 / int32", n=1500)
    _check_acc(evaluate, w, b, x.astype(np.float32), y.astype(np.int32), expected,
               "float32 x, int32 y, N larger than a typical batch")


@test_case(points=1, hidden=True)
def evaluate_eval_mode(evaluate):
    x, y, w, b, expected = _random_case("eval mode with dropout")
    _check_acc(evaluate, w, b, x, y, expected, "model left in training mode, with dropout: predict in eval mode",
               training=True, device=get_context().device)


@test_case(points=1, hidden=True)
def evaluate_uses_requested_device(evaluate):
    x, y, w, b, expected = _random_case("device request", n=50)
    _check_acc(evaluate, w, b, x, y, expected, "device='cpu'", device="cpu")
    if worker_has_cuda(evaluate):
        _check_acc(evaluate, w, b, x, y, expected, "device='cuda'", device="cuda")
    else:
        student("evaluate", evaluate).refuses_missing_cuda(_model(evaluate, w, b), x, y)
