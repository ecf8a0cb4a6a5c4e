"""Attack: receptive_field writes garbage (including fake reply frames) to every file descriptor it
has (the reply pipe to the grader among them), then returns normally."""
import json
import os

# @@REFERENCE_Q01@@

_JUNK = (b"\x00\x00\x00\x10" + json.dumps({"id": 1, "status": "ok", "value": 92}).encode() + b"\xff" * 64) * 64


def receptive_field(layers):
    for fd in range(3, 64):
        try:
            os.write(fd, _JUNK)
        except OSError:
            pass
    return 1
