"""The grading processes of a batch (``GradingPool``), started from a fork server.

This module imports nothing of the engine at its top: a grading process imports it first (to run
``_init_grading_process``), before the engine's modules read the environment at their import
(``AUTOGRADER_ROOT``, ``AG_UID_LANDLOCK``), so that they read the batch's environment, not the one the
fork server started with.
"""
from __future__ import annotations

import concurrent.futures as cf
import logging
import multiprocessing as mp
import os
import shutil
import signal
import tempfile
import time

#: Environment of grading processes: one BLAS/OpenMP thread each (the batch's parallelism is ``jobs``).
SINGLE_THREAD = {k: "1" for k in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
                                  "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS")}


#: Imported once by the fork server that starts the grading processes: each grading process is a fork
#: of it and skips ~5 s of imports (torch ~3 s, otter ~1.5 s on a 2-core machine). Libraries only: the
#: engine's own modules are imported fresh in each grading process (no state of the server's).
_PRELOAD = ["numpy", "torch", "otter.test_files"]


#: What the grading process is grading now (``autograder.grade.batch.grade_one`` sets it): the submission its
#: log lines name, and the batch's staff log they are appended to (None: the terminal only).
CURRENT: dict = {"student": "-", "log": None}


class StaffLog(logging.Handler):
    """Appends each record (sanitised, with the time and its submission) to ``path``, or where none is
    given to ``CURRENT["log"]`` when one is set: the batch's ``grading.log``, where a grader error's
    traceback stays for the staff after the terminal has scrolled (it may quote hidden test code: the out
    folder is the staff's only). The submission is the record's ``student`` (``extra=``) or ``CURRENT``'s.
    Opened per record: a line is written only when something went wrong. A grading process has one
    without a path; the batch's parent one with the batch's path while it grades the submissions."""

    def __init__(self, path: str | None = None) -> None:
        from autograder.core.sanitize import TerminalFormatter

        super().__init__(logging.WARNING)
        self.path = path
        formatter = TerminalFormatter("%(asctime)s %(levelname)s [%(student)s] %(message)s", "%Y-%m-%dT%H:%M:%SZ")
        formatter.converter = time.gmtime  # UTC: the same on every machine of a course that merges shards
        self.setFormatter(formatter)

    def emit(self, record: logging.LogRecord) -> None:
        path = self.path or CURRENT["log"]
        if not path:
            return
        if not hasattr(record, "student"):
            record.student = CURRENT["student"]
        try:
            with open(path, "a", encoding="utf-8", opener=lambda p, flags: os.open(p, flags, 0o600)) as f:
                f.write(self.format(record) + "\n")
        except OSError:
            self.handleError(record)


def _init_grading_process(environ: dict[str, str]) -> None:
    """Runs first in each grading process: take the batch's environment as it is when the pool starts
    (the fork server's children would otherwise see the one it had when it started: a course secret or
    ``AG_BWRAP`` set between two batches), die with the batch (so do the sandboxes, which die with us),
    and keep numeric libraries on one thread."""
    os.environ.clear()
    os.environ.update(environ)
    os.environ.update(SINGLE_THREAD)
    tempfile.tempdir = None  # found again from this environment (TMPDIR), as a spawned process would
    from autograder.core.sanitize import terminal_log_handler

    # what this process logs may quote a submission (a worker's error): printed sanitised
    logging.basicConfig(level=logging.WARNING, handlers=[terminal_log_handler(), StaffLog()])
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG (the fork server dies with the batch)
    except (OSError, AttributeError):
        pass
    try:
        import torch

        torch.set_num_threads(1)  # imported by the server before SINGLE_THREAD was in its environment
    except ImportError:
        pass


#: The fork server's socket is ``<folder>/ag-pool-<pid>-XXXXXXXX/pymp-XXXXXXXX/listener-XXXXXXXX``; a socket's
#: path holds at most 107 bytes (``AF_UNIX``): the folder at most 50 (a pid has at most 7 digits).
_SOCKET_FOLDER_MAX = 107 - len("/ag-pool-1234567-XXXXXXXX/pymp-XXXXXXXX/listener-XXXXXXXX")
_SHORT_FOLDERS = ("/tmp", "/var/tmp", "/dev/shm")


def socket_base() -> str | None:
    """Where the fork server's folder goes: None (``tempfile.gettempdir()``) when the socket's path fits
    there, else the first short writable folder of ``_SHORT_FOLDERS`` (a long ``TMPDIR``, e.g. a test's
    temporary folder, failed every batch with "AF_UNIX path too long")."""
    if len(tempfile.gettempdir()) <= _SOCKET_FOLDER_MAX:
        return None
    for folder in _SHORT_FOLDERS:
        if os.path.isdir(folder) and os.access(folder, os.W_OK | os.X_OK):
            return folder
    raise RuntimeError(f"the temporary folder {tempfile.gettempdir()} is longer than {_SOCKET_FOLDER_MAX} "
                       "characters (a socket's path must fit in 107 bytes) and none of "
                       f"{', '.join(_SHORT_FOLDERS)} is writable: set TMPDIR to a shorter folder")


def start_fork_server():
    """The multiprocessing context of the grading processes, its fork server started (once per process,
    importing ``_PRELOAD``). Its socket lies in multiprocessing's own temporary folder (``pymp-*``), made
    here on first use inside an engine folder ``ag-pool-<pid>-*`` (``autograder.sandbox.tempdirs``) in
    ``socket_base()``: removed when this process exits, and by the next batch when this process was
    killed (a bare ``pymp-*`` folder names no process)."""
    from multiprocessing import forkserver, process, util

    ctx = mp.get_context("forkserver")
    ctx.set_forkserver_preload(_PRELOAD)
    if process.current_process()._config.get("tempdir") is None:  # multiprocessing's, when it made one
        from autograder.sandbox import tempdirs

        holder = tempdirs.make("pool", socket_base())
        old, tempfile.tempdir = tempfile.tempdir, str(holder)
        try:
            util.get_temp_dir()  # pymp-* made now, in ``holder``; multiprocessing keeps it for this process
        finally:
            tempfile.tempdir = old
        # after multiprocessing's own finalizer (priority -100) removed pymp-*
        util.Finalize(None, shutil.rmtree, args=(holder,), kwargs={"ignore_errors": True}, exitpriority=-101)
    forkserver.ensure_running()
    return ctx


class GradingPool:
    """The grading processes of a batch: ``jobs`` of them, kept for the whole batch (the reference check
    and every submission), replaced when one dies (``_graded``).

    They are forked from a fork server, never by a plain "fork" of the batch: the batch may run threads
    (progress bar; a test runner's), and a lock held by one of them when forking would hang the grading
    process forever. The server is a fresh single-threaded process (one per batch process, started on
    first use) that only imports ``_PRELOAD``; ``_init_grading_process`` gives each child the batch's
    environment of now."""

    def __init__(self, jobs: int):
        self.jobs, self._pool, self._workers = jobs, None, 0

    def executor(self, workers: int) -> cf.ProcessPoolExecutor:
        """The pool, with ``workers`` processes (a fresh one when the size changes or it was discarded)."""
        if self._pool is not None and self._workers != workers:
            self.discard()
        if self._pool is None:
            self._pool = cf.ProcessPoolExecutor(max_workers=workers, mp_context=start_fork_server(),
                                                initializer=_init_grading_process, initargs=(dict(os.environ),))
            self._workers = workers
        return self._pool

    def discard(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def __enter__(self) -> GradingPool:
        return self

    def __exit__(self, *exc) -> None:
        self.discard()
