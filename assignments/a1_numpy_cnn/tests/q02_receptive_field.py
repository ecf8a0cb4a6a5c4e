"""Q2 receptive field: how many input pixels one output unit of the last layer sees.

Public cases: the lecture's stacks of 3x3 layers, strides that multiply the "jump", dilation.
Hidden cases: random stacks (seeded per student), compared with the reference; invalid layers.
"""
from otter.test_files import test_case

from autograder.checks import case_rng, student

OK_FORMAT = False
name = "q02_receptive_field"


@test_case(points=1, hidden=False)
def stacked_3x3_layers(receptive_field):
    """The lecture: two 3x3 stride-1 layers see 5x5 input pixels, three see 7x7; no layer sees 1."""
    f = student("receptive_field", receptive_field)
    f.expect(5, [(3, 1), (3, 1)], case="two 3x3 stride-1 layers")
    f.expect(7, [(3, 1), (3, 1), (3, 1)], case="three 3x3 stride-1 layers")
    f.expect(1, [], case="no layers")


@test_case(points=1, hidden=False)
def strides_multiply_the_jump(receptive_field):
    """After a stride-2 layer, one step of the next layer moves 2 input pixels: its kernel adds twice as much."""
    f = student("receptive_field", receptive_field)
    f.expect(7, [(3, 2), (3, 1)], case="3x3 stride 2, then 3x3 stride 1")
    f.expect(8, [(2, 2), (2, 2), (2, 2)], case="three 2x2 stride-2 pooling layers")
    f.expect(16, [(5, 1), (2, 2), (5, 1), (2, 2)], case="LeNet-5: conv 5, pool 2, conv 5, pool 2")


@test_case(points=1, hidden=False)
def dilation_widens_the_kernel(receptive_field):
    """A dilated kernel spans ``d*(k-1)+1`` pixels; doubling dilations grow the field exponentially."""
    f = student("receptive_field", receptive_field)
    f.expect(5, [(3, 1, 2)], case="one 3-tap layer, dilation 2")
    f.expect(15, [(3, 1, 1), (3, 1, 2), (3, 1, 4)], case="dilations 1, 2, 4")


# BEGIN HIDDEN TESTS
def _random_layers(rng, jump=False):
    """A random stack; with ``jump``, a layer wider than 1 follows a stride > 1 (earlier strides then
    multiply its contribution); without, a layer wider than 1 has a dilation > 1."""
    while True:
        layers = []
        for _ in range(int(rng.integers(2 if jump else 1, 7))):
            k, s = int(rng.integers(1, 8)), int(rng.integers(1, 4))
            layers.append((k, s) if rng.random() < 0.5 else (k, s, int(rng.integers(1, 4))))
        strided = [i for i, layer in enumerate(layers) if layer[1] > 1]
        if jump and strided and any(layer[0] > 1 for layer in layers[strided[0] + 1:]):
            return layers
        if not jump and any(len(layer) == 3 and layer[0] > 1 and layer[2] > 1 for layer in layers):
            return layers
# END HIDDEN TESTS


@test_case(points=0.5, hidden=True)
def receptive_field_random(receptive_field):
    f = student("receptive_field", receptive_field)
    rng = case_rng("receptive_field random")
    for i in range(10):
        f.same(_random_layers(rng, jump=i % 2 == 0), case="random stack of (k, s) and (k, s, d) layers")


@test_case(points=0.5, hidden=True)
def receptive_field_invalid(receptive_field):
    f = student("receptive_field", receptive_field)
    rng = case_rng("receptive field invalid: a valid call first")
    # stride 1 everywhere: a jump bug is charged in the cases about strides, the same for every student
    layers = [(int(rng.integers(2, 6)), 1) for _ in range(3)]
    f.same(layers, case="a valid call first")
    f.raises(ValueError, [(3, 1), (3, 0)], case="stride 0")
    f.raises(ValueError, [(0, 1)], case="k=0")
    f.raises(ValueError, [(3, 1, 0)], case="dilation 0")
    f.raises(ValueError, [(3, 1, 1, 1)], case="a layer of 4 numbers")
    f.raises(TypeError, [(3.0, 1)], case="k=3.0 (a float)")
