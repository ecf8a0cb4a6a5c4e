"""Attack: a bounded fork bomb (at most 100 sleeping children, forked once) from receptive_field.
The children rename themselves (comm) so the test can spot any that outlive the batch."""
import os
import time

# @@REFERENCE_Q01@@

_FORKED = []


def _mark():
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(("agadv" + "fork_bomb")[:15])
    except OSError:
        pass


def receptive_field(layers):
    if not _FORKED:
        _FORKED.append(1)
        for _ in range(100):
            try:
                pid = os.fork()
            except OSError:
                break
            if pid == 0:
                _mark()
                time.sleep(120)
                os._exit(0)
    return 1
