"""Attack: find the grader's trusted helper module inside the worker whatever its name (scan sys.path for
its file, import it, and replace everything it offers), then forge: "inputs unchanged" and "x restored"
for anything, scalar functions that are constant, every A1 function returns None. Nothing implemented:
the parent calls the student's functions itself and checks their results, so this earns nothing."""
import importlib
import os
import sys
import types

_FORGED = []


def _forge(module):
    for attr in list(vars(module)):
        value = getattr(module, attr)
        if isinstance(value, types.FunctionType):
            setattr(module, attr, lambda *a, **k: True)
    module.scalar_function = lambda *a, **k: (lambda x: 0.0)
    _FORGED.append(module.__name__)


for _dir in list(sys.path):
    try:
        _names = os.listdir(_dir)
    except OSError:
        continue
    for _f in _names:
        if _f.endswith(".py") and _dir.endswith("helpers"):
            try:
                _forge(importlib.import_module(_f[:-3]))
            except Exception:  # noqa: BLE001
                pass
sys.modules["probes"] = types.ModuleType("probes")  # the old name, for good measure

NAMES = ["conv_output_size", "pool_output_size", "effective_kernel_size", "same_padding", "full_padding",
         "receptive_field", "linear_params", "mlp_params", "conv1d_params", "conv2d_params",
         "locally_connected2d_params", "network_summary", "pad2d", "conv2d", "corr2d", "convolve2d", "conv1d",
         "max_pool2d", "avg_pool2d", "l2_pool2d", "global_avg_pool2d", "conv2d_backward",
         "max_pool2d_backward", "avg_pool2d_backward", "numerical_gradient"]
for _n in NAMES:
    globals()[_n] = lambda *a, **k: None
