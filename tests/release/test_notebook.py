"""Does each assignment's student notebook run end to end from the student bundle: with the reference
dropped in as the student's file, its grader.check cells passing and its figures drawn; with the stubs
as they are, to the last cell, saying what is not implemented yet?"""
import base64
import os
import zipfile
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment
from autograder.release import main as release

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/notebook.py"))
#: Minimum number of figures each notebook must draw.
MIN_FIGURES = {"a1_numpy_cnn": 3, "a2_torch_cnn": 3}


def execute_bundle_notebook(assignment: str, workdir: Path, figures_dir: Path | None = None, *,
                            reference: bool = True, root: Path | None = None):
    """Release the student bundle into ``workdir`` (never the repository's dist/), unpack it, put the
    reference in place of the starter (``reference=True``), execute the notebook as Run All does (stop at
    the first error); return (notebook, list of PNG bytes)."""
    import nbclient
    import nbformat

    a = load_assignment(assignment, root)
    release(assignment, root=root, dist=workdir / "dist")
    with zipfile.ZipFile(workdir / "dist" / "student.zip") as zf:
        zf.extractall(workdir)
    home = workdir / a.name
    if reference:
        (home / a.student_file).write_bytes(a.solution_file.read_bytes())
    nb = nbformat.read(home / f"{a.name}.ipynb", as_version=4)
    nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                            resources={"metadata": {"path": str(home)}}).execute()
    pngs = [base64.b64decode(out["data"]["image/png"]) for cell in nb.cells for out in cell.get("outputs", [])
            if "image/png" in out.get("data", {})]
    if figures_dir is not None:
        figures_dir.mkdir(parents=True, exist_ok=True)
        for i, data in enumerate(pngs):
            (figures_dir / f"{assignment}-figure{i + 1}.png").write_bytes(data)
    return nb, pngs


def _text(outputs) -> str:
    return " ".join(str(out.get("data", {}).get("text/plain", "")) + str(out.get("text", "")) for out in outputs)


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_runs_with_reference(assignment, tmp_path, repo_copy):
    figures = Path(os.environ["NOTEBOOK_FIGURES_DIR"]) if os.environ.get("NOTEBOOK_FIGURES_DIR") else None
    nb, pngs = execute_bundle_notebook(assignment, tmp_path, figures, root=repo_copy)
    assert len(pngs) >= MIN_FIGURES.get(assignment, 1)
    assert all(p.startswith(b"\x89PNG") and len(p) > 5000 for p in pngs)
    checks = [out for cell in nb.cells if "grader.check(" in cell.source for out in cell.get("outputs", [])]
    text = _text(checks)
    assert checks and "passed" in text and "failed" not in text.lower(), text[:2000]
    assert "not implemented yet" not in _text(out for cell in nb.cells for out in cell.get("outputs", []))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_runs_to_the_end_with_the_stubs(assignment, tmp_path, repo_copy):
    """Run All on the untouched starter: does it reach the last cell (nbclient stops at the first error),
    run every grader.check cell, say "not implemented yet" naming the stubs, and show no half-drawn figure?"""
    nb, pngs = execute_bundle_notebook(assignment, tmp_path, reference=False, root=repo_copy)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert all(cell.get("execution_count") for cell in code)  # every cell ran
    checks = [cell for cell in code if "grader.check(" in cell.source]
    assert checks and all(cell.get("outputs") for cell in checks)
    said = _text(out for cell in code for out in cell.get("outputs", []))
    assert said.count("not implemented yet: ") >= 3 and "Traceback" not in said
    assert "errored" not in said and not pngs, (said[:3000], len(pngs))


def test_a_notebook_check_naming_no_question_is_refused_and_a_missing_one_is_said(repo_copy, tmp_path):
    """A ``grader.check("q5_pad2d")`` typo would fail in the student's cell; a question with no check cell
    leaves its public tests to the command line. Is the typo refused by release (naming the file and the
    name) and the missing cell a warning naming the question, while the real notebooks have neither?"""
    from autograder.release import ReleaseError

    for name in ASSIGNMENTS:
        assert release(name, root=repo_copy, check=True).warnings == []
    src = repo_copy / "assignments/a1_numpy_cnn/notebook.py"
    text = src.read_text()
    try:  # repo_copy is shared by the tests of this process: put the notebook back
        src.write_text(text.replace('grader.check("q05_pad2d")', 'grader.check("q5_pad2d")\n# grader.check("q99")'))
        with pytest.raises(ReleaseError, match=r"notebook\.py: grader\.check\('q5_pad2d'\) names no question"):
            release("a1_numpy_cnn", root=repo_copy, check=True)
        src.write_text(text.replace('grader.check("q05_pad2d")', '# grader.check("q05_pad2d")  # later'))
        r = release("a1_numpy_cnn", root=repo_copy, check=True)  # a comment is not a check cell, nor a typo
        assert len(r.warnings) == 1 and "grader.check('q05_pad2d')" in r.warnings[0]
        src.write_text(text.replace('grader.check("q05_pad2d")', 'grader.check(question="q05_pad2d")'))
        assert release("a1_numpy_cnn", root=repo_copy, check=True).warnings == []  # otter's keyword form
    finally:
        src.write_text(text)
