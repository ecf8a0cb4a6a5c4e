"""Attack: memory spread over child processes. receptive_field forks 4 children that each hold
350 MB (each well under the per-process cap of the test's 1024 MB budget, 1.4 GB together), waits
until they all hold it, and only then returns the right answer: if the grader caps memory per
process only, q02 earns its points with 1.4 GB resident. Everything else is the reference."""
import os
import select
import time

# @@REFERENCE@@

_reference_receptive_field = receptive_field  # noqa: F821 - defined by the reference above


def receptive_field(layers):
    r, w = os.pipe()
    for _ in range(4):
        if os.fork() == 0:
            try:
                hoard = b"x" * (350 * 2**20)  # touched: really resident
                os.write(w, b"1")
                time.sleep(3 + 0 * len(hoard))
            finally:
                os._exit(0)
    got, t0 = b"", time.monotonic()
    while len(got) < 4 and time.monotonic() - t0 < 1.7:
        if select.select([r], [], [], 0.1)[0]:
            got += os.read(r, 4)
    if len(got) < 4:
        raise RuntimeError("the children could not allocate in time")
    time.sleep(0.2)  # all 1.4 GB held: the grader has had its chance to notice
    return _reference_receptive_field(layers)
