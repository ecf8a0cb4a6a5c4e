"""Builds a notebook with a list nested 100,000 deep in its metadata, beside the reference's q01 code
(it used to stop the whole batch with a RecursionError)."""
import json
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    cell = {"cell_type": "code", "source": ctx["expand"]("# @@REFERENCE_Q01@@\n"), "metadata": {},
            "outputs": [], "execution_count": None, "id": "c1"}
    text = json.dumps({"cells": [cell], "metadata": {"deep": "@@DEEP@@"}, "nbformat": 4, "nbformat_minor": 5})
    path = dest / f"{case}.ipynb"
    path.write_text(text.replace('"@@DEEP@@"', "[" * 100_000 + "]" * 100_000))
    return path
