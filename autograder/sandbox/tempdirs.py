"""The engine's temporary folders, named ``ag-<kind>-<pid>-<random>`` after the process that made them.

A batch's copies of the submissions (``ag-batch``), a session's private and scratch folders
(``ag-private``, ``ag-scratch``), the helper copies (``ag-helpers``), the grading pool's fork server's
socket (``ag-pool``, ``autograder.grade.pool``): each is removed by the code that
made it, on success and on error. Only a killed maker leaves one behind (``kill -9``, the OOM killer, a
machine that sleeps mid-batch), with copies of submissions in it. ``remove_orphans`` (run when a batch
starts) removes the folders whose maker is gone: this user's (or, as root, a session uid's: a scratch
folder is chowned to the uid its worker runs as), of a known kind, whose pid no longer runs.
A folder whose pid runs (its maker, or an unrelated process that got the pid since) is left alone; a
zombie does not run (``procs.alive``: a container's PID 1 need not reap a killed grader's children).
The pid is this machine's view (one pid namespace shares the temporary folder: a container's /tmp is
its own).
"""
from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
from pathlib import Path

from autograder.sandbox import procs
from autograder.sandbox.backends import SESSION_UIDS, is_account
from autograder.sandbox.budget import remove_tree

log = logging.getLogger(__name__)

KINDS = ("batch", "private", "scratch", "helpers", "intake", "reference", "pool")
_NAME = re.compile(rf"ag-({'|'.join(KINDS)})-(\d+)-[^/]+")


def make(kind: str, dir: str | Path | None = None) -> Path:
    """A fresh folder ``ag-<kind>-<this pid>-<random>`` in ``dir`` (the temporary folder by default),
    mode 0700."""
    if kind not in KINDS:
        raise ValueError(f"unknown temporary folder kind {kind!r}; one of {', '.join(KINDS)}")
    return Path(tempfile.mkdtemp(prefix=f"ag-{kind}-{os.getpid()}-", dir=dir))


@contextlib.contextmanager
def temporary(kind: str, dir: str | Path | None = None):
    """``make(kind, dir)`` for the block; removed afterwards (``budget.remove_tree``: never raises)."""
    path = make(kind, dir)
    try:
        yield path
    finally:
        remove_tree(path, what=f"{kind} folder")


def _ours(uid: int) -> bool:
    """This user's folder, or (as root) one a session's uid owns: a scratch folder is chowned to it."""
    return uid == os.geteuid() or (os.geteuid() == 0 and uid in SESSION_UIDS and not is_account(uid))


def remove_orphans(*dirs: str | Path | None) -> list[Path]:
    """Remove the folders of ``make`` in ``dirs`` (None: the temporary folder) whose maker no longer
    runs and that belong to this user; return them."""
    removed = []
    folders = dict.fromkeys(Path(x if x is not None else tempfile.gettempdir()) for x in dirs or (None,))
    for entry, m in procs.orphaned_entries(folders, _NAME, 2):
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not entry.is_dir(follow_symlinks=False) or not _ours(st.st_uid):
            continue
        if remove_tree(entry.path, what=f"orphaned {m.group(1)} folder"):
            log.info("removed %s: left by process %s, which no longer runs", entry.path, m.group(2))
            removed.append(Path(entry.path))
    return removed
