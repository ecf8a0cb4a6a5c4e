"""Does an A2 stub that forges every report of the grader's in-worker helpers score 0 points, under bwrap and
under uid? (Issue 10: once, replacing the helpers earned 39/50 with nothing implemented.)"""
import json
import os
from pathlib import Path

import pytest

from autograder.core.assignment import load_assignment
from autograder.grade.batch import main as grade
from autograder.sandbox import backends

HERE = Path(__file__).resolve().parent / "a2_forge_everything"
A = load_assignment("a2_torch_cnn")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["bwrap", "uid"])
def test_a2_stub_forging_every_report_scores_zero(backend, tmp_path, monkeypatch):
    if backend == "uid":
        monkeypatch.setenv("AG_BWRAP", "")  # no bwrap anywhere: the grading processes inherit it
        backends.bwrap_choice.cache_clear()
        ok, why = backends.uid_status()
        if not ok:
            pytest.skip(f"uid backend unavailable: {why}")
    elif backends.bwrap_status()[0] is None:
        pytest.skip(f"bwrap cannot run here: {backends.bwrap_status()[1]}")
    subs = tmp_path / "subs"
    subs.mkdir()
    stub = (A.starter_dir / A.student_file).read_text()
    (subs / "forger.py").write_text((HERE / "forger.py").read_text() + "\n" + stub)
    try:
        summary = grade(A.name, [subs], out=tmp_path / "out", jobs=1, sandbox=backend, progress=False)
    finally:
        backends.bwrap_choice.cache_clear()
    result = json.loads((tmp_path / "out" / "results" / "forger.json").read_text())
    assert result["extra_data"]["backend"] == backend
    assert not summary.grader_errors, summary.grader_errors
    earned = [t["name"] for t in result["tests"] if t["score"] > 0]
    assert result["score"] == 0 and not earned, earned
