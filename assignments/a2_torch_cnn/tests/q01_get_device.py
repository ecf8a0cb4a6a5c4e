"""Q1 get_device: pick the device once, then move models and tensors with ``.to(device)``.

Public cases: "cpu" and torch.device("cpu"); names that are not devices.
Hidden cases: the default (CUDA when this machine has it, else the CPU) and asking for a GPU that is
not there. The calls run where your code runs; the grader reads what that machine's torch sees.
"""
from otter.test_files import test_case

from autograder.checks import check_true, run_probe

OK_FORMAT = False
name = "q01_get_device"


def _results(get_device, *prefers):
    """What ``get_device(p)`` did for each p (None: called with no argument), and the worker's CUDA facts."""
    report = run_probe("a2_get_device_probe", "get_device", get_device, list(prefers))
    return report["results"], report


def _expect_device(r, expected, call):
    if not r["ok"]:
        check_true(False, f"'get_device' ({call}) raised {r['error']}: {r['message']}")
    check_true(r["is_device"], f"'get_device' ({call}) returned {r['kind']}: expected a torch.device")
    check_true(r["device"] == expected, f"'get_device' ({call}) returned device '{r['device']}': expected '{expected}'")


def _expect_error(r, error, call):
    if r["ok"]:
        check_true(False, f"'get_device' ({call}) returned '{r['device']}': expected it to raise {error}")
    check_true(error in r["mro"], f"'get_device' ({call}) raised {r['error']}: expected {error}")


@test_case(points=1, hidden=False)
def get_device_cpu(get_device):
    """"cpu" and torch.device("cpu") both give torch.device("cpu")."""
    (by_name, by_device), _ = _results(get_device, "cpu", {"torch.device": "cpu"})
    _expect_device(by_name, "cpu", 'prefer="cpu"')
    _expect_device(by_device, "cpu", 'prefer=torch.device("cpu")')


@test_case(points=1, hidden=False)
def get_device_unknown_names(get_device):
    """A name that is not a device is a ValueError."""
    results, _ = _results(get_device, "bogus", "gpu", "cuda:x")
    for r, label in zip(results, ("bogus", "gpu", "cuda:x")):
        _expect_error(r, "ValueError", f'prefer="{label}"')


@test_case(points=1, hidden=True)
def get_device_default(get_device):
    (r,), facts = _results(get_device, None)
    _expect_device(r, "cuda" if facts["cuda_available"] else "cpu",
                   "no argument, on a machine " + ("with" if facts["cuda_available"] else "without") + " CUDA")


@test_case(points=1, hidden=True)
def get_device_unavailable_accelerator(get_device):
    (cpu,), facts = _results(get_device, "cpu")
    _expect_device(cpu, "cpu", 'prefer="cpu"')
    beyond = f"cuda:{facts['cuda_count'] + 2}"
    if facts["cuda_available"]:
        results, _ = _results(get_device, "cuda", beyond)
        _expect_device(results[0], "cuda", 'prefer="cuda" on a machine with CUDA')
    else:
        results, _ = _results(get_device, "cuda", {"torch.device": "cuda"}, beyond)
        _expect_error(results[0], "RuntimeError", 'prefer="cuda" on a machine without CUDA')
        _expect_error(results[1], "RuntimeError", 'prefer=torch.device("cuda") on a machine without CUDA')
    _expect_error(results[-1], "RuntimeError", 'prefer="cuda:N" past the last GPU')
