"""Replies validated before use (issue 10, item 6): a worker's reply of a few bytes cannot make the trusted
parent allocate gigabytes. Measured: the peak memory (VmHWM) of a fresh parent process that calls hostile
functions in a real sandboxed worker and runs the parent-side checks on what comes back."""
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PEAK_LIMIT_MB = 1024

SUBMISSION = textwrap.dedent('''
    import numpy as np

    N = 2_500_000

    def zero_s0():            # ~130 bytes on the wire for 2.5e6 elements (the q08 attack)
        return np.ndarray((N, 1), dtype="S0")

    def zero_u0():
        return np.ndarray((N, 1), dtype="U0")

    def zero_v0():
        return np.ndarray((N, 1), dtype="V0")

    class Model:              # what q08's 'fit' returns: a model the grader calls on its own inputs
        def __init__(self, out):
            self.out = out

        def eval(self):
            return self

        def __call__(self, x):
            return self.out

    def zero_in_report():     # a fitted model whose logits are zero-size elements
        return Model(np.ndarray((N, 1), dtype="S0"))

    def wide_bool():          # real bytes (2.5 MB) but a shape that broadcasts against (1000,) labels
        return np.zeros((N, 1), dtype=bool)

    def wide_report():        # a fitted model whose logits would broadcast against the labels
        return Model(np.zeros((N, 1), dtype=np.int8))
''')

PARENT = textwrap.dedent('''
    import importlib.util, json, sys
    import numpy as np
    from autograder.checks import CheckFailure, StudentCallError, check_array
    from autograder.core.calls import Limits
    from autograder.grade.proxies import StudentFunction
    from autograder.sandbox import WorkerSession

    from autograder.checks import predictions
    labels = np.arange(1000) % 10
    outcomes = {}
    with WorkerSession(sys.argv[1], "cnn_torch", backend="auto", limits=Limits(call_timeout_s=30),
                       need_torch=True) as session:
        state = {"student_s": 0.0, "timed_out": set()}
        for name in ("zero_s0", "zero_u0", "zero_v0", "zero_in_report", "wide_bool", "wide_report"):
            fn = StudentFunction(session, name, state)
            try:
                got = fn()
                if name.endswith("_report"):  # q08's path: the model's predictions on the grader's inputs
                    float(np.mean(predictions("fit", got, np.zeros((len(labels), 40), np.float32)) == labels))
                else:                       # the usual path: check_array against the reference's value
                    check_array(name, got, labels)
                outcomes[name] = "accepted"
            except StudentCallError as exc:
                outcomes[name] = f"StudentCallError[{exc.kind}]: {exc}"
            except CheckFailure as exc:
                outcomes[name] = f"CheckFailure: {exc}"
        backend = session.backend
    status = open("/proc/self/status").read()
    peak_kb = int(next(l for l in status.splitlines() if l.startswith("VmHWM:")).split()[1])
    import autograder
    print(json.dumps({"peak_mb": peak_kb / 1024, "outcomes": outcomes, "backend": backend,
                      "autograder": autograder.__file__}))
''')


@pytest.mark.slow
def test_hostile_replies_cannot_make_the_parent_allocate(tmp_path):
    """Zero-itemsize arrays (S0/U0 with 2.5e6 elements, alone or inside a fit report) are refused when the
    reply is decoded; a V0 array is not data; arrays whose shape would broadcast against the labels fail
    the shape check before any arithmetic; the parent's peak memory stays under 1 GB."""
    sub = tmp_path / "cnn_torch.py"
    sub.write_text(SUBMISSION)
    script = tmp_path / "parent.py"
    script.write_text(PARENT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    p = subprocess.run([sys.executable, str(script), str(sub)], capture_output=True, text=True,
                       timeout=300, cwd=REPO, env=env)
    assert p.returncode == 0, p.stderr[-3000:]
    report = json.loads(p.stdout.strip().splitlines()[-1])
    assert report["autograder"] == str(REPO / "autograder" / "__init__.py"), report["autograder"]
    out = report["outcomes"]
    for name in ("zero_s0", "zero_u0", "zero_in_report"):
        assert out[name].startswith("StudentCallError[bad_result]") and "zero-size" in out[name], out[name]
    assert out["zero_v0"].startswith("CheckFailure") and "numpy.ndarray" in out["zero_v0"], out["zero_v0"]
    assert out["wide_bool"].startswith("CheckFailure") and "wrong shape" in out["wide_bool"], out["wide_bool"]
    assert out["wide_report"].startswith("CheckFailure"), out["wide_report"]
    assert report["peak_mb"] < PEAK_LIMIT_MB, report
    print(f"\nparent peak memory {report['peak_mb']:.0f} MB ({report['backend']} backend)")
