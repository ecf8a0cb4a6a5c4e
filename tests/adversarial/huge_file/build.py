"""A 2 GiB submission (a sparse file: nothing is written): refused by its size, never read whole."""
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    path = dest / f"{case}.py"
    with open(path, "wb") as f:
        f.truncate(2 * 2**30)
    return path
