"""Q3 parameter counts: fully connected, MLP, 1-D / 2-D convolution (with groups), locally connected.

Public cases: the lecture's numbers (400,906 for the MNIST MLP, 59,065 for the MNIST-1D MLP,
``(3x3 + 1) x 3 = 30`` shared weights) and small layers counted by hand.
Hidden cases: random layer sizes (seeded per student), compared with the reference; invalid arguments.
"""
from otter.test_files import test_case

from autograder.checks import case_rng, reference, student

OK_FORMAT = False
name = "q03_params"


@test_case(points=1, hidden=False)
def linear_params_by_hand(linear_params):
    """A fully connected layer has ``in*out`` weights and ``out`` biases."""
    f = student("linear_params", linear_params)
    f.expect(200_960, 784, 256, case="784 -> 256")
    f.expect(200_704, 784, 256, bias=False, case="784 -> 256, bias=False")
    f.expect(610, 60, 10, case="60 -> 10")


@test_case(points=1, hidden=False)
def mlp_params_lecture(mlp_params):
    """The lecture's MNIST MLP [784, 256, 256, 256, 256, 10] has 400,906 parameters (1.6 MB in float32);
    the MNIST-1D MLP 40-285-135-60-10 has 59,065."""
    f = student("mlp_params", mlp_params)
    f.expect(400_906, [784, 256, 256, 256, 256, 10], case="784-256x4-10")
    f.expect(59_065, [40, 285, 135, 60, 10], case="40-285-135-60-10")
    f.expect(399_872, [784, 256, 256, 256, 256, 10], bias=False, case="784-256x4-10, bias=False")


@test_case(points=1, hidden=False)
def conv_params_weight_sharing(conv1d_params, conv2d_params):
    """A conv layer's count does not depend on the image: ``out_c * (in_c*KH*KW + 1)``."""
    conv2d, conv1d = student("conv2d_params", conv2d_params), student("conv1d_params", conv1d_params)
    conv2d.expect(30, 1, 3, 3, case="lecture: (3x3 + 1) x 3")
    conv2d.expect(2_416, 6, 16, 5, case="LeNet-5 C3: 6 -> 16, 5x5")
    conv2d.expect(1_728, 3, 64, 3, bias=False, case="3 -> 64, 3x3, bias=False")
    conv2d.expect(16_448, 256, 64, 1, case="1x1 bottleneck 256 -> 64")
    conv1d.expect(60, 1, 15, 3, case="MNIST-1D: 1 -> 15, k=3")
    conv1d.expect(690, 15, 15, 3, case="MNIST-1D: 15 -> 15, k=3")
    conv1d.expect(675, 15, 15, 3, bias=False, case="15 -> 15, k=3, bias=False")


@test_case(points=1, hidden=False)
def conv2d_params_groups_and_rectangles(conv2d_params):
    """Groups split the input channels (``in_c / groups`` per kernel); ``k`` may be a pair (KH, KW)."""
    f = student("conv2d_params", conv2d_params)
    f.expect(152, 4, 8, 3, groups=2, case="4 -> 8, 3x3, groups 2")
    f.expect(80, 8, 8, 3, groups=8, case="depthwise 8 -> 8, 3x3, groups 8")
    f.expect(40, 2, 4, (1, 5), bias=False, case="2 -> 4, kernel (1, 5), bias=False")
    f.expect(276, 3, 6, (3, 5), case="3 -> 6, kernel (3, 5)")


@test_case(points=1, hidden=False)
def locally_connected_no_sharing(locally_connected2d_params):
    """Same geometry as conv2d, but every output position has its own weights and biases."""
    f = student("locally_connected2d_params", locally_connected2d_params)
    f.expect(81, (1, 5, 5), 1, 3, bias=False,
             case="(1, 5, 5) input, 1 channel, 3x3, bias=False: 9 positions x 9 weights")
    f.expect(800, (1, 6, 6), 5, 3, case="(1, 6, 6) input, 5 channels, 3x3: 16 positions x 50")
    f.expect(1_792, (3, 8, 8), 4, 3, stride=2, padding=1, case="(3, 8, 8) input, 4 channels, 3x3, stride 2, padding 1")


@test_case(points=1, hidden=True)
def params_random(linear_params, mlp_params, conv1d_params, conv2d_params):
    linear = student("linear_params", linear_params)
    mlp = student("mlp_params", mlp_params)
    conv1d = student("conv1d_params", conv1d_params)
    conv2d = student("conv2d_params", conv2d_params)
    rng = case_rng("params random")
    ref = reference()
    for i in range(8):
        a, b, bias = int(rng.integers(1, 600)), int(rng.integers(1, 600)), i % 2 == 0   # with and without bias
        expected = ref.linear_params(a, b, bias)
        linear.expect(expected, a, b, bias=bias, case="random sizes")
        sizes = [int(v) for v in rng.integers(1, 300, size=int(rng.integers(2, 7)))]
        expected = ref.mlp_params(sizes, bias)                 # FIRST: the student gets the list afterwards
        mlp.expect(expected, sizes, bias=bias, case="random widths")
        k = int(rng.integers(2, 8))
        expected = ref.conv1d_params(a, b, k, bias)
        conv1d.expect(expected, a, b, k, bias=bias, case="random channels and kernel")
        g = int(rng.integers(1, 5)) if i % 2 else int(rng.integers(2, 5))
        kh, kw = (int(v) + 1 for v in rng.choice(5, size=2, replace=False))   # KH != KW, 1 to 5
        cin, cout, kk = g * int(rng.integers(1, 20)), g * int(rng.integers(1, 20)), (kh, kw)
        expected = ref.conv2d_params(cin, cout, kk, bias, g)
        conv2d.expect(expected, cin, cout, kk, bias=bias, groups=g, case="random channels, rectangular kernel, groups")


@test_case(points=1, hidden=True)
def locally_connected_random(locally_connected2d_params):
    rng = case_rng("locally connected random")
    for i in range(8):
        while True:   # every other draw: a stride that does not divide on some axis (floor != ceil)
            k = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
            shape = (int(rng.integers(1, 5)), int(rng.integers(k[0], 20)), int(rng.integers(k[1], 20)))
            stride, padding = (int(rng.integers(1, 4)), int(rng.integers(1, 4))), (int(rng.integers(0, 3)),
                                                                                   int(rng.integers(0, 3)))
            if i % 2 or any(s > 1 and (n + 2 * p - kk) % s for n, kk, s, p in zip(shape[1:], k, stride, padding, strict=False)):
                break
        out_c, bias = int(rng.integers(1, 9)), i % 2 == 0
        expected = reference().locally_connected2d_params(shape, out_c, k, stride, padding, bias)
        student("locally_connected2d_params", locally_connected2d_params).expect(
            expected, shape, out_c, k, stride=stride, padding=padding, bias=bias,
            case="random shape, rectangular kernel, stride, padding")


@test_case(points=1, hidden=True)
def params_invalid_arguments(linear_params, mlp_params, conv2d_params, locally_connected2d_params):
    linear = student("linear_params", linear_params)
    mlp = student("mlp_params", mlp_params)
    conv2d = student("conv2d_params", conv2d_params)
    local = student("locally_connected2d_params", locally_connected2d_params)
    rng = case_rng("params invalid arguments: valid calls first")
    a, b, k = (int(v) for v in rng.integers(2, 9, size=3))
    linear.same(10 * a, b, case="a valid call first")
    mlp.same([10 * a, 3 * b, k], case="a valid call first")
    conv2d.same(2 * a, 2 * b, k, groups=2, case="a valid call first")
    local.same((a, 4 + k, 5 + k), b, k, case="a valid call first")
    linear.raises(ValueError, 0, 10, case="in_features 0")
    linear.raises(TypeError, 784.0, 10, case="in_features 784.0 (a float)")
    mlp.raises(ValueError, [784], case="a single width")
    conv2d.raises(ValueError, 4, 6, 3, groups=4, case="groups do not divide out_c")
    conv2d.raises(ValueError, 6, 4, 3, groups=4, case="groups do not divide in_c")
    conv2d.raises(ValueError, 3, 4, 0, case="k=0")
    local.raises(ValueError, (1, 2, 2), 4, 3, case="kernel larger than the input")
    local.raises(ValueError, (5, 5), 4, 3, case="in_shape without channels")
