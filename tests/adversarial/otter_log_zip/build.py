"""Builds otter_log_zip.zip: cnn_numpy.py (correct q01 copies) + a crafted ``.OTTER_LOG`` and a
``weights.pkl``: pickles that create a file in the test's canary folder if they are ever unpickled.
The student file also tries to unpickle them itself (they must not even reach the sandbox: if one
does, the student file breaks its own q01 functions, so the score drops below the expected)."""
import pickle
import zipfile
from pathlib import Path


class _Payload:
    def __init__(self, path):
        self.path = path

    def __reduce__(self):  # unpickling calls open(path, "w"): the canary file appears
        return (open, (self.path, "w"))


STUDENT = '''
import glob as _glob
import os as _os
import pickle as _pickle

# @@REFERENCE_Q01@@

_seen = [p for p in _glob.glob("**/*", recursive=True) + _glob.glob(".*")
         if p.endswith((".OTTER_LOG", ".pkl"))]
for _p in _seen:
    try:
        _pickle.load(open(_p, "rb"))
    except Exception:  # noqa: BLE001
        pass
if _seen:
    conv_output_size = None  # a pickle reached the sandbox: lose the q01 points on purpose
'''


def build(dest: Path, case: str, ctx: dict) -> Path:
    canary = Path(ctx["canary"])
    path = dest / f"{case}.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("cnn_numpy.py", ctx["expand"](STUDENT))
        zf.writestr(".OTTER_LOG", pickle.dumps(_Payload(str(canary / "agadv_unpickled_otter_log"))))
        zf.writestr("weights.pkl", pickle.dumps(_Payload(str(canary / "agadv_unpickled_pkl"))))
        zf.writestr("sub/.OTTER_LOG", pickle.dumps(_Payload(str(canary / "agadv_unpickled_sub_otter_log"))))
    return path
