"""Attack (or accident): a syntax error."""
import numpy as np


def conv2d(x, w, b=None, stride=1:
    return np.zeros(1)
