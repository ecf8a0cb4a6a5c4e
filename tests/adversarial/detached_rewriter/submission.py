"""Attack: at import, a detached grandchild (double fork + setsid, inherited fds kept open) waits
for the worker to end, then for 20 s rewrites any results/*.json, journal.jsonl, gradebook.csv,
feedback it can find under /tmp and the cwd's ancestors (it cannot know --out)."""
import os

_CASE = "detached_rewriter"
# @@ATTACK_KIT@@
# @@REFERENCE_Q01@@

detach(attack_files, os.getpid())
