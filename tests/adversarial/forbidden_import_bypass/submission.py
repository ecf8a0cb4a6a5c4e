"""Forbidden in A1, and hiding it: remove the worker's import guard from sys.meta_path, then use
scipy for corr2d/convolve2d (scipy's results are correct: if the grader lets this through, q06 earns
points the policy forbids)."""
import sys

sys.meta_path[:] = [f for f in sys.meta_path if "Forbidden" not in type(f).__name__]
import numpy as np  # noqa: E402
import scipy.signal  # noqa: E402

# @@REFERENCE_Q01@@


def corr2d(image, kernel):
    image, kernel = np.asarray(image), np.asarray(kernel)
    if image.ndim != 2 or kernel.ndim != 2 or kernel.shape[0] > image.shape[0] or kernel.shape[1] > image.shape[1]:
        raise ValueError("bad shapes")
    dtype = np.result_type(image.dtype, kernel.dtype, np.float64 if image.dtype.kind in "biu" else image.dtype)
    return scipy.signal.correlate2d(image.astype(dtype), kernel.astype(dtype), mode="valid")


def convolve2d(image, kernel):
    return corr2d(image, np.asarray(kernel)[::-1, ::-1])
