"""Attack: a scratch tree the grader cannot delete. At import, a 1,300-deep chain of folders (a file
every 100 levels) in the working folder and in TMPDIR, every folder then made mode 000 from the bottom up
(recursive removal hits Python's recursion limit; os.walk-style removal cannot list a 000 folder).
Otherwise the reference: it must score full marks, not a grader error, and leave no folder behind."""
import os
import tempfile

# @@REFERENCE@@


def _chain(top, depth=1300):
    """Down ``depth`` levels holding one folder descriptor at a time (the worker may open only 256),
    then back up, making each folder mode 000 from its parent."""
    fd = os.open(top, os.O_RDONLY | os.O_DIRECTORY)
    levels = 0
    try:
        os.mkdir("agadv_deep", dir_fd=fd)
        child = os.open("agadv_deep", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
        for i in range(depth):
            if i % 100 == 0:
                os.close(os.open("f.txt", os.O_WRONLY | os.O_CREAT, 0o600, dir_fd=fd))
            os.mkdir("d", dir_fd=fd)
            child = os.open("d", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = child
            levels += 1
        for name in ["d"] * levels + ["agadv_deep"]:  # back up: 000 on every folder of the chain
            parent = os.open("..", os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
            os.close(fd)
            fd = parent
            os.chmod(name, 0, dir_fd=fd)
    finally:
        os.close(fd)
    return levels


for _top in dict.fromkeys([os.getcwd(), tempfile.gettempdir()]):
    if not os.path.exists(os.path.join(_top, "agadv_deep")):
        _chain(_top)
