"""Q1 sizes: output size of a convolution and a pooling window, effective kernel, same/full padding.

Public cases: the lecture's formula ``O = floor((W - K + 2P) / S) + 1`` on small numbers worked by hand.
Hidden cases: random sizes and hyper-parameters (seeded per student), compared with the reference,
and every invalid-argument rule of the conventions.
"""
from otter.test_files import test_case

from autograder.checks import case_rng, reference, student

OK_FORMAT = False
name = "q01_sizes"


@test_case(points=1, hidden=False)
def conv_output_size_lecture(conv_output_size):
    """``O = floor((W - K + 2P) / S) + 1``: the lecture's 5x5 input and 3x3 kernel, LeNet-5's 32 -> 28."""
    f = student("conv_output_size", conv_output_size)
    f.expect(3, 5, 3, case="n=5, k=3")
    f.expect(28, 32, 5, case="n=32, k=5")
    f.expect(3, 5, 3, stride=2, padding=1, case="n=5, k=3, stride 2, padding 1")
    f.expect(28, 28, 3, padding=1, case="n=28, k=3, padding 1 (half padding keeps the size)")


@test_case(points=1, hidden=False)
def conv_output_size_rounds_down(conv_output_size):
    """When the stride does not divide evenly, the last incomplete window is dropped (floor)."""
    f = student("conv_output_size", conv_output_size)
    f.expect(2, 6, 3, stride=2, case="n=6, k=3, stride 2")
    f.expect(2, 10, 3, stride=4, case="n=10, k=3, stride 4")
    f.expect(3, 7, 2, stride=3, padding=1, case="n=7, k=2, stride 3, padding 1")
    f.expect(3, 7, 3, dilation=2, case="n=7, k=3, dilation 2 (the kernel spans 5)")


@test_case(points=1, hidden=False)
def pool_output_size_lecture(pool_output_size):
    """Pooling: ``stride=None`` means stride = kernel size; an odd size loses its last row (floor)."""
    f = student("pool_output_size", pool_output_size)
    f.expect(14, 28, 2, case="n=28, k=2")
    f.expect(2, 5, 2, case="n=5, k=2")
    f.expect(4, 7, 3, stride=2, padding=1, case="n=7, k=3, stride 2, padding 1")
    f.expect(4, 6, 3, stride=1, case="n=6, k=3, stride 1 (overlapping windows)")


@test_case(points=1, hidden=False)
def effective_same_full_padding(effective_kernel_size, same_padding, full_padding):
    """A dilated kernel spans ``d*(k-1)+1``; "same" puts the extra pixel of an even kernel AFTER."""
    span = student("effective_kernel_size", effective_kernel_size)
    same = student("same_padding", same_padding)
    full = student("full_padding", full_padding)
    span.expect(3, 3, case="k=3")
    span.expect(5, 3, 2, case="k=3, dilation 2")
    same.expect((1, 1), 3, case="k=3")
    same.expect((1, 2), 4, case="k=4 (even kernel)")
    same.expect((2, 2), 3, 2, case="k=3, dilation 2")
    full.expect(2, 3, case="k=3")
    full.expect(6, 3, 3, case="k=3, dilation 3")


# BEGIN HIDDEN TESTS
def _conv_args(rng, kind=None):
    """Random (n, k, stride, padding, dilation) with a valid (>= 1) output size. ``kind`` forces the
    property a draw exercises: "inexact" (stride > 1 that does not divide: floor != ceil) or "dilated"
    (dilation > 1 on a kernel wider than 1)."""
    while True:
        n, k = int(rng.integers(1, 40)), int(rng.integers(1, 8))
        s, p, d = int(rng.integers(1, 5)), int(rng.integers(0, 4)), int(rng.integers(1, 4))
        room = n + 2 * p - d * (k - 1) - 1
        if room < 0 or (kind == "inexact" and (s == 1 or room % s == 0)) or (kind == "dilated" and (d == 1 or k == 1)):
            continue
        return n, k, s, p, d
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def conv_output_size_random(conv_output_size):
    f, rng = student("conv_output_size", conv_output_size), case_rng("conv_output_size random")
    for i in range(25):
        n, k, s, p, d = _conv_args(rng, [None, "inexact", "dilated"][i % 3])
        f.same(n, k, stride=s, padding=p, dilation=d, case="random n, k, stride, padding, dilation")


@test_case(points=1, hidden=True)
def pool_output_size_random(pool_output_size):
    f, rng = student("pool_output_size", pool_output_size), case_rng("pool_output_size random")
    for i in range(25):
        while True:   # every other draw: a stride that does not divide (floor != ceil)
            k = int(rng.integers(1, 7))
            n = int(rng.integers(k, 40))
            s = None if i % 3 == 0 else int(rng.integers(1, 5))
            p = int(rng.integers(0, k // 2 + 1))
            step = k if s is None else s
            if i % 2 or (step > 1 and (n + 2 * p - k) % step):
                break
        f.same(n, k, stride=s, padding=p,
               case="random sizes, stride=None" if s is None else "random sizes, stride and padding")


@test_case(points=1, hidden=True)
def same_full_padding_random(effective_kernel_size, same_padding, full_padding):
    span = student("effective_kernel_size", effective_kernel_size)
    same = student("same_padding", same_padding)
    full = student("full_padding", full_padding)
    rng = case_rng("same/full padding random")
    ref = reference()
    for i in range(12):
        k, d = int(rng.integers(1, 9)), int(rng.integers(1, 5))
        if i % 3 == 0:   # an odd total d*(k-1) (even k, odd d): the extra pixel goes after
            k, d = 2 * int(rng.integers(1, 5)), 2 * int(rng.integers(0, 2)) + 1
        elif i % 3 == 1:  # a dilated kernel wider than 1
            k, d = int(rng.integers(2, 9)), int(rng.integers(2, 5))
        expected = ref.effective_kernel_size(k, d), ref.same_padding(k, d), ref.full_padding(k, d)
        span.expect(expected[0], k, d, case="random k and dilation")
        same.expect(expected[1], k, d, case="random k (odd and even) and dilation")
        full.expect(expected[2], k, d, case="random k and dilation")


@test_case(points=1, hidden=True)
def sizes_invalid_arguments(conv_output_size, pool_output_size):
    conv_size = student("conv_output_size", conv_output_size)
    pool_size = student("pool_output_size", pool_output_size)
    rng = case_rng("sizes invalid arguments: valid calls first")
    n, k = int(rng.integers(9, 30)), int(rng.integers(2, 6))
    conv_size.same(n, k, stride=2, padding=1, case="a valid call first")
    pool_size.same(n, k, case="a valid call first")
    conv_size.raises(ValueError, 0, 3, case="n=0")
    conv_size.raises(ValueError, 5, 0, case="k=0")
    conv_size.raises(ValueError, 5, 3, stride=0, case="stride 0")
    conv_size.raises(ValueError, 5, 3, dilation=0, case="dilation 0")
    conv_size.raises(ValueError, 5, 3, padding=-1, case="padding -1")
    conv_size.raises(ValueError, 3, 5, case="kernel larger than the input")
    conv_size.raises(ValueError, 5, 3, dilation=3, case="dilated kernel larger than the input")
    conv_size.raises(TypeError, 5.0, 3, case="n=5.0 (a float)")
    conv_size.raises(TypeError, 5, 3, stride=True, case="stride True (a bool)")
    pool_size.raises(ValueError, 8, 3, padding=2, case="padding > k // 2")
    pool_size.raises(ValueError, 8, 2, stride=0, case="stride 0")
    pool_size.raises(ValueError, 2, 3, case="window larger than the input")
    pool_size.raises(TypeError, 8, 2.0, case="k=2.0 (a float)")
