"""Released solutions are read by students: short and plain. Is each reference within its line budget
(code lines: no blank lines, comments or docstrings), like tinygrad's sz.py?"""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BUDGETS = {"solutions/a1_numpy_cnn/cnn_numpy.py": 400, "solutions/a2_torch_cnn/cnn_torch.py": 300}


def code_lines(source: str) -> int:
    docstrings = set()
    for node in ast.walk(ast.parse(source)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str):
            docstrings.update(range(body[0].lineno, body[0].end_lineno + 1))
    return sum(1 for i, line in enumerate(source.splitlines(), 1)
               if line.strip() and not line.strip().startswith("#") and i not in docstrings)


def test_counter_ignores_docstrings_and_comments():
    assert code_lines('"""doc\nstring"""\n# comment\n\ndef f():\n    """doc"""\n    return 1\n') == 2


@pytest.mark.parametrize("path, budget", sorted(BUDGETS.items()))
def test_solution_within_budget(path, budget):
    n = code_lines((ROOT / path).read_text())
    assert n <= budget, f"{path} has {n} code lines (budget {budget}): simplify before adding"
