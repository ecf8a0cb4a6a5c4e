"""A submission that is a symbolic link to another file (the test's canary; it used to be followed, and
its content shown in the feedback)."""
from pathlib import Path


def build(dest: Path, case: str, ctx: dict) -> Path:
    path = dest / f"{case}.py"
    path.symlink_to(Path(ctx["canary"]) / "canary.txt")
    return path
