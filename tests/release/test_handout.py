"""The handouts' questions tables against assignment.toml (issue 11 must-show 3, issue 13 item 6)."""
import os
import subprocess
import sys

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.release import ReleaseError
from autograder.release import main as release
from autograder.release.handout import HandoutError, check_points_table, points_table

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_handout_points_table_matches_assignment(assignment):
    """Does each handout's table list every question of assignment.toml with its points, and the total?"""
    a = load_assignment(assignment)
    rows = points_table((a.source_dir / "handout.md").read_text())
    assert [(name, float(points)) for _, name, points in rows] == \
        [(q.name, q.points) for q in a.questions] + [("total", a.points)]
    check_points_table(a)


def _drift(a, tmp_path, old: str, new: str):
    text = (a.source_dir / "handout.md").read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "handout.md"
    path.write_text(text.replace(old, new))
    return path


@pytest.mark.parametrize("old, new, words", [
    ("| q07_conv2d | multi-channel input, several kernels, stride, padding, dilation, bias | 12 |",
     "| q07_conv2d | multi-channel input, several kernels, stride, padding, dilation, bias | 14 |",
     "question q07_conv2d is worth '14' points in the handout but 12 in"),
    ("| **total** | | **92** |", "| **total** | | **94** |", "the total is '94' points in the handout but 92"),
    ("| q05_pad2d | padding | 4 |\n", "", "does not list q05_pad2d"),
    ("| q05_pad2d | padding | 4 |", "| q05_pad2d | padding | 4 |\n| q13_extra | more | 0 |",
     "question q13_extra is not in"),
])
def test_drifted_a1_table_is_named(tmp_path, old, new, words):
    """Is each kind of drift (points, total, a missing or an unknown question) reported with the question?"""
    a = load_assignment("a1_numpy_cnn")
    path = _drift(a, tmp_path, old, new)
    with pytest.raises(HandoutError, match="handout.md") as exc:
        check_points_table(a, path)
    assert words in str(exc.value)


def test_release_refuses_a_drifted_handout(repo_copy):
    """Does `release` (and `release --check`, which CI runs) refuse a handout whose points drifted,
    naming the file and the question?"""
    a = load_assignment("a1_numpy_cnn", repo_copy)
    handout = a.source_dir / "handout.md"
    original = handout.read_text()
    handout.write_text(original.replace("| q10_conv2d_backward | backpropagation through a convolution "
                                        "(hidden gradient checks) | 14 |", "| q10_conv2d_backward | "
                                        "backpropagation through a convolution (hidden gradient checks) | 12 |"))
    assert handout.read_text() != original
    try:
        with pytest.raises(ReleaseError, match=r"handout.md:\d+: question q10_conv2d_backward is worth '12'"):
            release(a.name, root=repo_copy, dist=repo_copy / "dist-drift")
        done = subprocess.run([sys.executable, "-m", "autograder", "release", a.name, "--check"],
                              capture_output=True, text=True, cwd=REPO_ROOT,
                              env={**os.environ, "AUTOGRADER_ROOT": str(repo_copy)})
        assert done.returncode == 1, done.stdout + done.stderr
        assert "question q10_conv2d_backward is worth '12' points in the handout but 14" in done.stderr
    finally:
        handout.write_text(original)
