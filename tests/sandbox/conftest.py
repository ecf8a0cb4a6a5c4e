"""Fixtures for the sandbox tests: a submission full of honest and hostile functions, and sessions
on every backend (bwrap tests are skipped with a reason where bubblewrap cannot run, uid tests where
``backends.uid_status()`` fails: not root, or an interpreter other users cannot read)."""
import textwrap

import pytest

from autograder.sandbox import Limits, WorkerSession, backends

HAVE_BWRAP = backends.bwrap_status()[0] is not None
needs_bwrap = pytest.mark.skipif(not HAVE_BWRAP,
                                 reason="bubblewrap not installed (or cannot create its namespaces here)")
UID_OK, UID_WHY = backends.uid_status()
needs_uid = pytest.mark.skipif(not UID_OK, reason=f"uid backend unavailable: {UID_WHY}")
BACKENDS = [pytest.param("process", id="process"), pytest.param("bwrap", id="bwrap", marks=needs_bwrap),
            pytest.param("uid", id="uid", marks=needs_uid)]

SUBMISSION = textwrap.dedent('''
    """A test submission: honest functions, and the things a hostile one might do."""
    import os, sys, time
    import numpy as np

    PID = os.getpid()
    INCARNATION = os.urandom(8).hex()  # differs on every import (pids repeat in a PID namespace)
    print("module imported")

    def echo(x):
        return x

    def add(a, b=0):
        return a + b

    def kw(*args, **kwargs):
        return {"args": args, "kwargs": kwargs}

    def boom(msg="bad stuff"):
        raise ValueError(msg * 1000)

    NOT_CALLABLE = 42

    def spin():
        while True:
            pass

    def do_exit(code=3):
        sys.exit(code)

    def hard_exit(code=7):
        os._exit(code)

    def memory_bomb():
        return np.ones(2**31, dtype=np.uint8).sum()

    def fork_bomb():
        n = 0
        while n < 5000:
            try:
                if os.fork() == 0:
                    time.sleep(60)
                    os._exit(0)
            except OSError as e:
                return f"fork failed after {n}: {type(e).__name__}"
            n += 1
        return f"forked {n}"

    def detach(token):
        pid = os.fork()
        if pid == 0:
            os.setsid()
            if os.fork() == 0:
                try:
                    os.execv("/usr/bin/sleep", ["sleep", token])
                finally:
                    os._exit(1)
            os._exit(0)
        os.waitpid(pid, 0)
        with open("grandchild.txt", "w") as f:
            f.write("started")
        return "detached"

    def write_garbage():
        os.write(int(sys.argv[2]), b"\\x00garbage, not a frame" * 100)
        return 1

    def fake_frame():
        os.write(int(sys.argv[2]), b"AGW1" + (2**40).to_bytes(8, "little") + (0).to_bytes(8, "little"))
        time.sleep(0.2)
        return 1

    def big_print():
        for i in range(100):
            sys.stdout.write("x" * 100_000 + "\\n")
        print("THE END")
        return "printed"

    def print_then_crash():
        print("last words")
        os._exit(1)

    def read(path):
        with open(path) as f:
            return f.read()

    def connect(host, port):
        import socket
        s = socket.socket()
        s.settimeout(2)
        return s.connect_ex((host, port))

    def big(n):
        return np.zeros(n)

    class Model:
        def __init__(self, scale):
            self.scale = scale
        def forward(self, x):
            return x * self.scale

    def make_model(scale=2.0):
        return Model(scale)

    def use_model(m, x):
        return m.forward(x) + 1

    class AlwaysEqual:
        def __eq__(self, other):
            return True
        __hash__ = object.__hash__

    class Sub(np.ndarray):
        pass

    class MyStr(str):
        def __eq__(self, other):
            return True
        __hash__ = str.__hash__

    def always_equal():
        return AlwaysEqual()

    def subclass(x):
        return x.view(Sub)

    def matrix():
        return np.matrix([[1.0, 2.0]])

    def object_array():
        return np.array([1, "a", None], dtype=object)

    def my_str():
        return MyStr("expected")

    def tensor_op(t):
        import torch
        return {"doubled": t * 2, "dtype": str(t.dtype), "requires_grad": t.requires_grad,
                "device": t.device, "float64": torch.float64, "param": torch.nn.Parameter(torch.ones(2))}
''')


@pytest.fixture(scope="session")
def submission(tmp_path_factory):
    path = tmp_path_factory.mktemp("sub") / "cnn_numpy.py"
    path.write_text(SUBMISSION)
    return path


FAST = Limits(call_timeout_s=2.0, memory_mb=512, max_processes=32)


@pytest.fixture(scope="module", params=BACKENDS)
def session(request, submission):
    """One numpy-only session per backend, shared by the tests of a module (calls that crash it are
    in their own tests with their own sessions)."""
    with WorkerSession(submission, "cnn_numpy", backend=request.param, limits=FAST, need_torch=False) as s:
        assert s.import_status.ok, s.import_status
        yield s


def make_session(path, backend, **kw):
    kw.setdefault("limits", FAST)
    kw.setdefault("need_torch", False)
    return WorkerSession(path, "cnn_numpy", backend=backend, **kw)
