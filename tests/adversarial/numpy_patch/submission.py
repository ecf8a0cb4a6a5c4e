"""Attack: monkeypatch numpy's comparison helpers at import (allclose, isclose, array_equal,
testing.assert_*), then return zeros of the input's shape everywhere. The checks run in the
grader, not in the worker: nothing may pass."""
import numpy as np
import numpy.testing

np.allclose = lambda *a, **k: True
np.isclose = lambda a, b, *r, **k: np.ones(np.shape(a), dtype=bool)
np.array_equal = lambda *a, **k: True
np.array_equiv = lambda *a, **k: True
np.testing.assert_allclose = lambda *a, **k: None
np.testing.assert_array_equal = lambda *a, **k: None
np.testing.assert_array_almost_equal = lambda *a, **k: None
np.testing.assert_equal = lambda *a, **k: None
np.isfinite = lambda a, *r, **k: np.ones(np.shape(a), dtype=bool)

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


def _fake(*args, **kwargs):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    return np.zeros_like(arrays[0]) if arrays else 0


for _n in NAMES:
    globals()[_n] = _fake
