"""Attack: read the hidden inputs through the feedback. Every function raises an exception whose message
and whose class name carry its arguments, and prints them; a student who saw them could hard-code the
answers on the next submission. Hidden cases show no text produced by the submission."""

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


def _echo(*args, **kwargs):
    text = repr((args, kwargs))[:300]
    print("ECHO", text)
    digits = "".join(ch for ch in text if ch.isdigit())[:20]
    raise type("ECHO" + digits, (ValueError,), {})("ECHO " + text)


for _n in NAMES:
    globals()[_n] = _echo
