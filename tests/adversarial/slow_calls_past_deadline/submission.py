"""Attack: slow calls past the submission's time budget. The reference, with every public function
sleeping 1.6 s before it answers: each call stays under the 2 s call limit, but the tests' calls need
far more than the 60 s budget. q01's first four cases make 19 calls (~30 s); its fifth makes 25
(~40 s more), across the deadline: a grader that checks the budget only between cases runs it to
~72 s. The grader must cut the call running at the deadline and score only what finished before."""
import functools
import time

# @@REFERENCE@@


def _slow(fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        time.sleep(1.6)
        return fn(*args, **kwargs)
    return wrapper


for _name, _obj in list(globals().items()):
    if callable(_obj) and not _name.startswith("_") and getattr(_obj, "__module__", None) == __name__ \
            and not isinstance(_obj, type):
        globals()[_name] = _slow(_obj)
