"""Attack: a scratch tree the grader cannot delete. At import, a 1,300-deep chain of folders (each
with a file) in the working folder and in TMPDIR, every folder then made mode 000 from the bottom up
(recursive removal hits Python's recursion limit; os.walk-style removal cannot list a 000 folder).
Otherwise the reference: it must score full marks, not a grader error, and leave no folder behind."""
import os
import tempfile

# @@REFERENCE@@


def _chain(top, depth=1300):
    base = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    fds = [base]
    try:
        os.mkdir("agadv_deep", dir_fd=base)
        fd = os.open("agadv_deep", os.O_RDONLY | os.O_DIRECTORY, dir_fd=base)
        fds.append(fd)
        for _ in range(depth):
            with open(os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd), "w") as f:
                f.write("x")
            os.mkdir("d", dir_fd=fd)
            fd = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            fds.append(fd)
    except OSError:
        pass
    for fd in reversed(fds[1:]):  # deepest first: 000 on every folder of the chain
        os.fchmod(fd, 0)
    for fd in fds:
        os.close(fd)


for _top in dict.fromkeys([os.getcwd(), tempfile.gettempdir()]):
    if not os.path.exists(os.path.join(_top, "agadv_deep")):
        _chain(_top)
