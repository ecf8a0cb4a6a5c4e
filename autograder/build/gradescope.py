"""``dist/<a>/autograder.zip`` for Gradescope: ``setup.sh`` + ``run_autograder`` + the engine, the
assignment's tests and the reference. The zip's root becomes ``/autograder/source``."""
from __future__ import annotations

import json

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope image set-up (runs once, as root): the pinned environment, bubblewrap, an unprivileged
# user, and a source folder that only root can read (hidden tests and the reference live there).
set -euo pipefail
apt-get update -qq
apt-get install -y -qq bubblewrap python3-venv python3-pip >/dev/null
PY=python3
command -v python3.11 >/dev/null 2>&1 && PY=python3.11
# The venv lives outside /autograder and is world-readable: the sandbox's unprivileged uid must be able
# to run its interpreter.
$PY -m venv /opt/cnn-autograder
/opt/cnn-autograder/bin/pip install -q --upgrade pip
/opt/cnn-autograder/bin/pip install -q -r /autograder/source/requirements.txt
chmod -R a+rX /opt/cnn-autograder
id -u cnn-student >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin cnn-student
chown -R root:root /autograder/source
chmod -R go-rwx /autograder/source
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope calls this as root for each submission. GRADESCOPE_ROOT (default /autograder) and
# GRADESCOPE_PYTHON (default the venv made by setup.sh) exist so that tests can run it elsewhere.
ROOT="${GRADESCOPE_ROOT:-/autograder}"
PY="${GRADESCOPE_PYTHON:-/opt/cnn-autograder/bin/python}"
export GRADESCOPE_ROOT="$ROOT" PYTHONPATH="$ROOT/source${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
mkdir -p "$ROOT/results"
exec "$PY" -m autograder.grade.gradescope
"""


def gradescope_files(a, support: dict[str, bytes]) -> dict[str, bytes]:
    """Archive entries of the Gradescope zip for assignment ``a``."""
    files = {"setup.sh": SETUP_SH.encode(), "run_autograder": RUN_AUTOGRADER.encode(),
             "requirements.txt": (a.root / "requirements.txt").read_bytes(),
             "gradescope.json": json.dumps({"assignment": a.name, "sandbox": "auto", "device": "cpu"},
                                           indent=1).encode()}
    files.update(support)
    rel = f"assignments/{a.name}"
    files[f"{rel}/assignment.toml"] = (a.source_dir / "assignment.toml").read_bytes()
    for path in sorted(a.tests_dir.glob("*.py")):
        files[f"{rel}/tests/{path.name}"] = path.read_bytes()
    for name in (a.student_file, *a.provided_files):
        files[f"solutions/{a.name}/{name}"] = (a.solution_dir / name).read_bytes()
    return files
