"""Attack: print 10 MB at import and 10 MB (stdout + stderr) from receptive_field. The results and
feedback must stay small, and the q01 functions still score."""
import sys

# @@REFERENCE_Q01@@

print("agadv flood " * (10 * 2**20 // 12), flush=True)


def receptive_field(layers):
    sys.stdout.write("x" * 5 * 2**20)
    sys.stderr.write("y" * 5 * 2**20)
    return 1
