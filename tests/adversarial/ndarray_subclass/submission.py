"""Attack: return an ndarray subclass whose comparisons all say "equal" (and whose ufuncs lie),
holding zeros of the input's shape."""
import numpy as np

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


class Liar(np.ndarray):
    def __eq__(self, other):
        return np.ones(self.shape, dtype=bool).view(np.ndarray)

    def __ne__(self, other):
        return np.zeros(self.shape, dtype=bool).view(np.ndarray)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return np.ones(np.broadcast_shapes(*[np.shape(i) for i in inputs]), dtype=bool)

    __hash__ = None


def _fake(*args, **kwargs):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    base = np.zeros_like(arrays[0]) if arrays else np.zeros(())
    return base.view(Liar)


for _n in NAMES:
    globals()[_n] = _fake
conv2d_backward = lambda dout, x, w, *a, **k: tuple(np.zeros_like(v).view(Liar) for v in (x, w, w[:, 0, 0, 0]))
