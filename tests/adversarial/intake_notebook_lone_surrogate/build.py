"""Builds a notebook whose code cell (the reference's q01 code) holds a lone surrogate (``\\ud800`` in
the JSON): not valid text; it used to stop the whole batch when the source was written out."""
import json
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    source = ctx["expand"]("# @@REFERENCE_Q01@@\n") + "NAME = '\ud800'\n"
    cell = {"cell_type": "code", "source": source, "metadata": {}, "outputs": [], "execution_count": None,
            "id": "c1"}
    path = dest / f"{case}.ipynb"
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path
