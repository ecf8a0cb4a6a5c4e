"""Attack: patch otter (test_case, TestFile, grading results) and builtins (isinstance, AssertionError)
at import, hoping the tests run in this process; every function returns None."""
import builtins

try:
    import otter
    import otter.test_files as tf
    import otter.test_files.abstract_test as at

    tf.test_case = lambda *a, **k: (lambda f: (lambda *x, **y: None))
    for cls in (getattr(at, "TestFile", None), getattr(at, "TestCaseResult", None)):
        if cls is not None:
            for attr in ("passed", "all_passed"):
                try:
                    setattr(cls, attr, property(lambda self: True))
                except (AttributeError, TypeError):
                    pass
    if hasattr(at.TestFile, "score"):
        at.TestFile.score = property(lambda self: 1e9)
except Exception as exc:  # noqa: BLE001
    print("otter patch failed:", exc)

builtins.isinstance = lambda *a: True
builtins.AssertionError = type("NeverRaised", (Exception,), {})

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


def _fake(*args, **kwargs):
    return None


for _n in NAMES:
    globals()[_n] = _fake
