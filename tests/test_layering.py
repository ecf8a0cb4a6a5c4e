"""Does each layer of the engine import only the layers below it (README: "Layout: authoring → generated →
graded")?"""
import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"

#: layer -> the project packages it may import (besides itself).
ALLOWED = {
    "core": set(),
    "checks": {"core"},
    "release": {"core"},
    "sandbox": {"core"},
    "grade": {"core", "checks", "sandbox"},
    "verify": {"core", "checks", "sandbox", "grade", "release"},
    "student": {"core", "checks", "grade"},
    "doctor": {"core", "sandbox"},
    "export": {"core", "grade"},
}


def _project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.module and node.level == 0 else [])
        found |= {n.split(".")[1] for n in names if n.startswith("autograder.") and n.count(".") >= 1}
    return found


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_layer_imports_only_lower_layers(layer):
    """Does every module of this layer import only the layers it is allowed to?"""
    directory = PACKAGE / layer
    if not directory.is_dir():
        pytest.skip(f"autograder/{layer} does not exist yet")
    bad = {f"{p.relative_to(PACKAGE)} imports autograder.{dep}"
           for p in directory.rglob("*.py") for dep in _project_imports(p) - ALLOWED[layer] - {layer}}
    assert not bad, sorted(bad)


def test_worker_imports_no_project_code():
    """Is the untrusted worker free of project imports (it runs inside the sandbox with stdlib + numpy)?"""
    worker = PACKAGE / "sandbox" / "worker.py"
    if not worker.is_file():
        pytest.skip("autograder/sandbox/worker.py does not exist yet")
    assert not _project_imports(worker)
