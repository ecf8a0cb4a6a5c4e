"""Attack: slow calls past the submission's time budget. The reference, with every public function
sleeping 1.5 s before it answers: each call stays under the 2 s call limit, but the ~100 calls of the
tests need far more than the 60 s budget. The grader must cut the submission at its deadline (no call
may run past it) and score only what finished before."""
import functools
import time

# @@REFERENCE@@


def _slow(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        time.sleep(1.5)
        return fn(*args, **kwargs)
    return wrapper


for _name, _obj in list(globals().items()):
    if callable(_obj) and not _name.startswith("_") and getattr(_obj, "__module__", None) == __name__ \
            and not isinstance(_obj, type):
        globals()[_name] = _slow(_obj)
