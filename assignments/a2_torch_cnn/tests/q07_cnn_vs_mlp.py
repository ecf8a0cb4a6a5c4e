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

import numpy as np
from otter.test_files import test_case

from autograder.checks import (
    StudentCallError,
    build_model,
    cached,
    call_timed,
    check_true,
    get_context,
    parent_support,
    predictions,
)
from autograder.checks.context import datasets_package

OK_FORMAT = False
name = "q07_cnn_vs_mlp"

RECIPE = dict(epochs=50, batch_size=100, lr=0.01, seed=0)
TIME_LIMIT_S = 40.0  # both trainings together, wall clock, where your code runs (the reference: ~5 s on CPU)
MIN_ACCURACY = {"cnn": 0.60, "mlp": 0.40}  # the reference: about 86% and 67%
NETWORKS = (("cnn", "MNIST1DConvNet"), ("mlp", "MNIST1DMLP"))


def _train_both(MNIST1DConvNet, MNIST1DMLP, train):
    """Build and train both networks where the student's code runs, on the standard training set (nothing
    drawn per student)."""
    x_train, y_train = datasets_package().load_mnist1d("train")
    models, start = {}, time.monotonic()
    for (key, label), cls in zip(NETWORKS, (MNIST1DConvNet, MNIST1DMLP), strict=False):
        model = build_model(label, cls)
        left = TIME_LIMIT_S - (time.monotonic() - start)
        if left <= 1.0:
            raise StudentCallError(f"'train' did not train both networks within {TIME_LIMIT_S:g} s", kind="timeout")
        call_timed("train", train, left, model, x_train, y_train, **RECIPE, device=get_context().device)
        models[key] = model
    return models


def _predictions(MNIST1DConvNet, MNIST1DMLP, train, x_test):
    """Both networks, trained once per submission (``cached``: one training run for both cases, failures
    included); their arg-max predictions for ``x_test``."""
    try:
        models = cached("q07 trained networks", lambda: _train_both(MNIST1DConvNet, MNIST1DMLP, train))
    except AssertionError as exc:  # a StudentCallError or a CheckFailure: the same for both cases
        if get_context().hidden:  # the message was made for the public case: it may quote the student
            raise StudentCallError("the shared training run failed (the public case cnn_beats_mlp_public_test_split "
                                   "says why)", kind=getattr(exc, "kind", "error")) from None
        raise
    return {key: predictions(label, models[key], x_test) for key, label in NETWORKS}


def _compare(preds, y_test, case):
    acc = {k: float(np.mean(preds[k] == y_test)) for k in ("cnn", "mlp")}
    for key, label in NETWORKS:
        check_true(acc[key] >= MIN_ACCURACY[key], f"({case}) the {label} trained by your 'train' reaches only "
                   f"{acc[key]:.1%}: expected at least {MIN_ACCURACY[key]:.0%} (the reference: about 86% vs 67%)")
    check_true(acc["cnn"] > acc["mlp"], f"({case}) the CNN trained by your 'train' is not more accurate than the "
               f"MLP: CNN {acc['cnn']:.1%}, MLP {acc['mlp']:.1%} (the reference: about 86% vs 67%)")
    return acc


@test_case(points=1, hidden=False)
def cnn_beats_mlp_public_test_split(MNIST1DConvNet, MNIST1DMLP, train):
    """Trained by your train with the recipe above, the CNN beats the MLP on the standard test split."""
    x_test, y_test = datasets_package().load_mnist1d("test")
    _compare(_predictions(MNIST1DConvNet, MNIST1DMLP, train, x_test), y_test, "standard test split")


@test_case(points=2, hidden=True)
def cnn_beats_mlp_hidden_test_set(MNIST1DConvNet, MNIST1DMLP, train):
    x_test, y_test = parent_support().hidden_mnist1d_set(1000)
    _compare(_predictions(MNIST1DConvNet, MNIST1DMLP, train, x_test), y_test, "hidden test set")
