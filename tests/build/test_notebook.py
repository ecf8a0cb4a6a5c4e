"""Does each assignment's student notebook run end to end from the student bundle (with the reference
dropped in as the student's file), with its grader.check cells passing and its figures drawn?"""
import base64
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from autograder.core.assignment import REPO_ROOT, load_assignment

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/notebook.py"))
#: Minimum number of figures each notebook must draw.
MIN_FIGURES = {"a1_numpy_cnn": 3, "a2_torch_cnn": 3}


def execute_bundle_notebook(assignment: str, workdir: Path, figures_dir: Path | None = None):
    """Unpack the released student bundle into ``workdir``, put the reference in place of the starter,
    execute the notebook; return (notebook, list of PNG bytes)."""
    import nbclient
    import nbformat

    a = load_assignment(assignment)
    bundle = a.dist_dir / "student.zip"
    if not bundle.is_file():
        from autograder.build import main as release
        release(assignment)
    with zipfile.ZipFile(bundle) as zf:
        zf.extractall(workdir)
    home = workdir / a.name
    shutil.copy(a.solution_file, home / a.student_file)
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


@pytest.mark.slow
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_runs_with_reference(assignment, tmp_path):
    figures = Path(os.environ["NOTEBOOK_FIGURES_DIR"]) if os.environ.get("NOTEBOOK_FIGURES_DIR") else None
    nb, pngs = execute_bundle_notebook(assignment, tmp_path, figures)
    assert len(pngs) >= MIN_FIGURES.get(assignment, 1)
    assert all(p.startswith(b"\x89PNG") and len(p) > 5000 for p in pngs)
    checks = [out for cell in nb.cells if "grader.check(" in cell.source for out in cell.get("outputs", [])]
    text = " ".join(str(out.get("data", {}).get("text/plain", "")) + str(out.get("text", "")) for out in checks)
    assert checks and "passed" in text and "failed" not in text.lower(), text[:2000]
