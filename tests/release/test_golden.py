"""The public test files students get are committed (tests/golden/<assignment>/): any change to what students
see is a reviewed diff. The test releases into a temporary folder and compares the bundle's test files with
the golden copies, byte for byte.

After an intended change: ``AG_UPDATE_GOLDEN=1 python -m pytest tests/release/test_golden.py`` rewrites the
golden copies from a fresh release (then review and commit the diff)."""
import os
import zipfile

import pytest

from autograder.core.assignment import REPO_ROOT
from autograder.release import main as release

ASSIGNMENTS = sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml"))
GOLDEN = REPO_ROOT / "tests" / "golden"


def _bundle_tests(assignment: str, tmp_path) -> dict[str, bytes]:
    """``{file name: bytes}`` of the public test files in the student bundle `release` writes."""
    built = release(assignment, dist=tmp_path / "dist", starter=tmp_path / "starter")
    prefix = f"{assignment}/tests/"
    with zipfile.ZipFile(built.dist_dir / "student.zip") as zf:
        return {n[len(prefix):]: zf.read(n) for n in zf.namelist() if n.startswith(prefix) and n.endswith(".py")}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_public_test_files_match_the_golden_copies(assignment, tmp_path):
    """Are the bundle's public test files exactly the committed golden copies (none missing, none extra)?"""
    fresh = _bundle_tests(assignment, tmp_path)
    assert fresh, f"the student bundle of {assignment} holds no public test file"
    folder = GOLDEN / assignment
    if os.environ.get("AG_UPDATE_GOLDEN") == "1":
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.py"):
            old.unlink()
        for name, data in fresh.items():
            (folder / name).write_bytes(data)
    golden = {p.name: p.read_bytes() for p in sorted(folder.glob("*.py"))}
    hint = "review the change, then: AG_UPDATE_GOLDEN=1 python -m pytest tests/release/test_golden.py"
    assert sorted(fresh) == sorted(golden), f"public test files differ from tests/golden/{assignment}/: {hint}"
    changed = [name for name in fresh if fresh[name] != golden[name]]
    assert not changed, f"what students see changed in {', '.join(changed)} (vs tests/golden/{assignment}/): {hint}"


def test_golden_copies_hold_no_hidden_case():
    """Do the golden copies (what students see) hold no hidden-test block and no hidden case?"""
    for path in sorted(GOLDEN.glob("*/*.py")):
        text = path.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and "hidden=True" not in text, path
