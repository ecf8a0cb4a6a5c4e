"""Q7 the lecture's claim: on MNIST-1D the small CNN (2,050 parameters) beats the MLP of the same depth
(59,065 parameters).

Both networks are YOUR classes, built by the grader calling them, trained by YOUR
``train`` with the same short recipe: ``epochs=50, batch_size=100, lr=0.01, seed=0`` on the 4000 training
signals (the lecture's batch 100 and lr 0.01; tuned for Adam, also fine for SGD with momentum 0.9). The grader
then sends the test signals (never their labels) to the trained networks and counts their predictions.
Public case: on the standard test split (1000 signals) the CNN is more accurate than the MLP, and each
reaches a minimum accuracy (CNN >= 60%, MLP >= 40%: two collapsed networks do not pass).
Hidden case: the same on a freshly generated hidden test set (the grader keeps its labels).
"""
import time
import weakref

import numpy as np
from otter.test_files import test_case

from autograder.checks import StudentCallError, build_model, call_timed, check_true, get_context, predictions
from autograder.checks.context import datasets_package, parent_support

OK_FORMAT = False
name = "q07_cnn_vs_mlp"

RECIPE = dict(epochs=50, batch_size=100, lr=0.01, seed=0)
TIME_LIMIT_S = 40.0  # both trainings together, wall clock, where your code runs (the reference: ~5 s on CPU)
MIN_ACCURACY = {"cnn": 0.60, "mlp": 0.40}  # the reference: about 86% and 67%

#: Extra test sets (functions returning (x, y)) whose predictions the same training run also returns:
#: the grader adds its hidden set here, so both cases below share one training run per submission.
_EXTRA_TEST_SETS: list = []
_RUNS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _train_and_predict(MNIST1DConvNet, MNIST1DMLP, train, x_tests):
    """Build and train both networks where the student's code runs; their arg-max predictions per test set."""
    x_train, y_train = datasets_package().load_mnist1d("train")
    preds, start = {}, time.monotonic()
    for key, label, cls in (("cnn", "MNIST1DConvNet", MNIST1DConvNet), ("mlp", "MNIST1DMLP", MNIST1DMLP)):
        model = build_model(label, cls)
        left = TIME_LIMIT_S - (time.monotonic() - start)
        if left <= 1.0:
            raise StudentCallError(f"'train' did not train both networks within {TIME_LIMIT_S:g} s", kind="timeout")
        call_timed("train", train, left, model, x_train, y_train, **RECIPE, device=get_context().device)
        preds[key] = [predictions(label, model, x) for x in x_tests]
    return preds


def _predictions(MNIST1DConvNet, MNIST1DMLP, train):
    """Train both networks once per submission (cached on the student's ``train``, failures included);
    their predictions for the standard test split, then for each extra test set."""
    ctx = get_context()
    key = (ctx.assignment, ctx.seed, ctx.student, ctx.submission_sha256, ctx.device, id(MNIST1DConvNet),
           id(MNIST1DMLP))
    cached = _RUNS.get(train) if train is not None else None
    if cached is None or cached[0] != key:
        x_tests = [datasets_package().load_mnist1d("test")[0]] + [provider()[0] for provider in _EXTRA_TEST_SETS]
        try:
            outcome = (None, _train_and_predict(MNIST1DConvNet, MNIST1DMLP, train, x_tests))
        except AssertionError as exc:  # a StudentCallError or a CheckFailure: the same for both cases
            outcome = (exc, None)
        cached = (key, outcome)
        if train is not None:
            _RUNS[train] = cached
    error, preds = cached[1]
    if error is not None and ctx.hidden:  # the message was made for the public case: it may quote the student
        raise StudentCallError("the shared training run failed (the public case cnn_beats_mlp_public_test_split "
                               "says why)", kind=getattr(error, "kind", "error"))
    if error is not None:
        raise error
    return preds


def _compare(preds, index, y_test, case):
    acc = {k: float(np.mean(preds[k][index] == y_test)) for k in ("cnn", "mlp")}
    for key, label in (("cnn", "MNIST1DConvNet"), ("mlp", "MNIST1DMLP")):
        check_true(acc[key] >= MIN_ACCURACY[key], f"({case}) the {label} trained by your 'train' reaches only "
                   f"{acc[key]:.1%}: expected at least {MIN_ACCURACY[key]:.0%} (the reference: about 86% vs 67%)")
    check_true(acc["cnn"] > acc["mlp"], f"({case}) the CNN trained by your 'train' is not more accurate than the "
               f"MLP: CNN {acc['cnn']:.1%}, MLP {acc['mlp']:.1%} (the reference: about 86% vs 67%)")
    return acc


@test_case(points=1, hidden=False)
def cnn_beats_mlp_public_test_split(MNIST1DConvNet, MNIST1DMLP, train):
    """Trained by your train with the recipe above, the CNN beats the MLP on the standard test split."""
    preds = _predictions(MNIST1DConvNet, MNIST1DMLP, train)
    _compare(preds, 0, datasets_package().load_mnist1d("test")[1], "standard test split")


# BEGIN HIDDEN TESTS


def _hidden_test_set():
    return parent_support().hidden_mnist1d_set(1000)


_EXTRA_TEST_SETS.append(_hidden_test_set)
# END HIDDEN TESTS


@test_case(points=2, hidden=True)
def cnn_beats_mlp_hidden_test_set(MNIST1DConvNet, MNIST1DMLP, train):
    preds = _predictions(MNIST1DConvNet, MNIST1DMLP, train)
    _compare(preds, 1, _hidden_test_set()[1], "hidden test set")
