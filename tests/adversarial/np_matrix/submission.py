"""Attack: return np.matrix objects (2-D, with their own == and * semantics)."""
import numpy as np

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


def _fake(*args, **kwargs):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    base = arrays[0] if arrays else np.zeros((1, 1))
    return np.matrix(np.zeros_like(base).reshape(base.shape[0] if base.ndim else 1, -1))


for _n in NAMES:
    globals()[_n] = _fake
