"""Q6 evaluate: accuracy ``correct / N`` as a Python float in [0, 1], in eval mode, without gradients.

``evaluate`` is tested on a model the grader builds (Flatten, Linear(40, 10) with given weights, then
Dropout: only eval mode predicts deterministically), so a bug in your networks does not cost these points.
Public case: a hand-made batch where 3 of 4 predictions are right (0.75, not 75).
Hidden cases: random data and weights (float32/float64 x, int32/int64 y); eval mode, restoring the mode;
the ``device`` argument is used. Expected accuracies are counted by the grader (tolerance 1e-6).
"""
import numpy as np
from otter.test_files import test_case

from autograder.checks import case_rng, check_scalar, check_true, get_context, run_probe

OK_FORMAT = False
name = "q06_evaluate"

#: Class c's weights sum positions 4c..4c+3 of the signal: the prediction is the brightest block of 4.
BLOCK_WEIGHT = np.eye(10).repeat(4, axis=1)


def _evaluate(evaluate, weight, bias, x, y, *, dropout=0.0, training=False, device="cpu"):
    return run_probe("a2_evaluate_probe", "evaluate", evaluate, weight, bias, x, y, dropout, training, device)


def _check_acc(r, expected, case):
    check_true(r["acc"] is not None, f"'evaluate' ({case}) returned {r['kind']}: expected a Python float")
    check_true(0.0 <= r["acc"] <= 1.0, f"'evaluate' ({case}) returned {r['acc']!r}: expected an accuracy in "
               "[0, 1] (correct / N, not a percentage)")
    check_scalar("evaluate", r["acc"], expected, case=case, rtol=0.0, atol=1e-6)


@test_case(points=1, hidden=False)
def evaluate_hand_made_batch(evaluate):
    """Four signals whose brightest block is 0, 1, 2, 3; labels 0, 1, 2, 9: accuracy 0.75."""
    x = np.zeros((4, 40))
    for i in range(4):
        x[i, 4 * i: 4 * i + 4] = 1.0
    r = _evaluate(evaluate, BLOCK_WEIGHT, np.zeros(10), x, np.array([0, 1, 2, 9]))
    _check_acc(r, 0.75, "3 of 4 right")


# BEGIN HIDDEN TESTS
def _random_case(label, n=300):
    """Random signals and weights; signals whose two largest logits are within 0.01 are dropped, so float32
    and float64 arithmetic agree on every prediction."""
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
    _check_acc(_evaluate(evaluate, w, b, x, y), expected, "float64 x, int64 y")
    x, y, w, b, expected = _random_case("random float32 / int32", n=1500)
    _check_acc(_evaluate(evaluate, w, b, x.astype(np.float32), y.astype(np.int32)), expected,
               "float32 x, int32 y, N larger than a typical batch")


@test_case(points=1, hidden=True)
def evaluate_eval_mode(evaluate):
    x, y, w, b, expected = _random_case("eval mode with dropout")
    r = _evaluate(evaluate, w, b, x, y, dropout=0.5, training=True, device=get_context().device)
    _check_acc(r, expected, "model with dropout: predict in eval mode")
    check_true(r["training_after"], "'evaluate' must restore the model's mode (it was in training mode)")
    check_true(r["unchanged"], "'evaluate' changed the model's weights")


@test_case(points=1, hidden=True)
def evaluate_uses_requested_device(evaluate):
    x, y, *_ = _random_case("device request", n=50)
    r = run_probe("a2_device_request_probe", "evaluate", evaluate, "evaluate", x, y)
    check_true(r["cpu_error"] is None, f"'evaluate' (device='cpu') raised {r['cpu_error']}")
    if r["cuda_available"]:
        check_true(r["raised"] is None, f"'evaluate' (device='cuda') raised {r['raised']}: {r['message']}")
    else:
        check_true(r["raised"] is not None, "'evaluate' (device='cuda' on a machine without CUDA) ran anyway: it "
                   "ignores its device argument (pass it through get_device, which raises RuntimeError)")
