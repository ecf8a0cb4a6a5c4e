"""Issue 13's must-show for students: from the unzipped A1 bundle in an empty folder, following only its
README: the set-up command (a real venv and pip install of the bundle's requirements.txt), then `check` on
the stub, the reference, an infinite loop and `import scipy`, and Run All on the stub notebook."""
import json
import re
import shutil
import subprocess
import time
import zipfile

import pytest

from autograder.core.assignment import load_assignment
from autograder.release import main as release

pytestmark = pytest.mark.slow


def _readme_setup_command(readme: str) -> str:
    """The one command of the README's "Set-up" section (its first ```bash block)."""
    section = readme.split("## Set-up", 1)[1]
    return re.search(r"```bash\n(.+?)\n```", section, re.S).group(1).strip()


def _python3_version() -> tuple[int, int] | None:
    exe = shutil.which("python3")
    if exe is None:
        return None
    out = subprocess.run([exe, "-c", "import sys; print(*sys.version_info[:2])"], capture_output=True, text=True)
    return tuple(int(v) for v in out.stdout.split()) if out.returncode == 0 else None


def test_student_follows_the_readme(repo_copy, tmp_path):
    version = _python3_version()
    if version is None or version < (3, 11):
        pytest.skip(f"the README's set-up needs python3 >= 3.11 on PATH; here: {version}")
    a = load_assignment("a1_numpy_cnn", repo_copy)
    release(a.name, root=repo_copy, dist=tmp_path / "dist")
    student = tmp_path / "student"  # an empty folder: the zip and nothing else
    student.mkdir()
    with zipfile.ZipFile(tmp_path / "dist" / "student.zip") as zf:
        zf.extractall(student)
    home = student / a.name
    readme = (home / "README.md").read_text()

    # 1. the set-up, exactly as the README gives it
    command = _readme_setup_command(readme)
    start = time.monotonic()
    setup = subprocess.run(["bash", "-c", command], cwd=home, capture_output=True, text=True, timeout=1200)
    setup_s = time.monotonic() - start
    print(f"\nset-up ({command}): {setup_s:.0f} s")
    (tmp_path / "setup_seconds.txt").write_text(f"{setup_s:.1f}\n")
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    python = home / ".venv" / "bin" / "python"
    installed = subprocess.run([str(python), "-m", "pip", "list", "--format=freeze"], capture_output=True, text=True)
    assert "numpy==" in installed.stdout and "torch==" not in installed.stdout  # A1 needs no torch

    def check(path, timeout=600):
        # the README's command: `.venv/bin/python -m autograder check a1_numpy_cnn cnn_numpy.py`
        start = time.monotonic()
        done = subprocess.run([str(python), "-m", "autograder", "check", a.name, str(path)], cwd=home,
                              capture_output=True, text=True, timeout=timeout)
        return done.returncode, " ".join(done.stdout.split()), done.stderr, time.monotonic() - start

    assert f".venv/bin/python -m autograder check {a.name} {a.student_file}" in readme

    # 2. the stub: exit 1, each question explained
    code, out, err, _ = check(a.student_file)
    assert code == 1 and "public tests: 0/" in out and "not implemented yet" in out, out[-2000:] + err[-2000:]
    assert "Traceback" not in out + err

    # 3. the reference: exit 0
    reference = a.solution_file.read_text()
    (home / a.student_file).write_text(reference)
    code, out, err, _ = check(a.student_file)
    got, top = map(float, re.search(r"public tests: ([\d.]+)/([\d.]+) points", out).groups())
    assert code == 0 and got == top > 0, out[-2000:] + err[-2000:]

    # 4. an infinite loop (swallowing Exception): times out, names the function, finishes with the rest
    looping = reference.replace("def numerical_gradient(", "def numerical_gradient(*args, **kwargs):\n"
                                "    while True:\n        try:\n            pass\n        except Exception:\n"
                                "            pass\n\n\ndef _unused_numerical_gradient(", 1)
    assert looping != reference
    (home / a.student_file).write_text(looping)
    code, out, err, seconds = check(a.student_file)
    assert code == 1 and "'numerical_gradient' timed out after 10 s" in out, out[-2000:] + err[-2000:]
    loop_got = float(re.search(r"public tests: ([\d.]+)/", out).group(1))
    assert 0 < loop_got < top and re.search(r"q07_conv2d +│ (\d+)/\1 ", out) and seconds < 120

    # 5. import scipy: refused, in the grader's words
    scipy_file = "import scipy\n" + reference
    (home / a.student_file).write_text(scipy_file)
    code, out, err, _ = check(a.student_file)
    from autograder.grade.submission import grade_sandboxed

    graded = grade_sandboxed(load_assignment(a.name), home / a.student_file, "e2e", backend="process")
    words = {c.message for c in graded.cases}
    assert len(words) == 1 and "imports scipy, which this assignment does not allow" in next(iter(words))
    assert code == 1 and " ".join(next(iter(words)).split()) in out, (words, out[-2000:])

    # 6. Run All on the stub notebook, as the README says
    shutil.copy(repo_copy / "starter_code" / a.name / a.student_file, home / a.student_file)
    run_all = re.search(r"`(\.venv/bin/jupyter execute [^`]+)`", readme).group(1)
    done = subprocess.run(["bash", "-c", run_all], cwd=home, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    nb = json.loads((home / f"{a.name}.ipynb").read_text())
    code_cells = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert all(c.get("execution_count") for c in code_cells)  # Run All reached the last cell
    said = " ".join("".join(o.get("text", "")) + "".join(o.get("data", {}).get("text/plain", ""))
                    for c in code_cells for o in c.get("outputs", []))
    assert "not implemented yet: conv_output_size" in said and "q12_numerical_gradient results" in said
    assert not any(o.get("output_type") == "error" for c in code_cells for o in c.get("outputs", []))
