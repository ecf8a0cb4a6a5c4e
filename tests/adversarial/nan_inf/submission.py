"""Attack: NaN and inf everywhere (NaN compares unequal to everything, but a careless
"not (got != expected)" or an nan-tolerant comparison would pass it)."""
import numpy as np

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


def _fake(*args, **kwargs):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    if not arrays:
        return float("nan")
    out = np.full(arrays[0].shape, np.nan)
    out.flat[::2] = np.inf
    return out


for _n in NAMES:
    globals()[_n] = _fake
conv2d_backward = lambda dout, x, w, *a, **k: (np.full(x.shape, np.nan), np.full(w.shape, np.inf), np.full(w.shape[0], np.nan))
