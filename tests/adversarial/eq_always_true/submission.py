"""Attack: return an object that equals everything (__eq__ always True, every comparison True,
indexable, iterable, numeric conversions to whatever is asked)."""

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]


class Anything:
    shape = property(lambda self: self)
    dtype = property(lambda self: self)
    ndim = 4

    def __eq__(self, other):
        return True

    def __ne__(self, other):
        return False

    __lt__ = __le__ = __gt__ = __ge__ = __eq__
    __hash__ = object.__hash__

    def __bool__(self):
        return True

    def __len__(self):
        return 3

    def __iter__(self):
        return iter([Anything(), Anything(), Anything()])

    def __getitem__(self, key):
        return Anything()

    def __getattr__(self, name):
        return Anything()

    def __call__(self, *a, **k):
        return Anything()

    def __float__(self):
        return 0.0

    def __int__(self):
        return 0

    __index__ = __int__

    def __array__(self, dtype=None, copy=None):
        raise TypeError("no")


def _fake(*args, **kwargs):
    return Anything()


for _n in NAMES:
    globals()[_n] = _fake
