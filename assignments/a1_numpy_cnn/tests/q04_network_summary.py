"""Q4 network summary: output shape and parameter count of every layer.

Public cases: LeNet-5 (61,706 parameters), the lecture's MNIST-1D CNN (2,050) and MLP (59,065), and a
small network with "same" padding and pooling, every entry counted by hand.
Hidden cases: random 1-D and 2-D networks (seeded per student), compared with the reference;
inconsistent networks that must raise ValueError.
"""
from otter.test_files import test_case

from autograder.checks import case_rng, reference, student

OK_FORMAT = False
name = "q04_network_summary"

LENET5 = [
    {"type": "conv2d", "out_channels": 6, "kernel_size": 5},
    {"type": "tanh"},
    {"type": "avgpool2d", "kernel_size": 2},
    {"type": "conv2d", "out_channels": 16, "kernel_size": 5},
    {"type": "tanh"},
    {"type": "avgpool2d", "kernel_size": 2},
    {"type": "flatten"},
    {"type": "linear", "out_features": 120},
    {"type": "tanh"},
    {"type": "linear", "out_features": 84},
    {"type": "tanh"},
    {"type": "linear", "out_features": 10},
]

MNIST1D_CNN = [
    {"type": "conv1d", "out_channels": 15, "kernel_size": 3, "stride": 2},
    {"type": "relu"},
    {"type": "conv1d", "out_channels": 15, "kernel_size": 3, "stride": 2},
    {"type": "relu"},
    {"type": "conv1d", "out_channels": 15, "kernel_size": 3, "stride": 2},
    {"type": "relu"},
    {"type": "flatten"},
    {"type": "linear", "out_features": 10},
]


@test_case(points=1, hidden=False)
def lenet5_summary(network_summary):
    """LeNet-5 on a (1, 32, 32) image: 61,706 parameters, most of them in the first linear layer."""
    expected = [((6, 28, 28), 156), ((6, 28, 28), 0), ((6, 14, 14), 0), ((16, 10, 10), 2416), ((16, 10, 10), 0),
                ((16, 5, 5), 0), ((400,), 0), ((120,), 48120), ((120,), 0), ((84,), 10164), ((84,), 0),
                ((10,), 850)]
    student("network_summary", network_summary).expect(expected, (1, 32, 32), LENET5, case="LeNet-5")


@test_case(points=1, hidden=False)
def mnist1d_cnn_summary(network_summary):
    """The lecture's MNIST-1D CNN on a (1, 40) signal: 40 -> 19 -> 9 -> 4 positions, 2,050 parameters."""
    expected = [((15, 19), 60), ((15, 19), 0), ((15, 9), 690), ((15, 9), 0), ((15, 4), 690), ((15, 4), 0),
                ((60,), 0), ((10,), 610)]
    student("network_summary", network_summary).expect(expected, (1, 40), MNIST1D_CNN, case="MNIST-1D CNN")


@test_case(points=1, hidden=False)
def mnist1d_mlp_summary(network_summary):
    """The MNIST-1D MLP 40-285-135-60-10: 59,065 parameters (the slide's 150,185 is an erratum)."""
    layers = [{"type": "linear", "out_features": 285}, {"type": "relu"},
              {"type": "linear", "out_features": 135}, {"type": "relu"},
              {"type": "linear", "out_features": 60}, {"type": "relu"},
              {"type": "linear", "out_features": 10}]
    expected = [((285,), 11685), ((285,), 0), ((135,), 38610), ((135,), 0), ((60,), 8160), ((60,), 0),
                ((10,), 610)]
    student("network_summary", network_summary).expect(expected, (40,), layers, case="MNIST-1D MLP")


@test_case(points=1, hidden=False)
def padding_and_pooling_summary(network_summary):
    """"same" padding keeps 32x32; stride 2 halves; max pooling with padding; a 1x1 conv without bias."""
    layers = [{"type": "conv2d", "out_channels": 16, "kernel_size": 3, "padding": "same"},
              {"type": "relu"},
              {"type": "maxpool2d", "kernel_size": 2},
              {"type": "conv2d", "out_channels": 32, "kernel_size": 3, "stride": 2, "padding": 1},
              {"type": "maxpool2d", "kernel_size": 3, "stride": 2, "padding": 1},
              {"type": "conv2d", "out_channels": 10, "kernel_size": 1, "bias": False},
              {"type": "avgpool2d", "kernel_size": 4},
              {"type": "flatten"}]
    expected = [((16, 32, 32), 448), ((16, 32, 32), 0), ((16, 16, 16), 0), ((32, 8, 8), 4640), ((32, 4, 4), 0),
                ((10, 4, 4), 320), ((10, 1, 1), 0), ((10,), 0)]
    student("network_summary", network_summary).expect(expected, (3, 32, 32), layers,
                                                       case='"same" padding, stride 2, pooling, 1x1 conv')


# BEGIN HIDDEN TESTS
def _random_network(rng, dims):
    """A random network of ``dims``-D layers ending in flatten + linear, valid for the reference."""
    while True:
        c = int(rng.integers(1, 4))
        shape = (c, int(rng.integers(16, 48))) if dims == 1 else (c, int(rng.integers(12, 40)),
                                                                   int(rng.integers(12, 40)))
        layers = []
        for _ in range(int(rng.integers(1, 5))):
            kind = rng.choice(["conv", "conv", "pool", "act"])
            if kind == "conv":
                k = int(rng.integers(1, 6))
                layer = {"type": f"conv{dims}d", "out_channels": int(rng.integers(1, 9)), "kernel_size": k}
                if rng.random() < 0.5:
                    layer["stride"] = int(rng.integers(1, 3))
                if rng.random() < 0.3:
                    layer["dilation"] = int(rng.integers(1, 3))
                if rng.random() < 0.5:
                    layer["padding"] = ["valid", "full", int(rng.integers(0, 3))][int(rng.integers(0, 3))] \
                        if layer.get("stride", 1) > 1 else ["same", "valid", "full", 1][int(rng.integers(0, 4))]
                if rng.random() < 0.3:
                    layer["bias"] = False
            elif kind == "pool":
                k = int(rng.integers(1, 4))
                layer = {"type": "maxpool1d" if dims == 1 else str(rng.choice(["maxpool2d", "avgpool2d"])),
                         "kernel_size": k}
                if rng.random() < 0.5:
                    layer["stride"] = int(rng.integers(1, 3))
                if rng.random() < 0.5:
                    layer["padding"] = int(rng.integers(0, k // 2 + 1))
            else:
                layer = {"type": str(rng.choice(["relu", "tanh", "sigmoid"]))}
            layers.append(layer)
        last = {"type": "linear", "out_features": int(rng.integers(1, 12))}
        if rng.random() < 0.5:
            last["bias"] = False
        layers += [{"type": "flatten"}, last]
        try:
            return shape, layers, reference().network_summary(shape, layers)
        except ValueError:
            continue


def _exercised(networks):
    """What a set of ``(shape, layers, summary)`` exercises: a conv layer with bias=False, a linear layer with
    bias=False, a pooling layer with stride=None, a dilated conv, a strided layer whose output size rounds
    down (floor != ceil), and conv layers with padding "valid", "full" (one of them dilated) and "same" with an
    odd total d*(k-1) (the extra pixel goes after)."""
    found = set()
    for shape, layers, summary in networks:
        for layer, in_shape in zip(layers, [shape] + [out for out, _ in summary], strict=False):
            kind, k = layer["type"], layer.get("kernel_size", 1)
            if kind.startswith("conv") and layer.get("bias", True) is False:
                found.add("no bias")
            if kind == "linear" and layer.get("bias", True) is False:
                found.add("linear no bias")
            if "pool" in kind and "stride" not in layer and k > 1:
                found.add("stride None")
            d = layer.get("dilation", 1) if kind.startswith("conv") else 1
            if d > 1 and k > 1:
                found.add("dilation")
            s = layer.get("stride", k if "pool" in kind else 1)
            p = layer.get("padding", 0)
            if kind.startswith("conv") and p in ("valid", "full") and k > 1:
                found.add(p)
            if kind.startswith("conv") and p == "full" and k > 1 and layer.get("dilation", 1) > 1:
                found.add("full dilated")
            if kind.startswith("conv") and p == "same" and d * (k - 1) % 2:
                found.add("same odd")
            p = {"valid": 0, "same": 0, "full": d * (k - 1)}.get(p, p)
            if s > 1 and any((n + 2 * p - d * (k - 1) - 1) % s for n in in_shape[1:]):
                found.add("floor")
    return found


def _covering_networks(rng, first=5, most=5000):
    """``first`` random networks (1-D and 2-D), then more, each kept only when it exercises a rule the kept
    ones miss, until every rule of ``EXERCISED`` is: ``(networks, rules exercised)``. Whatever the student
    id, every rule is exercised (redrawing whole sets until one covers everything took ~130 sets)."""
    networks, found = [], set()
    for i in range(most):
        network = _random_network(rng, (1, 2)[i % 2])
        new = _exercised([network]) - found
        if i < first or new:
            networks.append(network)
            found |= new
        if i >= first - 1 and found == EXERCISED:
            break
    return networks, found


EXERCISED = {"no bias", "linear no bias", "stride None", "dilation", "floor", "valid", "full", "full dilated",
             "same odd"}
# END HIDDEN TESTS


@test_case(points=1, hidden=True)
def network_summary_random(network_summary):
    rng = case_rng("network_summary random")
    networks, found = _covering_networks(rng)
    assert found == EXERCISED, f"the draw misses {sorted(EXERCISED - found)}"
    for shape, layers, expected in networks:
        student("network_summary", network_summary).expect(
            expected, shape, layers, case=f"random {len(shape) - 1}-D network: strides, paddings, dilation, pooling")


@test_case(points=1, hidden=True)
def network_summary_invalid(network_summary):
    conv = {"type": "conv2d", "out_channels": 4, "kernel_size": 3}
    linear = {"type": "linear", "out_features": 3}
    rng = case_rng("network summary invalid: a valid call first")
    valid = [dict(conv, out_channels=int(rng.integers(2, 9))), {"type": "relu"}, {"type": "flatten"},
             dict(linear, out_features=int(rng.integers(2, 11)))]
    f = student("network_summary", network_summary)
    f.same((1, int(rng.integers(6, 12)), 8), valid, case="a valid call first")
    f.raises(ValueError, (1, 8, 8), [conv, linear], case="linear layer on an unflattened shape")
    f.raises(ValueError, (1, 8, 8), [{"type": "dense", "out_features": 3}], case="unknown layer type")
    f.raises(ValueError, (1, 8, 8), [dict(conv, kernal_size=3)], case="unknown key (a typo)")
    f.raises(ValueError, (1, 4, 4), [dict(conv, kernel_size=5)], case="output size < 1")
    f.raises(ValueError, (1, 8, 8), [{"type": "maxpool2d", "kernel_size": 2, "padding": 2}],
             case="pool padding > kernel_size // 2")
