"""The student's `check`: public tests only, a table, the first failure explained, exit 0 only if all pass."""
import io
import subprocess
import sys

from autograder.check import main as check
from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.verify.mutants import load_mutants

A = load_assignment("a1_numpy_cnn")


def run(file):
    out = io.StringIO()
    return check("a1_numpy_cnn", file, out=out), out.getvalue()


def test_reference_passes():
    code, text = run(A.solution_file)
    assert code == 0 and "q07_conv2d" in text and "Hidden tests" in text


def test_wrong_submission_is_explained_without_hidden_data(tmp_path):
    """Does a wrong submission get told what to fix, naming the function and case, and exit 1?"""
    mutant = {m.name: m for m in load_mutants(A.mutants_dir)}["conv2d_missing_bias"]
    path = tmp_path / "cnn_numpy.py"
    path.write_text(mutant.apply(A.solution_file.read_text()))
    code, text = run(path)
    assert code == 1
    assert "q07_conv2d first failure" in text and "'conv2d' (2 channels, bias 0.5) has wrong values" in text
    assert "hidden" not in text.split("public tests:")[0].lower()


def test_forbidden_import_is_refused(tmp_path):
    path = tmp_path / "cnn_numpy.py"
    path.write_text("import torch\n")
    code, text = run(path)
    assert code == 1 and "imports torch" in text


def test_import_error_is_reported(tmp_path):
    path = tmp_path / "cnn_numpy.py"
    path.write_text("def conv2d(:\n")
    code, text = run(path)
    assert code == 1 and "cannot be imported" in text and "SyntaxError" in text


def test_cli_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "autograder", "check", "a1_numpy_cnn", str(A.solution_file)],
                        capture_output=True, text=True, cwd=REPO_ROOT)
    stub = subprocess.run([sys.executable, "-m", "autograder", "check", "a1_numpy_cnn",
                           str(A.starter_dir / A.student_file)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert ok.returncode == 0 and stub.returncode == 1
    assert "not implemented yet" in stub.stdout
