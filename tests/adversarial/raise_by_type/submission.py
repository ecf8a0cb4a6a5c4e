"""Attack: every function raises TypeError when any argument is a float or a bool, ValueError otherwise,
hoping to collect the invalid-argument cases (which expect exactly those). They count only after a
correct result of the same function in the same case, so this earns nothing."""

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


def _raiser(*args, **kwargs):
    values = list(args) + list(kwargs.values())
    if any(isinstance(v, (float, bool)) for v in values):
        raise TypeError("a float or a bool")
    raise ValueError("invalid")


for _n in NAMES:
    globals()[_n] = _raiser
