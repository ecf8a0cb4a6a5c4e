"""Reference NumPy conv2d / max_pool2d (forward + backward) against PyTorch CPU, one thread each.

Run: python benchmarks/conv_speed.py [--repeats 7]
Prints best-of-N wall times and the ratio NumPy / PyTorch, measured in this one run (README "Benchmarks":
conv2d float64 forward+backward on x (32, 16, 32, 32), w (32, 16, 3, 3), stride 1, padding 1, target <= 1.5).
"""
import os

for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):  # before numpy/torch load
    os.environ[var] = "1"

import argparse  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def load_reference():
    path = ROOT / "solutions" / "a1_numpy_cnn" / "cnn_numpy.py"
    spec = importlib.util.spec_from_file_location("cnn_numpy_reference", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def best_time(fn, repeats):
    fn()  # warm-up
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def cases(ref, dtype):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 16, 32, 32)).astype(dtype)
    w = rng.standard_normal((32, 16, 3, 3)).astype(dtype)
    b = rng.standard_normal(32).astype(dtype)
    dout = rng.standard_normal((32, 32, 32, 32)).astype(dtype)
    pool_dout = rng.standard_normal((32, 16, 16, 16)).astype(dtype)

    def np_conv():
        ref.conv2d(x, w, b, stride=1, padding=1)
        ref.conv2d_backward(dout, x, w, b, stride=1, padding=1)

    def np_pool():
        ref.max_pool2d(x, 2)
        ref.max_pool2d_backward(pool_dout, x, 2)

    xt, wt, bt = (torch.tensor(a, requires_grad=True) for a in (x, w, b))
    doutt, pool_doutt = torch.tensor(dout), torch.tensor(pool_dout)

    def torch_conv():
        out = F.conv2d(xt, wt, bt, stride=1, padding=1)
        torch.autograd.grad(out, (xt, wt, bt), doutt)

    def torch_pool():
        out = F.max_pool2d(xt, 2)
        torch.autograd.grad(out, (xt,), pool_doutt)

    return {"conv2d fwd+bwd": (np_conv, torch_conv), "max_pool2d 2x2 fwd+bwd": (np_pool, torch_pool)}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    ref = load_reference()
    print(f"numpy {np.__version__}, torch {torch.__version__}, 1 thread, best of {args.repeats}")
    print(f"{'case':<26}{'dtype':<9}{'numpy ms':>10}{'torch ms':>10}{'ratio':>8}")
    ratios = {}
    for dtype in ("float64", "float32"):
        for name, (np_fn, torch_fn) in cases(ref, dtype).items():
            t_np, t_torch = best_time(np_fn, args.repeats), best_time(torch_fn, args.repeats)
            ratios[(name, dtype)] = t_np / t_torch
            print(f"{name:<26}{dtype:<9}{t_np * 1e3:>10.1f}{t_torch * 1e3:>10.1f}{t_np / t_torch:>8.2f}")
    target = ratios[("conv2d fwd+bwd", "float64")]
    print(f"conv2d float64 ratio {target:.2f} (target <= 1.5): {'OK' if target <= 1.5 else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
