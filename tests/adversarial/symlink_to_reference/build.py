"""A submission that is a symbolic link to the reference solution (it used to be followed: 92/92)."""
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    path = dest / f"{case}.py"
    path.symlink_to(Path(__file__).resolve().parents[3] / "solutions" / "a1_numpy_cnn" / "cnn_numpy.py")
    return path
