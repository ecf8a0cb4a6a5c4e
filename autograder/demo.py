"""``demo``: what the README's first command runs on bundled data.

Releases and verifies every assignment (reference full marks, stubs zero, every mutant caught),
printing the tables. Exit status 1 if any verification fails.
"""
from __future__ import annotations

from autograder.core.assignment import REPO_ROOT


def main(*, assignments: tuple[str, ...] = ()) -> int:
    from autograder.verify import main as verify

    names = assignments or tuple(sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml")))
    status = 0
    for name in names:
        status |= verify(name)
    return status
