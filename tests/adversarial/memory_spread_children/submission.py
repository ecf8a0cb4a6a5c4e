"""Attack: memory spread over child processes. At import, 4 children start that each come to hold
350 MB (each well under the per-process cap of the test's 1024 MB budget, 1.4 GB together) and then
stay. receptive_field answers right only once all four hold their memory: if the grader caps memory
per process only, q02 earns its points with 1.4 GB resident. Everything else is the reference (the
calls that happen to be running when the grader kills the worker lose their points too)."""
import os
import select
import time

# @@REFERENCE@@

_reference_receptive_field = receptive_field  # noqa: F821 - defined by the reference above
_READY, _WRITE = os.pipe()
_HELD = []

for _ in range(4):
    if os.fork() == 0:
        try:
            _hoard = b"x" * (350 * 2**20)  # touched: really resident
            os.write(_WRITE, b"1")
            time.sleep(30)
        finally:
            os._exit(0)


def receptive_field(layers):
    t0 = time.monotonic()
    while len(_HELD) < 4 and time.monotonic() - t0 < 1.5:
        if select.select([_READY], [], [], 0.1)[0]:
            _HELD.extend(os.read(_READY, 4))
    if len(_HELD) < 4:
        raise RuntimeError("the children do not hold their memory yet")
    return _reference_receptive_field(layers)
