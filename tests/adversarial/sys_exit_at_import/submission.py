"""Attack: sys.exit at import (after defining correct q01 functions: none may count)."""
import sys

# @@REFERENCE_Q01@@

sys.exit(0)
