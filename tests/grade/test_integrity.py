"""Integrity flags: does the static scan name what reaches for the grader, and only that?"""
import random
import textwrap

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.grade.integrity import MAX_FLAGS, scan_source

#: (source, the line flagged, a fragment of its flag)
TAMPERING = [
    ("import autograder.checks.probes", 1, "grader's module 'autograder.checks.probes'"),
    ("from otter.test_files import test_case", 1, "grader's module 'otter.test_files"),
    ("import probes as p", 1, "grader's module 'probes'"),
    ("x = 1\nfrom solutions.a1_numpy_cnn import cnn_numpy", 2, "grader's module 'solutions"),
    ("import importlib\nm = importlib.import_module('probes')", 2, "names the grader's module 'probes'"),
    ("import importlib\nm = importlib.import_module(name)", 2, "imports dynamically (importlib.import_module)"),
    ("import sys\nsys.modules['probes'] = fake", 2, "assigns an entry of sys.modules"),
    ("import sys\nm = sys.modules", 2, "uses sys.modules"),
    ("import sys as s\nf = s._getframe(1)", 2, "uses sys._getframe"),
    ("def f():\n    return err.__traceback__.tb_frame.f_back.f_globals", 2, "(.f_globals)"),
    ("k = ().__class__.__base__.__subclasses__()", 1, "(.__subclasses__)"),
    ("import gc\nobjs = gc.get_objects()", 2, "gc.get_objects"),
    ("import inspect", 1, "interpreter internals (inspect)"),
    ("import numpy as np\nnp.allclose = lambda *a, **k: True", 2, "assigns np.allclose (monkeypatching numpy)"),
    ("import numpy\nnumpy.testing.assert_allclose = None", 2, "monkeypatching numpy"),
    ("import torch\ntorch.Tensor.__eq__ = lambda a, b: True", 2, "assigns torch.Tensor.__eq__"),
    ("from torch import Tensor\nTensor.allclose = f", 2, "monkeypatching torch"),
    ("import torch.nn.functional as F\nF.conv2d = mine", 2, "assigns F.conv2d (monkeypatching torch)"),
    ("import numpy as np\nsetattr(np, 'array_equal', f)", 2, "setattr on np (monkeypatching numpy)"),
    ("import numpy as np\ndel np.isclose", 2, "deletes np.isclose"),
    ("import numpy as np\nvars(np)['isclose'] = f", 2, "vars(np)"),
    ("import builtins\nbuiltins.isinstance = f", 2, "monkeypatching builtins"),
    ("__builtins__['len'] = f", 1, "monkeypatching __builtins__"),
    ("import os\nfor r, d, f in os.walk('/'):\n    pass", 2, "walks the file system (os.walk)"),
    ("from os import listdir\nx = listdir('..')", 2, "walks the file system (listdir)"),
    ("import os\nx = os.scandir(p)", 2, "os.scandir"),
    ("import glob\nx = glob.glob('/autograder/**', recursive=True)", 2, "walks the file system (glob.glob)"),
    ("from pathlib import Path\nx = list(Path('/').rglob('*.py'))", 2, ".rglob() outside its own folder"),
    ("from pathlib import Path\nx = Path(__file__).parent.iterdir()", 2, ".iterdir() outside its own folder"),
    ("import pathlib\nx = pathlib.Path.home().glob('*')", 2, ".glob() outside its own folder"),
    ("s = open('/autograder/source/solutions/x.py').read()", 1, "opens a file outside its own folder"),
    ("import subprocess\nsubprocess.run(['id'])", 2, "uses subprocess (subprocess.run)"),
    ("from subprocess import Popen\nPopen('id')", 1, "running other programs (subprocess)"),
    ("import socket\ns = socket.socket()", 2, "uses socket (socket.socket)"),
    ("import ctypes\nctypes.CDLL(None)", 1, "native code (ctypes)"),
    ("import os\nos.system('id')", 2, "os.system"),
    ("import os\nif os.fork() == 0:\n    pass", 2, "os.fork"),
    ("import os, signal\nos.kill(os.getppid(), signal.SIGKILL)", 2, "os.kill"),
    ("exec(base64.b64decode(blob))", 1, "runs dynamic code (exec)"),
    ("import torch\nF = torch.nn.functional\nF.relu = mine", 3, "assigns F.relu (monkeypatching torch)"),
    ("import numpy\nnp = numpy\nnp.isclose = f", 3, "monkeypatching numpy"),
    ("p = '/autograder/source/solutions'", 1, "names a grader path '/autograder/source/solutions'"),
    ("ref = root + '/solutions/a1_numpy_cnn/cnn_numpy.py'", 1, "names a grader path"),
    ("m = __import__('pro' + 'bes')", 1, "runs dynamic code (__import__)"),
]

HONEST = [
    "import numpy as np\n\ndef conv2d(x, w, b, stride=1, pad=0):\n    x = np.pad(x, pad)\n    return x\n",
    "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\ntorch.manual_seed(0)\n"
    "torch.backends.cudnn.deterministic = True\nclass Net(nn.Module):\n    def forward(self, x):\n"
    "        return F.relu(x)\nmodel = Net()\nmodel.fc = nn.Linear(2, 2)\n",
    "import otter\ngrader = otter.Notebook('a1.ipynb')\ngrader.check('q01')\n",
    "from pathlib import Path\ndata = sorted(Path('data').glob('*.npy'))\nw = open('weights.txt').read()\n",
    "import numpy as np\nrng = np.random.default_rng(0)\nnp.random.seed(0)\nx = np.zeros(3)\nx[0] = 1\n"
    "np.set_printoptions(precision=3)\n",
    "import math\nclass Layer:\n    def __init__(self):\n        self.modules = []\n        self.walk = None\n",
]


@pytest.mark.parametrize("source, line, fragment", TAMPERING, ids=[t[2][:40] for t in TAMPERING])
def test_tampering_is_flagged_with_its_line(source, line, fragment):
    """Is each way of reaching for the grader, the interpreter, the file system or other processes
    flagged, with the file name and the line it is on?"""
    flags = scan_source(source, "cnn_numpy.py")
    hits = [f for f in flags if fragment in f]
    assert hits, flags
    assert any(f.startswith(f"cnn_numpy.py:{line}: ") for f in hits), hits


@pytest.mark.parametrize("source", HONEST)
def test_honest_code_has_no_flags(source):
    """Do ordinary numpy/torch/notebook idioms (seeds, cudnn settings, a model's attributes, the
    course notebook's otter.Notebook, a relative data folder) pass without a flag?"""
    assert scan_source(source) == []


@pytest.mark.parametrize("path", [
    "solutions/a1_numpy_cnn/cnn_numpy.py", "solutions/a2_torch_cnn/cnn_torch.py",
    "starter_code/a1_numpy_cnn/cnn_numpy.py", "assignments/a1_numpy_cnn/notebook.py",
    "assignments/a2_torch_cnn/notebook.py"])
def test_reference_and_starter_have_no_flags(path):
    """Do the course's own reference solutions, starters and notebooks pass without a flag?"""
    file = REPO_ROOT / path
    if not file.is_file():
        pytest.skip(f"{path} is not in this checkout")
    assert scan_source(file.read_text(), file.name) == []


@pytest.mark.parametrize("assignment", ["a1_numpy_cnn", "a2_torch_cnn"])
def test_mutants_have_no_flags(assignment):
    """Do the honest wrong solutions (mutants) pass without a flag: flags are not about correctness?"""
    from autograder.verify.mutants import load_mutants

    a = load_assignment(assignment)
    reference = a.solution_file.read_text()
    for m in load_mutants(a.mutants_dir):
        assert scan_source(m.apply(reference)) == [], m.name


@pytest.mark.parametrize("source", [
    "def f(:\n", "x = 1\0", "(" * 100_000, "-" * 200_000 + "1", "a\ud800 = 1", "x = '" + "\\" * 10_001,
    "f(" + "a," * 300_000 + ")", "\n".join(f"import os as o{i}\no{i}.system('x')" for i in range(500)),
    "[" * 1000 + "]" * 1000, "\ufeffimport os\nos.walk('/')", b"\xff\xfe".decode("latin-1"), "",
])
def test_any_input_is_scanned_without_raising(source):
    """Does the scan survive what a submission may contain (syntax errors, null bytes, nesting too
    deep, lone surrogates, a huge number of flags) without raising, with at most MAX_FLAGS + 1 flags?"""
    flags = scan_source(source, "s.py")
    assert isinstance(flags, list) and len(flags) <= MAX_FLAGS + 1


def test_random_sources_never_raise():
    """Random token soup and random bytes: never an exception."""
    rnd = random.Random(0)
    tokens = ["import", "os", "sys", ".", "(", ")", "[", "]", "=", "np", "torch", "modules", "'probes'", ":",
              "\n", "    ", "def", "f", "x", ",", "del", "setattr", "lambda", "*", "**", "walk", "'/'", "f_back"]
    for _ in range(300):
        scan_source(" ".join(rnd.choice(tokens) for _ in range(rnd.randint(1, 60))))
        scan_source(bytes(rnd.randrange(256) for _ in range(rnd.randint(0, 200))).decode("utf-8", "surrogateescape"))


def test_flags_are_sorted_deduplicated_and_capped():
    source = textwrap.dedent("""\
        import os
        os.system('a'); os.system('b')
        """) + "\n".join("os.system('x')" for _ in range(3 * MAX_FLAGS))
    flags = scan_source(source, "s.py")
    assert flags[0] == "s.py:2: runs or signals processes or changes files (os.system)"
    assert len([f for f in flags if f.startswith("s.py:2:")]) == 1
    assert len(flags) == MAX_FLAGS + 1 and flags[-1].endswith(f"and {3 * MAX_FLAGS + 1 - MAX_FLAGS} more flags")
