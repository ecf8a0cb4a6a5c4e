"""Q8 your own MNIST-1D classifier: ``make_classifier`` + ``fit``, graded by accuracy on a hidden test set.

The grader calls ``fit(make_classifier(), x_train, y_train, device=...)`` once where your code runs, on the
4000 standard training signals, with a limit of FIT_TIME_LIMIT_S seconds (wall clock, one CPU thread),
then sends the hidden test signals (never their labels) to the model ``fit`` returned (in eval mode) and
counts its arg-max predictions.
Bands (partial credit, cumulative), calibrated on the reference (98.1% on the standard test split in
about 6 s of one CPU thread): >= 70%, >= 80%, >= 90%, >= 95%, 2 points each. A fit that runs out of time,
or a model that always predicts the same class, loses only these points.
Public case: the interface, on a small synthetic set (training accuracy >= 50%, counted by the grader).
Hidden cases: the accuracy bands; two calls of ``make_classifier()`` give the same model (seeded initialisation:
the same logits on the grader's signals); ``fit(device="cuda")`` without CUDA raises RuntimeError.
"""
import weakref

import numpy as np
from otter.test_files import test_case

from autograder.checks import (
    StudentCallError,
    cached,
    call,
    call_timed,
    case_rng,
    check_true,
    get_context,
    logits,
    model_weights,
    parent_support,
    predictions,
    student,
    verified,
    worker_has_cuda,
    worker_support,
)
from autograder.checks.context import datasets_package

OK_FORMAT = False
name = "q08_classifier"

FIT_TIME_LIMIT_S = 30.0
BANDS = (0.70, 0.80, 0.90, 0.95)


#: fit objects (one per submission) whose fit ran out of time: it is not called again in that submission.
_TIMED_OUT: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _fit(make_classifier, fit, x_train, y_train, device=None, timeout_s=FIT_TIME_LIMIT_S):
    """``fit(make_classifier(), x_train, y_train, device=device)`` where the student's code runs: the model
    ``fit`` returned (a student object)."""
    if fit is not None and fit in _TIMED_OUT:
        raise _TIMED_OUT[fit]
    model = call("make_classifier", make_classifier)
    try:
        return call_timed("fit", fit, timeout_s, model, x_train, y_train,
                          device=get_context().device if device is None else device)
    except StudentCallError as exc:
        if exc.kind == "timeout" and fit is not None:
            _TIMED_OUT[fit] = StudentCallError(f"'fit' is not called again: it ran out of time ({timeout_s:g} s) "
                                               "earlier in this submission", kind="timeout")
        raise


def _synthetic(n, seed=0):
    """An easy synthetic set, drawn per student and submission (``case_rng``): nothing to fit in advance."""
    x, y = worker_support().block_signals(None, case_rng(f"synthetic set {n} {seed}"), n)
    return x.astype(np.float32), y


def _check_synthetic(make_classifier, fit, device, case):
    x, y = _synthetic(300)
    fitted = _fit(make_classifier, fit, x, y, device=device)
    check_true(sum(v.size for v in model_weights("fit", fitted).values()) > 0,
               "'make_classifier' built a model without parameters")
    acc = float(np.mean(predictions("fit", fitted, x) == y))
    check_true(acc >= 0.5, f"'fit' ({case}) on an easy synthetic set: training accuracy {acc:.1%}, expected >= 50%")
    verified("fit")


@test_case(points=1, hidden=False)
def classifier_interface(make_classifier, fit):
    """make_classifier() is an nn.Module; fit returns it trained, mapping (N, 40) to (N, 10) logits; on an
    easy synthetic set of 300 signals it fits the training data (accuracy >= 50%, counted by the grader)."""
    _check_synthetic(make_classifier, fit, None, "synthetic set")


# BEGIN HIDDEN TESTS
def _check_band(make_classifier, fit, threshold):
    """The model ``fit`` returned on the standard training set (fitted once per submission, ``cached``: shared by
    the band cases, failures included; nothing drawn per student), its accuracy on the hidden test set counted
    here (once per student), at least ``threshold``."""
    def accuracy():
        fitted = cached("q08 fitted classifier",
                        lambda: _fit(make_classifier, fit, *datasets_package().load_mnist1d("train")))
        x_test, y_test = parent_support().hidden_mnist1d_set(1000)
        return float(np.mean(predictions("fit", fitted, x_test) == y_test))

    acc = cached("q08 hidden accuracy", accuracy)
    check_true(acc >= threshold, f"'make_classifier' + 'fit': hidden test accuracy {acc:.1%} is below "
               f"{threshold:.0%}")
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
def classifier_seeded(make_classifier):
    """make_classifier() seeds its initialisation: two fresh models give the same logits (eval mode) on the
    grader's signals."""
    case = "two fresh models from make_classifier(), the same signals"
    x = case_rng("seeded initialisation").standard_normal((64, 40)).astype(np.float32)
    f = student("make_classifier", make_classifier)
    first, second = (logits("make_classifier", f(case=case), x) for _ in range(2))
    check_true(bool(np.isfinite(first).all()), f"'make_classifier' ({case}): NaN or infinite logits")
    check_true(np.allclose(first, second, rtol=1e-4, atol=1e-5),   # a GPU run may differ in the last bits
               f"'make_classifier' ({case}): the two models give different logits: seed the initialisation "
               "(torch.manual_seed inside torch.random.fork_rng, so the caller's random state is left alone)")
    verified("make_classifier")


@test_case(points=1, hidden=True)
def fit_uses_requested_device(make_classifier, fit):
    _check_synthetic(make_classifier, fit, "cpu", "device='cpu'")
    if worker_has_cuda(fit):
        _check_synthetic(make_classifier, fit, "cuda", "device='cuda'")
    else:
        student("fit", fit).refuses_missing_cuda(call("make_classifier", make_classifier), *_synthetic(100, seed=5))
