"""Is the engine free of assignment code (issue 12: assignments as data)? Everything specific to an
assignment lives in its folder (assignments/<a>/: tests, [support] files) and in solutions/<a>/."""
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "autograder"
#: Names of the course's assignments and of their data: none may appear in the engine.
ASSIGNMENT_WORDS = re.compile(r"a1_|a2_|mnist", re.IGNORECASE)


def _hits(root: Path) -> list[str]:
    return [f"{p.relative_to(root.parent)}:{n}: {line.strip()}"
            for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".py", ".md", ".txt", ".toml", ".json")
            for n, line in enumerate(p.read_text(errors="replace").splitlines(), 1) if ASSIGNMENT_WORDS.search(line)]


def test_engine_names_no_assignment():
    """Does `grep -rniE "a1_|a2_|mnist" autograder/` find nothing?"""
    hits = _hits(PACKAGE)
    assert not hits, "assignment code or names in the engine (move them to assignments/<a>/):\n" + "\n".join(hits)


def test_the_grep_can_fail(tmp_path):
    """Does the same scan flag a file that names an assignment (the test above is not vacuous)?"""
    (tmp_path / "autograder").mkdir()
    (tmp_path / "autograder" / "x.py").write_text("def hidden_MNIST1D_set():\n    pass\n")
    assert _hits(tmp_path / "autograder") == ["autograder/x.py:1: def hidden_MNIST1D_set():"]
