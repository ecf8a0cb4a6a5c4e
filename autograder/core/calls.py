"""Data crossing the sandbox boundary: limits, call results, handles, tensor values.

Plain dataclasses only (no project imports, no numpy/torch imports): ``checks`` and ``grade`` can
reason about a worker's answer without importing the sandbox machinery.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

#: ``CallResult.status`` values, in the order a check should care about them.
OK = "ok"
MISSING = "missing"  # the name is not defined in the student module, or is not callable
ERROR = "error"  # the student's code raised an exception (``CallResult.error`` = "Type: message")
TIMEOUT = "timeout"  # the call ran past ``Limits.call_timeout_s``; the worker was killed
CRASH = "crash"  # the worker died, exited (sys.exit / os._exit), ran out of memory or broke the protocol
BAD_RESULT = "bad_result"  # the call returned, but its value cannot come back as data (too big, ...)
STATUSES = (OK, MISSING, ERROR, TIMEOUT, CRASH, BAD_RESULT)


@dataclass(frozen=True)
class Limits:
    """Resource limits of one worker process (and of each call into it)."""

    call_timeout_s: float = 10.0
    """Wall-clock limit of one call (the parent kills the whole worker when it is exceeded)."""
    memory_mb: int = 2048
    """Memory of the whole submission: its processes together (a memory cgroup where one can be
    created, and in every case the parent's watchdog summing their resident memory; see
    ``autograder/sandbox/budget.py``). Also each process's address-space cap (``RLIMIT_AS``) on CPU,
    data-segment cap (``RLIMIT_DATA``) on CUDA, where the driver reserves address space far beyond
    what it uses. Importing torch alone needs ~650 MB of address space."""
    max_result_bytes: int = 64 * 2**20
    """Largest encoded reply (JSON + ``.npy`` bytes) the parent accepts; also caps requests."""
    max_output_bytes: int = 1 * 2**20
    """How much of the student's stdout/stderr the parent keeps (the tail); the rest is counted, dropped."""
    import_timeout_s: float | None = None
    """Wall-clock limit of importing the student file; ``None`` = ``call_timeout_s``."""
    startup_timeout_s: float = 60.0
    """Wall-clock limit for the worker to start (interpreter + numpy [+ torch]) before the student file."""
    cpu_time_s: int = 3600
    """``RLIMIT_CPU`` of the worker process: a backstop in case the parent cannot kill it; the
    per-call wall-clock timeout is the real limit."""
    max_processes: int = 32
    """Processes + threads the sandbox may hold (``RLIMIT_NPROC`` for the session's uid and/or a pids
    cgroup): bounds fork bombs. Threads count, so keep BLAS at one thread (the worker does)."""
    max_file_bytes: int = 64 * 2**20
    """``RLIMIT_FSIZE``: largest file the submission may write (in its scratch dir)."""
    max_scratch_bytes: int = 256 * 2**20
    """All the submission's scratch files together (its cwd and ``TMPDIR``): the size of the
    ``/scratch`` tmpfs under bwrap (writes past it fail with ENOSPC); for the other backends a
    folder the parent measures while it waits, killing the worker past the cap. bwrap's ``/tmp``
    is a separate 64 MB tmpfs."""
    max_scratch_entries: int = 20000
    """Most files and folders the scratch folder may hold (non-bwrap backends: bounds the parent's walk)."""
    cpus: float = 1.0
    """CPU time the whole submission may use per second of wall clock (a CPU quota of its cgroup, cgroup v2
    ``cpu.max`` or v1 ``cpu.cfs_quota_us``, where the cgroup filesystem is writable; ``0``: none). Budgets are
    wall clock: without it, a submission's threads would slow the submission graded beside it (``--jobs``)
    into its time limits."""
    max_restarts: int = 20
    """After this many worker restarts (crashes/timeouts), further calls fail at once with ``crash``."""
    submission_timeout_s: float = 600.0
    """Wall-clock budget of a whole submission (its ``WorkerSession`` deadline); the rest of its cases fail
    when it is spent."""
    output_tail_bytes: int = 2048
    """How much of a call's own output ``CallResult.output`` keeps (the tail)."""

    @property
    def effective_import_timeout_s(self) -> float:
        return self.call_timeout_s if self.import_timeout_s is None else self.import_timeout_s


@dataclass(frozen=True)
class Handle:
    """A reference to an object that stayed in the worker (not data: a model, a generator, an
    ndarray subclass, ...). Pass it back as an argument, or call its methods with ``call_method``.

    Handles die with the worker: after a crash/timeout restart, an old handle is *stale* and a call
    using it fails with status ``crash``.
    """

    id: int
    """Key in the worker's handle table."""
    type_name: str
    """``module.QualName`` of the object's type, e.g. ``"cnn_torch.LeNet5"`` or ``"numpy.matrix"``."""
    generation: int = 0
    """Which incarnation of the worker holds the object (bumped on every restart)."""

    def __repr__(self) -> str:
        return f"<Handle #{self.id} of {self.type_name}>"


@dataclass(frozen=True, eq=False)
class TensorValue:
    """A ``torch.Tensor`` the student returned, as data: the values (copied to CPU, detached) plus
    the properties checks may care about. Never compares equal to anything (``eq=False``): compare
    ``.array``."""

    array: Any
    """``np.ndarray`` with the tensor's values (bfloat16/float8 tensors are widened to float32)."""
    dtype: str
    """The tensor's dtype as torch prints it, e.g. ``"torch.float32"``."""
    device: str
    """e.g. ``"cpu"`` or ``"cuda:0"``."""
    requires_grad: bool = False
    grad_fn: str | None = None
    """Name of the ``grad_fn`` node's type (``"AddmmBackward0"``), or None for leaves."""
    type_name: str = "torch.Tensor"
    """``torch.Tensor`` or ``torch.nn.parameter.Parameter``."""

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)


@dataclass
class CallResult:
    """The outcome of one call into the worker. Never raised: every failure is a status."""

    status: str
    """One of ``STATUSES``."""
    value: Any = None
    """Plain data when ``status == "ok"``: ``np.ndarray`` (exact type, numeric/bool/str dtype), numpy
    scalars, int/float/bool/str/None, tuple/list/dict of these, ``TensorValue``, ``torch.device`` /
    ``torch.dtype``; anything else is a ``Handle``."""
    error: str = ""
    """``"ValueError: message"`` (truncated) for ``error``; the reason for ``crash``/``timeout``/
    ``bad_result``/``missing``. Student-facing: never contains grader paths or hidden data."""
    traceback: str = ""
    """The student-file frames of the traceback (``file, line, function``), truncated; may be empty."""
    duration_s: float = 0.0
    """Wall time measured by the parent, request sent -> reply parsed (worker restarts excluded)."""
    output: str = ""
    """Tail (``Limits.output_tail_bytes``) of what the student's code printed during this call."""
    output_bytes: int = 0
    """How many bytes it printed in all."""
    note: str = ""
    """A remark that does not change the status, e.g. "the call left 31 processes running; the
    worker was restarted"."""

    @property
    def ok(self) -> bool:
        return self.status == OK


@dataclass
class SessionInfo:
    """What a sandbox session is, for logs, ``doctor`` and the student's feedback."""

    backend: str
    """``bwrap`` or ``process``."""
    reason: str = ""
    """Why this backend (``auto`` explains its choice)."""
    uid: int | None = None
    """uid the student's code runs as, seen from outside the sandbox (None = unknown)."""
    warnings: list[str] = field(default_factory=list)
    """Weaknesses of this session's isolation, e.g. ``UNSAFE: ...``; shown on every run."""
