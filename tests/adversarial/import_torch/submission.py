"""Forbidden in A1: importing torch at the top of the file (the q01 functions are correct, but the
file cannot be imported, so nothing counts)."""
import torch  # noqa: F401

# @@REFERENCE_Q01@@
