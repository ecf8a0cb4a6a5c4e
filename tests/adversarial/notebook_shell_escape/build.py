"""Builds notebook_shell_escape.ipynb: the q01 functions in a code cell, plus shell escapes and
magics that would create files in the test's canary folder if they were ever run."""
import json
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    canary = ctx["canary"]
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# A1 notebook"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ctx["expand"]("# @@REFERENCE_Q01@@\n")},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": [f"!touch {canary}/agadv_shell_escape\n", "if True:\n", f"    !touch {canary}/agadv_indented_escape\n",
                    f"%system touch {canary}/agadv_line_magic\n", "x = 1\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": [f"%%bash\ntouch {canary}/agadv_cell_magic\n"]},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
         "source": ["conv_output_size?\n"]},
    ]
    nb = {"cells": cells, "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                      "language": "python"}}, "nbformat": 4, "nbformat_minor": 5}
    path = dest / f"{case}.ipynb"
    path.write_text(json.dumps(nb))
    return path
