"""A2's hidden data, generated in the grader process ([support] parent of assignment.toml).

Loaded by ``autograder.checks.parent_support()`` in the trusted grader only: shipped in the Gradescope
and otter zips, never in the student bundle. Nothing here runs where the student's code runs; the labels
it draws never leave the grader (the student's model gets the signals only).
"""
import threading

from autograder.checks import case_rng
from autograder.checks.context import datasets_package

_HIDDEN_SETS: dict = {}
_HIDDEN_LOCK = threading.Lock()


def hidden_mnist1d_set(n: int = 1000):
    """A fresh MNIST-1D test set ``(x, y)`` of ``n`` signals whose seed derives from the assignment seed
    and the student id: generated here, in the grader; its labels never leave this process."""
    seed = int(case_rng("hidden MNIST-1D test set").integers(1, 2**31 - 1))
    with _HIDDEN_LOCK:  # make_mnist1d swaps NumPy's global RNG state: one generation at a time
        if (seed, n) not in _HIDDEN_SETS:
            _HIDDEN_SETS[(seed, n)] = datasets_package().make_mnist1d(seed, n)
            while len(_HIDDEN_SETS) > 8:
                _HIDDEN_SETS.pop(next(iter(_HIDDEN_SETS)))
        return _HIDDEN_SETS[(seed, n)]
