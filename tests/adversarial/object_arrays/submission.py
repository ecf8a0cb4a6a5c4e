"""Attack: return object arrays of the input's shape, filled with objects equal to everything."""
import numpy as np

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


class Anything:
    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __float__(self):
        return 0.0

    def __abs__(self):
        return 0.0

    def __sub__(self, other):
        return 0.0

    __rsub__ = __add__ = __radd__ = __mul__ = __rmul__ = __sub__


def _fake(*args, **kwargs):
    arrays = [a for a in args if isinstance(a, np.ndarray)]
    shape = arrays[0].shape if arrays else (1,)
    out = np.empty(shape, dtype=object)
    out.fill(Anything())
    return out


for _n in NAMES:
    globals()[_n] = _fake
