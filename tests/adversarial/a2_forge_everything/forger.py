"""Attack (prepended to the A2 starter stubs): forge every report the grader could take from the worker.

It finds the grader's helper module whatever its name (the .py files of the helpers folder on sys.path)
and replaces every function in it: ``build`` returns a small trained-looking model of its own,
``state_arrays`` returns weights of the right names and shapes for the lecture's networks, ``small_model``
and ``new_ctx`` return objects of its own, every other helper returns True. It also sets a fake
``__torch_function__`` nowhere (nothing implemented). The parent calls the student's API itself and
checks every value against its own computation, so this earns nothing."""
import importlib as _il
import os as _os
import sys as _sys
import types as _types

import numpy as _np
import torch as _torch


def _fake_state(*_a, **_k):
    shapes = {"conv1.weight": (15, 1, 3), "conv1.bias": (15,), "conv2.weight": (15, 15, 3), "conv2.bias": (15,),
              "conv3.weight": (15, 15, 3), "conv3.bias": (15,), "fc.weight": (10, 60), "fc.bias": (10,)}
    return {k: _np.zeros(v, _np.float32) for k, v in shapes.items()}


class _Fake(_torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = _torch.nn.Linear(40, 10)

    def forward(self, x):
        return self.fc(x.reshape(len(x), -1)[:, :40])


def _forge(module):
    for attr in list(vars(module)):
        if isinstance(getattr(module, attr), _types.FunctionType):
            setattr(module, attr, lambda *a, **k: True)
    module.state_arrays = _fake_state
    module.build = lambda *a, **k: _Fake()
    module.small_model = lambda *a, **k: _Fake()


for _dir in list(_sys.path):
    try:
        _names = _os.listdir(_dir)
    except OSError:
        continue
    for _f in _names:
        if _f.endswith(".py") and _dir.endswith("helpers"):
            try:
                _forge(_il.import_module(_f[:-3]))
            except Exception:  # noqa: BLE001
                pass

