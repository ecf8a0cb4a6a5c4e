"""Attack: the module never finishes importing (and ignores SIGTERM/SIGINT)."""
import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
signal.signal(signal.SIGINT, signal.SIG_IGN)
# @@REFERENCE_Q01@@

while True:
    pass
