"""Q8 your own MNIST-1D classifier: ``make_classifier`` + ``fit``, graded by accuracy on a hidden test set.

The grader calls ``fit(make_classifier(), x_train, y_train, device=...)`` once where your code runs, on the
4000 standard training signals, with a limit of FIT_TIME_LIMIT_S seconds (wall clock, one CPU thread),
then sends the hidden test signals (never their labels) and counts your model's arg-max predictions.
Bands (partial credit, cumulative), calibrated on the reference (98.8% on the standard test split in
about 6 s of one CPU thread): >= 70%, >= 80%, >= 90%, >= 95%, 2 points each. A fit that runs out of time,
or a model that always predicts the same class, loses only these points.
Public case: the interface, on a small synthetic set.
Hidden cases: the accuracy bands; ``fit`` uses its ``device`` argument.
"""
import weakref

import numpy as np
from otter.test_files import test_case

from autograder.checks import CheckFailure, StudentCallError, check_true, expect_array, get_context, run_probe
from autograder.checks.context import datasets_package, hidden_mnist1d_set

OK_FORMAT = False
name = "q08_classifier"

FIT_TIME_LIMIT_S = 30.0
BANDS = (0.70, 0.80, 0.90, 0.95)


#: fit objects (one per submission) whose fit ran out of time: it is not called again in that submission.
_TIMED_OUT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _fit(make_classifier, fit, x_train, y_train, x_tests, timeout_s=FIT_TIME_LIMIT_S):
    """``fit(make_classifier(), x_train, y_train)`` where the student's code runs; predictions for ``x_tests``."""
    if fit is not None and fit in _TIMED_OUT:
        raise _TIMED_OUT[fit]
    try:
        return run_probe("a2_fit_probe", ("make_classifier", "fit"), (make_classifier, fit), x_train, y_train,
                         list(x_tests), get_context().device, timeout_s=timeout_s)
    except StudentCallError as exc:
        if exc.kind == "timeout" and fit is not None:
            _TIMED_OUT[fit] = StudentCallError(f"'fit' is not called again: it ran out of time ({timeout_s:g} s) "
                                               "earlier in this submission", kind="timeout")
        raise


def _predictions(r, n):
    """The predictions in a fit report: n ints, checked before any arithmetic (a wrong shape would broadcast
    against the labels: a small reply could make the grader allocate gigabytes)."""
    check_true(isinstance(r, dict) and isinstance(r.get("preds"), list) and len(r["preds"]) == 1,
               "'make_classifier' + 'fit': the predictions could not be read back")
    return expect_array("make_classifier + fit", r["preds"][0], (n,), kinds="iu", what="predictions")


def _synthetic(n, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 10, n)
    return (rng.normal(size=(n, 40)) + np.eye(10)[y].repeat(4, axis=1) * 2.0).astype(np.float32), y


@test_case(points=1, hidden=False)
def classifier_interface(make_classifier, fit):
    """make_classifier() is an nn.Module; fit returns it trained, in eval mode, mapping (N, 40) to (N, 10)
    logits; on an easy synthetic set of 300 signals it fits the training data (accuracy >= 50%)."""
    x, y = _synthetic(300)
    r = _fit(make_classifier, fit, x, y, [x])
    check_true(not r["training"], "'fit' must return the model in eval mode (model.eval())")
    check_true(r["num_params"] > 0, "'make_classifier' built a model without parameters")
    acc = float(np.mean(_predictions(r, len(y)) == y))
    check_true(acc >= 0.5, f"'fit' on an easy synthetic set: training accuracy {acc:.1%}, expected >= 50%")


# BEGIN HIDDEN TESTS
_RESULTS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _hidden_test_set():
    return hidden_mnist1d_set(1000)


def _hidden_accuracy(make_classifier, fit):
    """Fit once per submission (cached on the student's ``fit`` object, failures included), then the
    accuracy on the hidden test set, counted here."""
    ctx = get_context()
    key = (ctx.assignment, ctx.seed, ctx.student, ctx.device)
    cached = _RESULTS.get(fit) if fit is not None else None
    if cached is None or cached[0] != key:
        x_test, y_test = _hidden_test_set()
        try:
            r = _fit(make_classifier, fit, *datasets_package().load_mnist1d("train"), [x_test])
            outcome = ("ok", float(np.mean(_predictions(r, len(y_test)) == y_test)), r)
        except (StudentCallError, CheckFailure) as exc:
            outcome = ("error", exc, None)
        cached = (key, outcome)
        if fit is not None:
            _RESULTS[fit] = cached
    status, value, report = cached[1]
    if status == "error":
        raise value
    return value, report


def _check_band(make_classifier, fit, threshold):
    acc, r = _hidden_accuracy(make_classifier, fit)
    check_true(acc >= threshold, f"'make_classifier' + 'fit': hidden test accuracy {acc:.1%} is below "
               f"{threshold:.0%} (fit took {r['fit_s']:.1f} s)")
# END HIDDEN TESTS


@test_case(points=2, hidden=True)
def accuracy_at_least_70(make_classifier, fit):
    _check_band(make_classifier, fit, 0.70)


@test_case(points=2, hidden=True)
def accuracy_at_least_80(make_classifier, fit):
    _check_band(make_classifier, fit, 0.80)


@test_case(points=2, hidden=True)
def accuracy_at_least_90(make_classifier, fit):
    _check_band(make_classifier, fit, 0.90)


@test_case(points=2, hidden=True)
def accuracy_at_least_95(make_classifier, fit):
    _check_band(make_classifier, fit, 0.95)


@test_case(points=1, hidden=True)
def fit_uses_requested_device(make_classifier, fit):
    if fit is not None and fit in _TIMED_OUT:
        raise _TIMED_OUT[fit]  # do not wait for a fit that already ran out of time
    x, y = _synthetic(100, seed=5)
    r = run_probe("a2_device_request_probe", ("make_classifier", "fit"), (make_classifier, fit), "fit", x, y)
    check_true(r["cpu_error"] is None, f"'fit' (device='cpu') raised {r['cpu_error']}")
    if r["cuda_available"]:
        check_true(r["raised"] is None, f"'fit' (device='cuda') raised {r['raised']}: {r['message']}")
        check_true(all(d.startswith("cuda") for d in r["devices"]),
                   f"'fit' (device='cuda') returned a model on {r['devices']}")
    else:
        check_true(r["raised"] is not None, "'fit' (device='cuda' on a machine without CUDA) ran anyway: it "
                   "ignores its device argument (pass it through get_device, which raises RuntimeError)")
