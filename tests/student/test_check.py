"""The student's `check`: public tests only, a table, the first failure explained, exit 0 only if all pass."""
import io
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.student import main as check
from autograder.verify.mutants import load_mutants

A = load_assignment("a1_numpy_cnn")


def run(file):
    out = io.StringIO()
    return check("a1_numpy_cnn", file, out=out), out.getvalue()


def test_reference_passes():
    code, text = run(A.solution_file)
    assert code == 0 and "q07_conv2d" in text and "hidden tests (other inputs, edge cases) run only on the grader" in text


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
    assert code == 1 and "could not be imported" in text and "SyntaxError" in text


def test_cli_exit_codes(tmp_path):
    ok = subprocess.run([sys.executable, "-m", "autograder", "check", "a1_numpy_cnn", str(A.solution_file)],
                        capture_output=True, text=True, cwd=REPO_ROOT)
    stub = subprocess.run([sys.executable, "-m", "autograder", "check", "a1_numpy_cnn",
                           str(A.starter_dir / A.student_file)], capture_output=True, text=True, cwd=REPO_ROOT)
    assert ok.returncode == 0 and stub.returncode == 1
    assert "not implemented yet" in stub.stdout


# -- the grader's rules, applied by check (issue 13 item 6) ---------------------------------------------
def _variant(tmp_path, name: str, old: str, new: str, prefix: str = "") -> Path:
    src = A.solution_file.read_text()
    assert src.count(old) == 1, old
    path = tmp_path / name / A.student_file
    path.parent.mkdir()
    path.write_text(prefix + src.replace(old, new))
    return path


def _grader_messages(path: Path) -> dict[str, str]:
    from autograder.grade.submission import grade_sandboxed

    result = grade_sandboxed(A, path, "forbidden-probe", backend="process")
    return {c.name: c.message for c in result.cases}


def test_forbidden_import_refused_in_the_graders_words(tmp_path):
    """Does check refuse `import scipy` (at the top, and inside one function) with the same words as the
    grader, failing the same cases?"""
    top = _variant(tmp_path, "top", "import numpy as np", "import numpy as np\nimport scipy.signal")
    code, text = run(top)
    graded = _grader_messages(top)
    assert code == 1 and len(set(graded.values())) == 1
    words = next(iter(graded.values()))
    assert words.startswith("cnn_numpy.py could not be imported: ") and "imports scipy, which" in words
    assert " ".join(words.split()) in " ".join(text.split())  # rich may wrap; the words are the grader's
    inside = _variant(tmp_path, "inside", "def pad2d(", "def pad2d(*args, **kwargs):\n    import scipy.ndimage\n"
                      "    return None\n\n\ndef _unused_pad2d(")
    code, text = run(inside)
    flat = " ".join(text.split())
    graded = _grader_messages(inside)
    failing = {name: m for name, m in graded.items() if "imports scipy" in m}
    assert code == 1 and failing and "pad2d_int_and_pair" in failing
    assert failing["pad2d_int_and_pair"] in flat  # q05's first failure, word for word
    line = inside.read_text().splitlines().index("    import scipy.ndimage") + 1
    assert f"cnn_numpy.py:{line}: cnn_numpy.py imports scipy" in flat  # the static scan names the line


def test_a_call_that_never_returns_times_out_and_the_rest_goes_on(tmp_path):
    """Does an infinite loop (swallowing Exception) fail its own cases with "timed out after N s", naming
    the function, while every other question still runs and passes?"""
    path = _variant(tmp_path, "loop", "def numerical_gradient(",
                    "def numerical_gradient(*args, **kwargs):\n    while True:\n        try:\n"
                    "            sum(range(1000))\n        except Exception:\n            pass\n\n\n"
                    "def _unused_numerical_gradient(")
    out = io.StringIO()
    start = time.monotonic()
    code = check("a1_numpy_cnn", path, out=out, timeout_s=1)
    text = " ".join(out.getvalue().split())
    assert code == 1 and time.monotonic() - start < 60
    assert "'numerical_gradient' timed out after 1 s" in text
    assert re.search(r"q12_numerical_gradient +│ 0/", out.getvalue())
    assert re.search(r"q07_conv2d +│ (\d+)/\1 ", out.getvalue())  # the other questions still pass
    assert "is not called again" not in text.split("q12_numerical_gradient first failure")[1][:200]


def test_a_call_no_signal_stops_ends_the_process_with_a_message(tmp_path):
    """Does the watchdog end a call that ignores the time-limit signal, saying which and why (exit 3)?"""
    path = _variant(tmp_path, "stuck", "def pad2d(", "def pad2d(*args, **kwargs):\n    import signal\n"
                    "    signal.signal(signal.SIGALRM, signal.SIG_IGN)\n    while True:\n        pass\n\n\n"
                    "def _unused_pad2d(")
    code = (f"from autograder.student import main; import sys; "
            f"sys.exit(main('a1_numpy_cnn', {str(path)!r}, timeout_s=1, grace_s=1))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 3, done.stdout[-2000:] + done.stderr[-2000:]
    assert "'pad2d' timed out after 1 s and did not stop" in done.stderr


def test_an_import_that_never_ends_times_out(tmp_path):
    path = tmp_path / A.student_file
    path.write_text("while True:\n    pass\n")
    out = io.StringIO()
    assert check("a1_numpy_cnn", path, out=out, timeout_s=1) == 1
    assert "could not be imported: importing it timed out after 1 s" in " ".join(out.getvalue().split())


def test_time_limit_is_raised_again_when_swallowed():
    """Is CallTimeout raised again (every 0.5 s) after a bare `except:` swallowed the first one?"""
    from autograder.student import CallTimeout, TimeLimit

    swallowed = []
    start = time.monotonic()
    with pytest.raises(CallTimeout):
        with TimeLimit(grace_s=30).limit("spin", 0.3):
            try:
                while True:
                    pass
            except BaseException:  # noqa: BLE001 - what a student may write
                swallowed.append(time.monotonic() - start)
            while True:
                pass
    assert swallowed and time.monotonic() - start < 5


@pytest.mark.parametrize("sigint", ["python's", "ignored"])
def test_time_limit_without_sigalrm_interrupts_the_main_thread(sigint):
    """Where there is no SIGALRM (Windows), does the timer thread's interrupt become a CallTimeout? Also when
    the process started with SIGINT ignored (started in the background by a non-interactive shell, as a CI
    job may be): interrupt_main() then does nothing unless TimeLimit puts Python's handler back for the call
    (that is how this test failed in three CI runs of session 5). Run in a fresh interpreter."""
    code = """if True:
        import signal, sys
        signal.signal(signal.SIGINT, signal.SIG_IGN if IGNORED else signal.default_int_handler)
        from autograder.student import CallTimeout, TimeLimit
        limit = TimeLimit(grace_s=30)
        limit.use_alarm = False
        try:
            with limit.limit("spin", 0.3):
                while True:
                    pass
        except CallTimeout:
            pass
        else:
            sys.exit("no CallTimeout")
        with limit.limit("quick", 5):  # a call that returns in time is left alone
            pass
        if IGNORED:
            assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN, "SIGINT's handler was not put back"
        print("ok")
    """.replace("IGNORED", str(sigint == "ignored"))
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stdout[-2000:] + done.stderr[-2000:]


def test_a_failed_case_worth_no_points_says_so(tmp_path):
    """q12's bit-for-bit restore case is worth no points. A `numerical_gradient` that restores x by adding h
    back earns q12's public points but fails that case: is the failure marked as worth no points (not a
    bare "first failure" beside full points), with the points still full and the exit status 1?"""
    path = _variant(tmp_path, "restore", "        x[idx] = old                                                        # restore bit for bit",
                    "        x[idx] = x[idx] + h")
    code, text = run(path)
    flat = " ".join(text.split())
    assert code == 1 and "public tests: 39/39 points" in flat
    assert ("q12_numerical_gradient first failure - numerical_gradient_bit_for_bit_info (a case worth no points, "
            "for information): 'numerical_gradient' (2x2 input, h=1) did not restore x") in flat
