"""Are failures while importing the student file reported clearly, and do they stop the calls?"""
import time

import pytest

from .conftest import BACKENDS, make_session

CASES = {
    "syntax": ("def f(:\n    pass\n", "error", "SyntaxError", "line 1"),
    "forbidden": ("import numpy\nimport torch\n", "error", "ImportError",
                  "cnn_numpy.py imports torch, which this assignment does not allow: A1 must use NumPy only"),
    "forbidden_from": ("from scipy import signal\n", "error", "ImportError", "imports scipy"),
    "sys_exit": ("import sys\nsys.exit(0)\n", "crash", "sys.exit(0)", ""),
    "os_exit": ("import os\nos._exit(1)\n", "crash", "exited with status 1", ""),
    "loop": ("while True:\n    pass\n", "timeout", "importing cnn_numpy.py took longer", ""),
    "raise": ("x = 1 / 0\n", "error", "ZeroDivisionError", ""),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_import_failure_is_reported(tmp_path, backend, case):
    source, status, text, more = CASES[case]
    path = tmp_path / "cnn_numpy.py"
    path.write_text(source)
    with make_session(path, backend, forbidden_imports=("torch", "scipy"),
                      forbidden_reason="A1 must use NumPy only") as s:
        imp = s.import_status
        assert imp.status == status and text in imp.error and more in imp.error, imp
        t0 = time.monotonic()
        r = s.call("conv2d", 1)
        assert r.status == status and "could not be imported" in r.error
        assert time.monotonic() - t0 < 0.5  # not retried on every call


@pytest.mark.parametrize("backend", BACKENDS)
def test_forbidden_import_inside_a_function(tmp_path, backend):
    path = tmp_path / "cnn_numpy.py"
    path.write_text("def f():\n    import torch.nn\n    return 1\n")
    with make_session(path, backend, forbidden_imports=("torch",)) as s:
        assert s.import_status.ok
        r = s.call("f")
        assert r.status == "error" and "imports torch" in r.error


def test_syntax_error_traceback_points_at_the_line(tmp_path):
    path = tmp_path / "cnn_numpy.py"
    path.write_text("x = 1\ny = (\n")
    with make_session(path, "process") as s:
        assert s.import_status.status == "error" and "SyntaxError" in s.import_status.error
        assert "line 2" in s.import_status.error or "line 3" in s.import_status.error
