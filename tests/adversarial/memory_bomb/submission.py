"""Attack: receptive_field tries to take all the memory (a huge array, then touching page after page)."""
import numpy as np

# @@REFERENCE_Q01@@


def receptive_field(layers):
    hoard = []
    try:
        hoard.append(np.ones(2**34, dtype=np.uint8))  # 16 GiB at once
    except MemoryError:
        pass
    while True:  # then 256 MiB at a time, touched, until something gives
        try:
            hoard.append(np.ones(2**28, dtype=np.uint8))
        except MemoryError:
            hoard.append(bytearray(2**20))  # keep pushing in small steps
