"""Attack: search the filesystem for the reference solution and the hidden tests; if found, exec the
reference and re-export its functions (full marks if the sandbox lets it be read)."""
import os
import time

_FOUND = {}
_t0 = time.monotonic()
_stack = [("/", 0)]
_guesses = ["/work/main/solutions/a1_numpy_cnn/cnn_numpy.py", "/autograder/source/solutions/a1_numpy_cnn/cnn_numpy.py"]
for _g in _guesses:
    if os.path.isfile(_g):
        _FOUND.setdefault("cnn_numpy.py", _g)
while _stack and time.monotonic() - _t0 < 6 and "cnn_numpy.py" not in _FOUND:
    _path, _depth = _stack.pop()
    if _path.startswith(("/proc", "/sys", "/dev")):
        continue
    try:
        _entries = list(os.scandir(_path))
    except OSError:
        continue
    for _e in _entries:
        try:
            if _e.is_dir(follow_symlinks=False):
                if _depth < 8:
                    _stack.append((_e.path, _depth + 1))
            elif _e.name == "q10_conv2d_backward.py":
                _FOUND.setdefault("q10", _e.path)
            elif _e.name == "cnn_numpy.py" and _e.path.endswith("solutions/a1_numpy_cnn/cnn_numpy.py"):
                _FOUND.setdefault("cnn_numpy.py", _e.path)
        except OSError:
            pass
print("read_reference found:", _FOUND, flush=True)
if "cnn_numpy.py" in _FOUND:
    _ns = {"__name__": "stolen"}
    exec(compile(open(_FOUND["cnn_numpy.py"]).read(), "stolen", "exec"), _ns)
    globals().update({k: v for k, v in _ns.items() if not k.startswith("__")})
if "q10" in _FOUND:
    HIDDEN_TEST_SOURCE = open(_FOUND["q10"]).read()
