"""Attack: receptive_field sends SIGKILL to its parent (the grader's grading process when the worker
is a plain child; bwrap's init inside a PID namespace) and SIGSTOP to its process group."""
import os
import signal

# @@REFERENCE_Q01@@


def receptive_field(layers):
    for sig in (signal.SIGSTOP, signal.SIGKILL):
        try:
            os.kill(os.getppid(), sig)
        except OSError:
            pass
    return 1
