"""Attack: slow calls past the submission's time budget. The reference, with every public function,
when the grader calls it (not a helper inside the worker), paced to answer 1.2 s after its previous
answer (each call well under the 2 s call limit, however loaded the machine). q01's first four cases make 19 calls (~23 s), its next two 25 each: the second of those
runs from ~53 s to ~83 s, across the 60 s deadline. A grader that checks the budget only between
cases lets it run to the end; it must instead cut the call running at the deadline."""
import functools
import sys
import time

# @@REFERENCE@@

_LAST = [time.monotonic()]


def _slow(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if sys._getframe(1).f_code.co_filename.endswith("worker.py"):  # called by the grader itself
            time.sleep(max(0.0, 1.2 - (time.monotonic() - _LAST[0])))
        try:
            return fn(*args, **kwargs)
        finally:
            _LAST[0] = time.monotonic()
    return wrapper


for _name, _obj in list(globals().items()):
    if callable(_obj) and not _name.startswith("_") and getattr(_obj, "__module__", None) == __name__ \
            and not isinstance(_obj, type):
        globals()[_name] = _slow(_obj)
