"""``dist/<a>/autograder.zip`` for Gradescope: ``setup.sh`` + ``run_autograder`` + the engine, the
assignment's tests and the reference. The zip's root becomes ``/autograder/source``.

What the two scripts do, and which Gradescope base image to choose: ``docs/gradescope.md``.
Both are tested unmodified as root in a temporary root (``tests/grade/test_gradescope.py``)."""
from __future__ import annotations

import json

SETUP_SH = r"""#!/usr/bin/env bash
# Gradescope image set-up: Gradescope runs this once, as root, when it builds the autograder image
# (the zip is unpacked in /autograder/source). Every path is under AG_PREFIX (default empty: the real
# /autograder and /opt), so tests/grade/test_gradescope.py runs this very script in a temporary root.
# It ends with the image's guarantees, or fails the build with the reason:
#   * Python >= 3.11 (numpy 2.4.6 needs it): python3.11/3.12/3.13 if present, else apt-get's python3.11
#     (Ubuntu 22.04 images have 3.10 as python3); a system interpreter, which every uid can run;
#   * the pinned requirements in a venv every uid can read and none can write, with the CPU build of torch;
#   * /autograder (reference, hidden tests, course seed, submission, results) readable by root only,
#     checked file by file as an unprivileged user; the sandbox gets the worker's own code through a
#     per-session copy (autograder/sandbox/backends.py: install_worker_files), never from here;
#   * python -m autograder doctor --require: every sandbox guarantee holds on the backend grading will
#     use (bwrap where the container allows it); its table is in the build log.
set -euo pipefail
umask 022
P="${AG_PREFIX:-}"
AG="$P/autograder"
SRC="$AG/source"
VENV="$P/opt/cnn-autograder"
SANDBOX_USER=cnn-student   # the unprivileged identity of the checks below; the sandbox itself runs each
                           # session as a fresh uid, which has the same ("other") permissions
say() { echo "setup.sh: $*"; }
die() { echo "setup.sh: FAILED: $*" >&2; exit 1; }
[ -z "$P" ] || [ "${P:0:1}" = / ] || die "AG_PREFIX must be an absolute path (got '$P')"
[ -f "$SRC/requirements.txt" ] || die "$SRC/requirements.txt not found: setup.sh runs from the unpacked autograder.zip"
[ "$(id -u)" = 0 ] || die "setup.sh must run as root (Gradescope does)"

apt_install() {
  command -v apt-get >/dev/null 2>&1 || return 1
  say "apt-get install $*"
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq || return 1; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# --- Python >= 3.11 ----------------------------------------------------------------------------
find_python() {  # the first system Python >= 3.11; a pyenv/conda one under /root would be unreadable to the sandbox
  local v d
  for v in 3.11 3.12 3.13; do
    for d in /usr/bin /usr/local/bin; do
      if [ -x "$d/python$v" ] && "$d/python$v" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        echo "$d/python$v"; return 0
      fi
    done
  done
  return 1
}
PY=$(find_python) || {
  say "no Python >= 3.11 in /usr/bin or /usr/local/bin (python3 is $(python3 --version 2>&1 || echo missing))"
  apt_install python3.11 python3.11-venv ||
    die "cannot install python3.11 with apt-get. Choose a Gradescope base image with Python >= 3.11 (Ubuntu 24.04), or one whose apt has python3.11 (Ubuntu 22.04)"
  PY=$(find_python) || die "apt-get installed python3.11 but no Python >= 3.11 is in /usr/bin"
}
say "Python: $PY ($("$PY" --version 2>&1))"
if ! "$PY" -m venv --clear "$VENV" 2>/dev/null; then  # Debian and Ubuntu ship venv's ensurepip in pythonX.Y-venv
  apt_install "$(basename "$PY")-venv" || die "$PY cannot create a venv and apt-get could not install $(basename "$PY")-venv"
  "$PY" -m venv --clear "$VENV" || die "$PY -m venv $VENV failed"
fi
if ! ldconfig -p 2>/dev/null | grep -q 'libseccomp\.so\.2'; then  # pyseccomp (the uid sandbox) loads it
  apt_install libseccomp2 || die "libseccomp2 is missing and apt-get could not install it"
fi

# --- the pinned environment, CPU build of torch ------------------------------------------------
PIP=("$VENV/bin/python" -m pip --disable-pip-version-check)
TORCH=$(grep -E '^torch==' "$SRC/requirements.txt") || die "requirements.txt pins no torch==VERSION"
# PyPI's torch for Linux x86_64 is the CUDA build (GBs of nvidia-* wheels; Gradescope has no GPU), so torch
# comes first, alone, from PyTorch's CPU-only index. --index-url replaces PyPI for this one command; pip's
# own configuration (pip.conf's find-links and extra-index-url) still applies: where that is a local wheel
# folder and the CPU index is unreachable (this project's offline test machines), pip retries the index
# for about 8 s, warns, and installs the local 2.13.0+cpu wheel. --no-deps: torch's dependencies come
# with the requirements below, which keep the installed 2.13.0+cpu (torch==2.13.0 matches it).
"${PIP[@]}" install -q --no-deps --index-url @TORCH_CPU_INDEX@ "$TORCH"
"${PIP[@]}" install -q -r "$SRC/requirements.txt"
"${PIP[@]}" check
"$VENV/bin/python" -c 'import sys, torch; sys.exit(f"torch {torch.__version__} is a CUDA build" if torch.version.cuda else 0)' ||
  die "the CPU build of torch was not installed"
chmod -R a+rX,go-w "$VENV"

# --- the unprivileged user, and files only root can read ----------------------------------------
id -u "$SANDBOX_USER" >/dev/null 2>&1 ||
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$SANDBOX_USER"
as_sandbox() { setpriv --reuid="$(id -u "$SANDBOX_USER")" --regid="$(id -g "$SANDBOX_USER")" --clear-groups -- "$@"; }
"$VENV/bin/python" -m compileall -q "$SRC" >/dev/null  # the engine's .pyc, once, not per submission
chown -R root:root "$AG"
chmod -R go-rwx "$AG"
out=$(cd / && as_sandbox env -i PATH=/usr/bin:/bin "$VENV/bin/python" -s -c 'import numpy, torch, pyseccomp' 2>&1) ||
  die "the sandbox user cannot run the grading venv $VENV (it must, for the sandbox): $out"
readable=$(find "$AG" -type f | (cd / && as_sandbox "$VENV/bin/python" -I -c '
import sys
for path in sys.stdin.read().splitlines():
    try:
        open(path, "rb").close()
        print(path)
    except OSError:
        pass
'))
[ -z "$readable" ] || die "files the sandbox user can read under $AG (they must be root's only): $(echo "$readable" | head -5)"
say "$AG is readable by root only; the venv $VENV is usable by every uid"

# --- the sandbox guarantees, measured -----------------------------------------------------------
say "python -m autograder doctor --require"
(cd "$SRC" && COLUMNS=140 PYTHONPATH="$SRC" "$VENV/bin/python" -m autograder doctor --require) ||
  die "a sandbox guarantee does not hold in this image (the REQUIRED lines above say which and why); see docs/gradescope.md"

# --- the reference, graded as run_autograder grades a submission: full marks, or the build fails -------
say "grading the reference solution as a submission"
(cd "$SRC" && PYTHONPATH="$SRC" OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 \
  "$VENV/bin/python" -m autograder.grade.gradescope --check-reference "$SRC") ||
  die "the reference solution loses points in this image (above: which cases and why); every student would lose them too. A machine too slow for the time limits, or a sandbox that hides something: see docs/gradescope.md"
say "done"
"""

RUN_AUTOGRADER = r"""#!/usr/bin/env bash
# Gradescope runs this as root for each submission (from /autograder/run_autograder, cwd /autograder).
# AG_PREFIX is setup.sh's (default empty: /autograder, the venv /opt/cnn-autograder); GRADESCOPE_ROOT
# and GRADESCOPE_PYTHON override those two (tests that run the engine of a checkout).
# Exit status: 0 when the submission was graded (whatever its score), 1 on a grader error; either way
# results/results.json exists, and stdout (instructors only) says what happened.
ROOT="${GRADESCOPE_ROOT:-${AG_PREFIX:-}/autograder}"
PY="${GRADESCOPE_PYTHON:-${AG_PREFIX:-}/opt/cnn-autograder/bin/python}"
mkdir -p "$ROOT/results"
chmod 700 "$ROOT" "$ROOT/results"  # the submission, its metadata and the results: root only
if [ ! -x "$PY" ]; then
  echo "GRADER ERROR: $PY is missing: setup.sh did not complete (see the image build log)"
  printf '%s\n' '{"score": 0.0, "output": "GRADER ERROR (not your fault): your submission could not be graded because of a problem on our side. The course staff will fix it and regrade.", "tests": [], "stdout_visibility": "hidden", "extra_data": {"status": "grader_error"}}' >"$ROOT/results/results.json"
  exit 1
fi
# The per-course secret hidden inputs derive from (autograder/checks/context.py: course_secret), if the
# instructor added a file course_secret to the zip (Gradescope has no setting for environment variables).
# It stays in the grader: the sandboxed worker gets a clean environment.
if [ -z "${AG_COURSE_SECRET:-}" ] && [ -f "$ROOT/source/course_secret" ]; then
  AG_COURSE_SECRET="$(tr -d '\n' <"$ROOT/source/course_secret")"
  export AG_COURSE_SECRET
fi
export GRADESCOPE_ROOT="$ROOT" PYTHONPATH="$ROOT/source${PYTHONPATH:+:$PYTHONPATH}"
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1
exec "$PY" -m autograder.grade.gradescope
"""


def gradescope_files(a, support: dict[str, bytes]) -> dict[str, bytes]:
    """Archive entries of the Gradescope zip for assignment ``a``."""
    from autograder.release.environment import TORCH_CPU_INDEX

    files = {"setup.sh": SETUP_SH.replace("@TORCH_CPU_INDEX@", TORCH_CPU_INDEX).encode(),
             "run_autograder": RUN_AUTOGRADER.encode(),
             "requirements.txt": (a.root / "requirements.txt").read_bytes(),
             "gradescope.json": json.dumps({"assignment": a.name, "sandbox": "auto", "device": "cpu"},
                                           indent=1).encode()}
    files.update(support)
    rel = f"assignments/{a.name}"
    files[f"{rel}/assignment.toml"] = (a.source_dir / "assignment.toml").read_bytes()
    for path in sorted(a.tests_dir.glob("*.py")):
        files[f"{rel}/tests/{path.name}"] = path.read_bytes()
    for support in (a.support.parent, a.support.worker):  # the trusted grader runs both
        if support:
            files[f"{rel}/{support}"] = (a.source_dir / support).read_bytes()
    for name in (a.student_file, *a.provided_files):
        files[f"solutions/{a.name}/{name}"] = (a.solution_dir / name).read_bytes()
    return files
