"""Attack: receptive_field kills its own process with os._exit(0) (exit status 0, no reply)."""
import os

# @@REFERENCE_Q01@@


def receptive_field(layers):
    os._exit(0)
