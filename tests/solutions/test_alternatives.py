"""Correct implementations in other styles must score full marks for every student id (no false failures).

``tests/solutions/alternatives/a1/*.py`` each replace the core of the A1 reference (conv2d, conv2d_backward,
and pooling in ``loops.py``) by a different style: explicit loops, einsum, as_strided + transposed
convolution, im2col with index arrays. Each file is appended to the reference (later definitions win),
and the result is graded in-process (trusted code) under 20 student ids.
"""
from pathlib import Path

import pytest

from autograder.core.assignment import load_assignment
from autograder.core.results import PASSED
from autograder.verify import sweep_ids

HERE = Path(__file__).parent / "alternatives"
A1 = sorted((HERE / "a1").glob("*.py"))
IDS = 20


def _build(a, style: Path, tmp_path: Path) -> Path:
    path = tmp_path / style.stem / a.student_file
    path.parent.mkdir(parents=True)
    path.write_text(a.solution_file.read_text() + "\n\n# ---- alternative style: " + style.name + "\n" +
                    style.read_text())
    return path


@pytest.mark.slow
def test_a1_alternatives_score_full_marks_for_every_id(tmp_path):
    """Do the four A1 styles score full marks for each of 20 student ids?"""
    a = load_assignment("a1_numpy_cnn")
    assert len(A1) >= 4
    swept = sweep_ids(a, {s.stem: _build(a, s, tmp_path) for s in A1}, IDS)
    lost = [f"{style} as {sid}: {c.question}/{c.name}: {c.message}" for style, results in swept.items()
            for sid, r in results.items() for c in r.cases if c.status != PASSED]
    assert not lost, "\n".join(lost[:20])
    assert all(len(results) == IDS for results in swept.values())


def test_an_alternative_really_replaces_the_reference(tmp_path):
    """Does appending a style really replace the reference's functions (else the test above proves nothing)?"""
    import importlib.util

    a = load_assignment("a1_numpy_cnn")
    for style in A1:
        spec = importlib.util.spec_from_file_location(f"alt_{style.stem}", _build(a, style, tmp_path))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        assert module.conv2d.__code__.co_filename.endswith(a.student_file)
        assert module.conv2d.__code__.co_firstlineno > a.solution_file.read_text().count("\n")
