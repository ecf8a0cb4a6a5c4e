"""MNIST-1D benchmark of the A2 reference solution (CPU, 1 thread).

Trains three models on the 4000-sample standard training split and reports, for each: parameters,
accuracy on the standard 1000-sample test split and on a freshly generated set (another seed, the
same other generator arguments: what the grader's hidden test set is), and the training's wall time
and CPU time (``time.process_time``: with 1 thread, about the wall time of an otherwise idle machine).

* ``make_classifier() + fit()``: the reference's own model and recipe (the A2 graded task; target
  >= 97 % in <= 10 s on 1 CPU thread). It runs first, so its time includes the one-off ~1 s that
  PyTorch spends importing ``torch._dynamo`` when the process builds its first optimiser, as a
  student's fit in a fresh grader process would.
* The same recipe on the reference's model twice as wide (``MNIST1DClassifier(c=32)``, 40,874
  parameters; the reference has c = 16): what the reference would gain for its extra training time.
* The lecture's CNN (``MNIST1DConvNet``, 2,050 parameters) and MLP (``MNIST1DMLP``, 59,065) trained
  with the reference ``train`` and one recipe for both: Adam, lr 3e-3, batch 100, 100 epochs
  (4,000 steps; the lecture's 100,000 SGD steps would take minutes), weights seeded with
  ``torch.manual_seed(seed)``.

Usage: ``python benchmarks/mnist1d.py [--seed 0] [--fresh-seed 12345] [--epochs 100]`` (about 1 min).
"""
import argparse
import importlib.util
import pathlib
import sys
import time

import torch

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
# `python benchmarks/mnist1d.py` puts benchmarks/ first on sys.path, where this file would shadow the
# `mnist1d` package that datasets/ imports: drop that entry, put the repository root instead.
sys.path[:] = [str(ROOT)] + [p for p in sys.path if pathlib.Path(p or ".").resolve() != HERE]
from datasets import load_mnist1d, make_mnist1d  # noqa: E402

# The MNIST-1D paper's test accuracies (Greydanus & Kobak, 2020), for comparison.
PAPER = {"logistic regression": 0.32, "MLP": 0.68, "CNN": 0.94, "human": 0.96}


def load_reference():
    """The reference solution module, loaded from its file (``solutions/`` is not a package)."""
    path = ROOT / "solutions" / "a2_torch_cnn" / "cnn_torch.py"
    spec = importlib.util.spec_from_file_location("a2_reference_cnn_torch", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def main(*, seed=0, fresh_seed=12345, epochs=100, lr=3e-3, batch_size=100):
    torch.set_num_threads(1)
    ct = load_reference()
    x, y = load_mnist1d("train")
    test = load_mnist1d("test")
    fresh = make_mnist1d(fresh_seed, 1000)

    rows = []

    def record(name, model, start, paper):
        wall, cpu = time.perf_counter() - start[0], time.process_time() - start[1]
        n_params = sum(p.numel() for p in model.parameters())
        rows.append((name, n_params, ct.evaluate(model, *test, device="cpu"),
                     ct.evaluate(model, *fresh, device="cpu"), wall, cpu, paper))

    start = time.perf_counter(), time.process_time()
    model = ct.fit(ct.make_classifier(), x, y, device="cpu")
    record("make_classifier + fit", model, start, None)
    with torch.random.fork_rng(devices=[]):  # seeded as make_classifier seeds the reference's
        torch.manual_seed(0)
        wide = ct.MNIST1DClassifier(c=32)
    start = time.perf_counter(), time.process_time()
    record("fit, twice as wide (c = 32)", ct.fit(wide, x, y, device="cpu"), start, None)

    for name, cls, paper in [("lecture CNN (MNIST1DConvNet)", ct.MNIST1DConvNet, PAPER["CNN"]),
                             ("lecture MLP (MNIST1DMLP)", ct.MNIST1DMLP, PAPER["MLP"])]:
        torch.manual_seed(seed)
        model = cls()
        start = time.perf_counter(), time.process_time()
        ct.train(model, x, y, epochs=epochs, batch_size=batch_size, lr=lr, device="cpu", seed=seed)
        record(name, model, start, paper)

    print(f"MNIST-1D, CPU, 1 thread, torch {torch.__version__}; train 4000, test 1000 (seed 42), "
          f"fresh 1000 (seed {fresh_seed}); lecture nets: train(Adam, lr {lr}, batch {batch_size}, "
          f"{epochs} epochs, seed {seed})")
    print(f"{'model':30s} {'params':>8s} {'test':>7s} {'fresh':>7s} {'wall':>7s} {'cpu':>7s} {'paper':>7s}")
    for name, n_params, acc, fresh_acc, wall, cpu, paper in rows:
        paper = "" if paper is None else f"{paper:.0%}"
        print(f"{name:30s} {n_params:8,d} {acc:7.1%} {fresh_acc:7.1%} {wall:6.1f}s {cpu:6.1f}s {paper:>7s}")
    print("paper (Greydanus & Kobak 2020): " + ", ".join(f"{k} {v:.0%}" for k, v in PAPER.items()))
    cnn, mlp = rows[2], rows[3]
    print(f"lecture CNN - MLP: {cnn[2] - mlp[2]:+.1%} test, {cnn[3] - mlp[3]:+.1%} fresh, "
          f"with {mlp[1] / cnn[1]:.0f}x fewer parameters")
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="init and shuffling seed of the lecture nets")
    parser.add_argument("--fresh-seed", type=int, default=12345, help="seed of the freshly generated test set")
    parser.add_argument("--epochs", type=int, default=100, help="epochs of the lecture nets")
    args = parser.parse_args()
    main(seed=args.seed, fresh_seed=args.fresh_seed, epochs=args.epochs)
