"""Q7 the lecture's claim: on MNIST-1D the small CNN (2,050 parameters) beats the MLP of the same depth
(59,065 parameters).

Both networks are YOUR classes, seeded alike (torch.manual_seed(0) before construction), trained by YOUR
``train`` with the same short recipe: ``epochs=50, batch_size=100, lr=0.01, seed=0`` on the 4000 training
signals (the lecture's batch 100 and lr 0.01; tuned for Adam, also fine for SGD with momentum 0.9).
Public case: the CNN is more accurate than the MLP on the standard test split (1000 signals).
Hidden case: the same on a freshly generated hidden test set (the grader keeps its labels).
"""
import weakref

import numpy as np
from otter.test_files import test_case

from autograder.checks import StudentCallError, check_true, get_context, run_probe
from autograder.checks.context import datasets_package, hidden_mnist1d_set

OK_FORMAT = False
name = "q07_cnn_vs_mlp"

RECIPE = dict(epochs=50, batch_size=100, lr=0.01, seed=0)
TIME_LIMIT_S = 40.0  # both trainings together, wall clock, where your code runs (the reference: ~5 s on CPU)


#: Extra test sets (functions returning (x, y)) whose predictions the same training run also returns:
#: the grader adds its hidden set here, so both cases below share one training run per submission.
_EXTRA_TEST_SETS: list = []
_RUNS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _predictions(MNIST1DConvNet, MNIST1DMLP, train):
    """Train both networks once per submission (cached on the student's ``train``, failures included);
    their predictions for the standard test split, then for each extra test set."""
    ctx = get_context()
    key = (ctx.assignment, ctx.seed, ctx.student, ctx.device, id(MNIST1DConvNet), id(MNIST1DMLP))
    cached = _RUNS.get(train) if train is not None else None
    if cached is None or cached[0] != key:
        x_train, y_train = datasets_package().load_mnist1d("train")
        x_tests = [datasets_package().load_mnist1d("test")[0]] + [provider()[0] for provider in _EXTRA_TEST_SETS]
        try:
            r = run_probe("a2_compare_probe", ("MNIST1DConvNet", "MNIST1DMLP", "train"),
                          (MNIST1DConvNet, MNIST1DMLP, train), x_train, y_train, np.concatenate(x_tests),
                          RECIPE, ctx.device, timeout_s=TIME_LIMIT_S)
            splits = np.cumsum([len(x) for x in x_tests])[:-1]
            outcome = (None, {k: np.split(r[k]["preds"], splits) for k in ("cnn", "mlp")})
        except StudentCallError as exc:
            outcome = (exc, None)
        cached = (key, outcome)
        if train is not None:
            _RUNS[train] = cached
    error, preds = cached[1]
    if error is not None:
        raise error
    return preds


def _compare(preds, index, y_test, case):
    acc = {}
    for key, label in (("cnn", "MNIST1DConvNet"), ("mlp", "MNIST1DMLP")):
        pred = preds[key][index] if index < len(preds[key]) else None
        check_true(isinstance(pred, np.ndarray) and pred.shape == y_test.shape,
                   f"'{label}' ({case}) gave no prediction per test signal")
        acc[key] = float(np.mean(pred == y_test))
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
    return hidden_mnist1d_set(1000)


_EXTRA_TEST_SETS.append(_hidden_test_set)
# END HIDDEN TESTS


@test_case(points=2, hidden=True)
def cnn_beats_mlp_hidden_test_set(MNIST1DConvNet, MNIST1DMLP, train):
    preds = _predictions(MNIST1DConvNet, MNIST1DMLP, train)
    _compare(preds, 1, _hidden_test_set()[1], "hidden test set")
