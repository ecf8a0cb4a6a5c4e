"""Q1 get_device: pick the device once, then move models and tensors with ``.to(device)``.

Public cases: "cpu" and torch.device("cpu"); names that are not devices.
Hidden cases: the default (CUDA when the machine your code runs on has it, else the CPU) and asking for a
GPU that is not there. The grader knows which devices your code can see: under the grader it sees a GPU
only when the course grades with ``--device cuda``.
"""
from otter.test_files import test_case

from autograder.checks import check_true, student, verified, worker_has_cuda

OK_FORMAT = False
name = "q01_get_device"


def _expect_device(get_device, expected, *args, case):
    """``get_device(*args)`` must return ``torch.device(expected)``."""
    import torch

    got = student("get_device", get_device)(*args, case=case)
    check_true(type(got) is torch.device, f"'get_device' ({case}) did not return a torch.device")
    check_true(str(got) == expected, f"'get_device' ({case}) returned device '{got}': expected '{expected}'")
    verified("get_device")


@test_case(points=1, hidden=False)
def get_device_cpu(get_device):
    """"cpu" and torch.device("cpu") both give torch.device("cpu")."""
    import torch

    _expect_device(get_device, "cpu", "cpu", case='prefer="cpu"')
    _expect_device(get_device, "cpu", torch.device("cpu"), case='prefer=torch.device("cpu")')


@test_case(points=1, hidden=False)
def get_device_unknown_names(get_device):
    """A name that is not a device is a ValueError (after "cpu" works)."""
    _expect_device(get_device, "cpu", "cpu", case='prefer="cpu"')
    for label in ("bogus", "gpu", "cuda:x"):
        student("get_device", get_device).raises(ValueError, label, case=f'prefer="{label}"')


@test_case(points=1, hidden=True)
def get_device_default(get_device):
    cuda = worker_has_cuda(get_device)
    _expect_device(get_device, "cuda" if cuda else "cpu", case="no argument, on a machine " +
                   ("with" if cuda else "without") + " CUDA")


@test_case(points=1, hidden=True)
def get_device_unavailable_accelerator(get_device):
    import torch

    f = student("get_device", get_device)
    _expect_device(get_device, "cpu", "cpu", case='prefer="cpu"')
    if worker_has_cuda(get_device):
        _expect_device(get_device, "cuda", "cuda", case='prefer="cuda" on a machine with CUDA')
        beyond = f"cuda:{torch.cuda.device_count() + 2}"
    else:
        f.raises(RuntimeError, "cuda", case='prefer="cuda" on a machine without CUDA')
        f.raises(RuntimeError, torch.device("cuda"), case='prefer=torch.device("cuda") on a machine without CUDA')
        beyond = "cuda:2"
    f.raises(RuntimeError, beyond, case='prefer="cuda:N" past the last GPU')
