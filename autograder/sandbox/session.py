"""``WorkerSession``: the trusted parent's end of one submission's worker process.

Trust boundary, from the parent's side:

* The parent is the only writer of anything that matters (results, journals, feedback): the worker
  has no path to them (``bwrap``: they are not mounted; ``uid``: sealed from "other" and verified
  as the worker's uid before it starts, see ``backends.protect_from_uid``; ``process``: UNSAFE, said
  in ``warnings``).
  What the worker sends back is data, parsed with size caps and without pickle (``wire.py``); a
  reply that is malformed, too big or late is a ``crash``/``bad_result``/``timeout`` *of that call*:
  nothing the worker does raises into the caller or blocks it past the call's deadline.
* Inputs are sent as copies (``.npy`` bytes): the worker cannot modify the parent's arrays.
* Budgets of the whole submission, not of one process (``budget.py``): memory of all its processes
  together (a memory cgroup where possible, and the parent's watchdog while it waits for a reply),
  its scratch space (bwrap: a size-capped tmpfs; otherwise measured by the parent), and an optional
  deadline that cuts every call. Past one, the call is a ``crash``/``timeout`` that says which budget.
  Cleanup (``budget.remove_tree``) cannot be defeated by what the submission leaves, and never raises.
* One long-lived worker per submission (importing torch costs ~2 s). After a timeout, a crash, an
  exit, an OOM or a protocol violation the whole worker (process tree / PID namespace) is killed and
  the next call starts a fresh one from a fresh copy of the submission (a restart is not charged to
  any call's timeout). A student module that fails to import is not re-imported: every call then
  fails at once with the import's status.

Not thread-safe: one call at a time per session; open and close a session in the same thread
(``--die-with-parent`` ties bwrap to the thread that started it).
"""
from __future__ import annotations

import fcntl
import os
import select
import shutil
import subprocess
import time
from pathlib import Path

from autograder.core.calls import (
    BAD_RESULT,
    CRASH,
    ERROR,
    OK,
    TIMEOUT,
    CallResult,
    Handle,
    Limits,
    SessionInfo,
    TensorValue,
)
from autograder.sandbox import backends, budget, procs, tempdirs, wire


class WorkerSession:
    """Run one student file in a sandboxed worker and call into it.

    ``with WorkerSession(submission_file=..., module_name="cnn_numpy") as s: s.call("conv2d", x, w)``
    """

    def __init__(self, submission_file: Path | str, module_name: str, *, backend: str = "auto",
                 limits: Limits = Limits(), device: str = "cpu", forbidden_imports: tuple[str, ...] = (),
                 forbidden_reason: str = "", helper_files: list[Path | str] = (), need_torch: bool | None = None,
                 protect: tuple[Path | str, ...] = (), deadline: float | None = None,
                 budget_s: float | None = None):
        """
        submission_file: the student's ``.py`` (read once; every worker incarnation gets a fresh copy).
        module_name: the name it is imported under (``cnn_numpy``); helpers can ``import`` it.
        backend: a name of ``backends.REGISTRY`` (``"bwrap"``, ``"uid"``, ``"process"``) or ``"auto"`` (the
            strongest available, never ``process``; see ``backends.choose``, which raises
            ``SandboxUnavailable`` when none can run). Everything that differs between backends is
            asked of the ``backends.Backend`` (``self.sandbox``).
        device: ``"cpu"`` or ``"cuda[:N]"``: where tensor arguments are placed; picks RLIMIT_DATA over
            RLIMIT_AS for CUDA.
        forbidden_imports: top-level modules the student file may not import (A1: torch, scipy);
            ``forbidden_reason`` is appended to the message ("A1 must use NumPy only").
        helper_files: trusted ``.py`` files importable by name inside the worker (``call_helper``).
        need_torch: import torch in the worker before the student file (default: unless forbidden).
        protect: the grader's files and folders the worker must not read or write (the reference, the
            tests, the output folder). Only the ``uid`` backend needs them (bwrap does not mount them):
            they, and the engine's own checkout, are sealed from "other" and checked as the session's
            uid before the worker starts (``backends.protect_from_uid``; raises if they stay reachable).
        deadline: ``time.monotonic()`` by which the whole submission must be done: each call gets
            ``min(its timeout, deadline - now)``, and none starts after it ("the submission used up
            its N s time budget", N = ``budget_s``, default: the time left when the session opens).
        """
        self._private: Path | None = None
        self._proc: subprocess.Popen | None = None
        self._cgroup = None
        self._scratch: Path | None = None
        self._watch: budget.MemoryWatch | None = None
        self.deadline = deadline
        self.budget_s = budget_s if budget_s is not None or deadline is None else max(0.0, deadline - time.monotonic())
        self.module_name = module_name
        self.module_file = f"{module_name}.py"
        self.source = Path(submission_file).read_bytes()
        self.limits = limits
        self.device = device
        self.forbidden = tuple(forbidden_imports)
        self.forbidden_reason = forbidden_reason
        self.need_torch = ("torch" not in self.forbidden) if need_torch is None else need_torch
        self.backend, reason = backends.choose(backend)
        self.sandbox = backends.get(self.backend)
        self.uid = backends.session_uid() if os.geteuid() == 0 else None
        self.info = SessionInfo(backend=self.backend, reason=reason)
        # e.g. uid: the worker's uid must traverse to its folders; others: the usual temporary folder
        self._tmp_base = self.sandbox.session_base()
        self.sealed = self.sandbox.protect(protect, self.uid)  # before any worker starts
        self.generation = 0
        self.restarts = 0
        self.import_status: CallResult | None = None
        self.last_import_status: CallResult | None = None
        self.worker_info: dict = {}
        self.output_tail = bytearray()
        self.output_total = 0
        self._next_id = 1
        self._req = self._rep = self._out = None
        self._plan = None
        self._baseline_procs = 0
        self._out_eof = False
        self._scratch_next = 0.0
        self._scratch_walk_s = 0.0
        self.grader_error = False
        """True when the worker could not even start (a grader/machine problem, not the student's)."""
        self._private = tempdirs.make("private", self._tmp_base)  # read-only to the worker
        try:  # from here on, whatever fails: the private folder (and any worker) goes with close()
            os.chmod(self._private, 0o711)
            helpers = self._private / "helpers"
            helpers.mkdir(mode=0o755)
            os.chmod(helpers, 0o755)
            for h in helper_files:
                shutil.copyfile(h, helpers / Path(h).name)
                os.chmod(helpers / Path(h).name, 0o644)
            backends.install_worker_files(self._private)
            backends.write_identity_files(self._private, self.uid if self.uid is not None else backends.USERNS_UID)
            self._start()
        except BaseException:
            self.close()
            raise
        self.import_status = self.last_import_status

    # -- public API --------------------------------------------------------------------------
    @property
    def warnings(self) -> list[str]:
        return self.info.warnings

    def call(self, name: str, *args, **kwargs) -> CallResult:
        """Call the student module's top-level ``name(*args, **kwargs)``."""
        return self._request({"op": "call", "kind": "module", "attr": name}, args, kwargs)

    def call_method(self, handle: Handle, method: str, *args, **kwargs) -> CallResult:
        """Call ``method`` of a worker-side object."""
        return self._request({"op": "call", "kind": "handle", "attr": method, "handle": handle}, args, kwargs)

    def call_helper(self, helper_module: str, name: str, *args, timeout_s: float | None = None,
                    **kwargs) -> CallResult:
        """Call trusted ``helper_module.name(student_module, *args, **kwargs)`` inside the worker.
        ``timeout_s`` overrides ``Limits.call_timeout_s`` for this call (e.g. a training budget)."""
        return self._request({"op": "call", "kind": "helper", "helper": helper_module, "attr": name}, args, kwargs,
                             timeout_s=timeout_s)

    def get(self, name: str, handle: Handle | None = None) -> CallResult:
        """Read an attribute (of the module, or of a worker-side object) without calling it."""
        if handle is None:
            return self._request({"op": "get", "kind": "module", "attr": name}, (), {})
        return self._request({"op": "get", "kind": "handle", "attr": name, "handle": handle}, (), {})

    def release(self, *handles: Handle) -> None:
        """Let the worker forget objects (they are freed with the worker anyway)."""
        ids = [h.id for h in handles if h.generation == self.generation]
        if ids and self._alive():
            try:
                self._send(wire.pack({"op": "release", "ids": ids}), time.monotonic() + 5)
            except OSError:
                pass

    def close(self) -> None:
        """Kill the worker and everything it started; remove its scratch and private dirs. Never
        raises for anything the submission left behind (``budget.remove_tree``)."""
        try:
            self._kill()
        finally:
            private, self._private = getattr(self, "_private", None), None
            budget.remove_tree(private, what="private folder")

    def __enter__(self) -> "WorkerSession":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __del__(self):
        try:
            self.close()
        except Exception:  # noqa: BLE001
            pass

    # -- lifecycle ----------------------------------------------------------------------------
    def _start(self) -> None:
        """Start a worker incarnation: fresh scratch copy, spawn, handshake, import the student file."""
        self.generation += 1
        if self.uid is not None and self.generation > 1:
            # a fresh uid per incarnation: the killed worker's orphans may linger as zombies (a
            # container's PID 1 need not reap them) and would count against RLIMIT_NPROC of the old one
            self.uid = backends.session_uid()
            backends.write_identity_files(self._private, self.uid)
        self._scratch = tempdirs.make("scratch", self._tmp_base)
        self._scratch_next, self._scratch_walk_s = 0.0, 0.0
        sub = self._scratch / self.module_file
        sub.write_bytes(self.source)
        plan = self.sandbox.plan(scratch=self._scratch, private=self._private, module_name=self.module_name,
                                 limits=self.limits, device=self.device, uid=self.uid,
                                 hidden_packages=self.forbidden)
        # the submission's own uid owns its scratch dir (nothing else on the machine is writable to it)
        if plan.uid is not None and plan.uid != os.geteuid():
            for p in (self._scratch, sub):
                os.chown(p, plan.uid, plan.uid)
        self._plan = plan
        warnings = list(plan.warnings)
        # pids + memory cgroups and the CPU quota of this incarnation (whichever the machine lets us create)
        self._cgroup = budget.WorkerCgroups.create(self.limits.max_processes + 4,
                                                   budget.cgroup_memory_bytes(self.limits), cpus=self.limits.cpus)
        no_pids = self._cgroup is None or self._cgroup.pids_dir is None
        if no_pids and (plan.uid in (0, None) or not plan.own_uid):
            warnings.append("no pids cgroup and no RLIMIT_NPROC for the worker's uid: fork bombs are "
                            "bounded only by the call timeout")
        self.info.uid = plan.uid
        self.info.warnings = list(dict.fromkeys(self.info.warnings + warnings))

        req_r, req_w = os.pipe()
        rep_r, rep_w = os.pipe()
        out_r, out_w = os.pipe()
        try:
            self._proc = subprocess.Popen(
                plan.argv + [str(req_r), str(rep_w)], stdin=subprocess.DEVNULL, stdout=out_w, stderr=out_w,
                pass_fds=(req_r, rep_w), cwd=plan.cwd, env=plan.env, start_new_session=True,
                preexec_fn=backends.preexec(self.limits, self.device, self._cgroup, plan.popen_user))
        finally:
            for fd in (req_r, rep_w, out_w):
                os.close(fd)
        self._req, self._rep, self._out = req_w, rep_r, out_r
        self._out_eof = False
        sweep_uid = plan.uid if plan.uid not in (None, 0) and plan.uid != os.geteuid() else None
        self._watch = budget.MemoryWatch(self._proc.pid, self.limits.memory_mb * 2**20, cgroup=self._cgroup,
                                         uid=sweep_uid)
        for fd in (self._req, self._rep, self._out):
            fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)

        init = {"op": "init", "module_name": self.module_name, "module_file": self.module_file,
                "module_path": plan.module_path, "sys_path": plan.sys_path, "forbidden_imports": list(self.forbidden),
                "forbidden_reason": self.forbidden_reason, "need_torch": self.need_torch,
                "device": self.device, "max_result_bytes": self.limits.max_result_bytes,
                "subreaper": plan.subreaper, "seccomp": plan.seccomp, "landlock": plan.landlock,
                "generation": self.generation}
        ready = self._exchange(wire.pack(init), self.limits.startup_timeout_s, phase="start")
        if ready.status == OK and plan.seccomp and not (isinstance(ready.value, dict) and ready.value.get("seccomp")):
            ready = CallResult(CRASH, error="the worker did not confirm its seccomp filter")  # fail closed
        if ready.status != OK:
            self.last_import_status = CallResult(
                CRASH, error=f"the sandbox worker failed to start ({ready.status}: {ready.error}); "
                             "this is a grader problem, not the submission's",
                output=ready.output, output_bytes=ready.output_bytes)
            self.grader_error = True
            self._kill()
            return
        self.grader_error = False
        self.worker_info = ready.value if isinstance(ready.value, dict) else {}
        ll = self.worker_info.get("landlock")
        if plan.landlock and not (isinstance(ll, str) and ll.startswith("ABI")):
            self.info.warnings = list(dict.fromkeys(self.info.warnings + [
                f"uid backend without Landlock ({str(ll)[:120]}): the submission can read every world-readable "
                "file of the machine; the grader's own files are sealed from it"]))
        rid = self._new_id()
        timeout, by_deadline = self._budgeted(self.limits.effective_import_timeout_s)
        res = self._exchange(wire.pack({"op": "import", "id": rid}), timeout, rid=rid, phase="import",
                             by_deadline=by_deadline)
        if res.status == OK:
            res.value = None
        elif res.status == TIMEOUT and not by_deadline:
            res.error = f"importing {self.module_file} took longer than {self.limits.effective_import_timeout_s:g} s"
        self.last_import_status = res
        if res.status in (TIMEOUT, CRASH):
            self._kill()
        elif self._cgroup is not None:  # bwrap's monitor + init + the worker, or the worker alone
            self._baseline_procs = len(self._cgroup.pids())

    def _restart_if_needed(self) -> CallResult | None:
        """None when the worker is ready for a call; else the CallResult every call gets now."""
        imp = self.import_status
        if imp is None or imp.status != OK:
            why = imp.error if imp is not None else "no worker"
            return CallResult(imp.status if imp is not None else CRASH,
                              error=f"{self.module_file} could not be imported: {why}")
        if self._alive():
            return None
        if self._budget_left() <= 0:
            return CallResult(TIMEOUT, error=f"not run: {self._budget_message()}")
        if self.restarts >= self.limits.max_restarts:
            return CallResult(CRASH, error=f"not run: the worker crashed or timed out {self.restarts} times")
        self.restarts += 1
        self._start()
        imp = self.last_import_status
        if imp.status != OK:
            return CallResult(imp.status, error=f"{self.module_file} could not be re-imported after a restart: "
                                                f"{imp.error}")
        return None

    # -- the submission's time budget ----------------------------------------------------------
    def _budget_left(self) -> float:
        return float("inf") if self.deadline is None else self.deadline - time.monotonic()

    def _budget_message(self) -> str:
        return f"the submission used up its {self.budget_s:g} s time budget"

    def _budgeted(self, timeout: float) -> tuple[float, bool]:
        """``(min(timeout, time left), whether the deadline is the tighter one)``."""
        left = self._budget_left()
        return (left, True) if left < timeout else (timeout, False)

    def _alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        if proc is not None:
            uid = self._plan.uid if (self._plan.uid not in (None, 0) and self._plan.uid != os.geteuid()) else None
            procs.kill_worker_tree(proc.pid, uid=uid, cgroup=self._cgroup)
            self.sandbox.cleanup(uid)  # e.g. uid: what it left in /tmp, /dev/shm, ...
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
            self._last_exit = proc.returncode
            for fd in (self._req, self._rep, self._out):
                try:
                    os.close(fd)
                except (OSError, TypeError):
                    pass
            self._req = self._rep = self._out = None
        if self._cgroup is not None:
            for _ in range(100):  # the kernel drops dead tasks from the cgroup asynchronously
                if not self._cgroup.pids():
                    break
                time.sleep(0.01)
            self._cgroup.remove()
            self._cgroup = None
        self._watch = None
        if self._scratch is not None:
            budget.remove_tree(self._scratch)
            self._scratch = None

    def _new_id(self) -> int:
        self._next_id += 1
        return self._next_id

    # -- one request -------------------------------------------------------------------------
    def _request(self, header: dict, args, kwargs, timeout_s: float | None = None) -> CallResult:
        blocked = self._restart_if_needed()
        if blocked is not None:
            return blocked
        h = header.get("handle")
        if h is not None:
            if not isinstance(h, Handle):
                raise TypeError(f"expected a Handle, got {type(h).__name__}")
            if h.generation != self.generation:
                return CallResult(CRASH, error=f"the {h.type_name} object was lost when the worker was "
                                               "restarted after an earlier crash or timeout")
            header = dict(header, handle={"$handle": h.id})
        blobs: list[bytes] = []
        stale: list[Handle] = []

        def on_other(obj):  # parent-side: only Handles may stand in for non-data
            if isinstance(obj, Handle):
                if obj.generation != self.generation:
                    stale.append(obj)
                return {"$handle": obj.id}
            raise TypeError(f"cannot send {type(obj).__module__}.{type(obj).__qualname__} to the worker: "
                            "only data (arrays, tensors, numbers, strings, lists/tuples/dicts) and Handles")
        # a grader bug (unsendable argument) raises here, in the parent, as a grader error should
        enc_args = wire.encode(list(args), blobs, on_other=on_other)
        enc_kwargs = wire.encode(dict(kwargs), blobs, on_other=on_other)
        if stale:
            return CallResult(CRASH, error=f"the {stale[0].type_name} object was lost when the worker was "
                                           "restarted after an earlier crash or timeout")
        rid = self._new_id()
        frame = wire.pack(dict(header, id=rid, args=enc_args, kwargs=enc_kwargs), blobs)
        if len(frame) > self.limits.max_result_bytes:
            raise ValueError(f"arguments of {len(frame)} bytes exceed Limits.max_result_bytes")
        timeout, by_deadline = self._budgeted(timeout_s or self.limits.call_timeout_s)
        if timeout <= 0:
            return CallResult(TIMEOUT, error=f"not run: {self._budget_message()}")
        return self._exchange(frame, timeout, rid=rid, phase="call", by_deadline=by_deadline)

    def _exchange(self, frame: bytes, timeout: float, *, rid: int = 0, phase: str,
                  by_deadline: bool = False) -> CallResult:
        """Send one frame, wait for its reply while draining the student's output. Never raises for
        anything the worker does; kills the worker on timeout/crash/garbage/over budget.
        ``by_deadline``: ``timeout`` is what was left of the submission's time budget."""
        t0 = time.monotonic()
        deadline = t0 + timeout
        out_start = self.output_total
        call_out = bytearray()
        ooms = self._cgroup.oom_kills() if self._cgroup is not None else 0
        try:
            status, value, error, tb, restart = self._roundtrip(frame, deadline, rid, call_out)
        except _Timeout:
            why = self._budget_message() if by_deadline else f"timed out after {timeout:g} s"
            status, value, error, tb, restart = TIMEOUT, None, why, "", True
        except _OverBudget as e:
            status, value, error, tb, restart = CRASH, None, str(e), "", True
        except _WorkerGone as e:
            status, value, error, tb, restart = CRASH, None, self._death_reason(str(e)), "", True
        except wire.WireError as e:
            status, value, error, tb, restart = (CRASH, None, f"the worker broke the protocol ({e}); did the "
                                                 "submission write to the grader's pipe?", "", True)
        duration = time.monotonic() - t0
        if not restart:
            try:
                self._check_scratch(force=True)
            except _OverBudget as e:
                status, value, error, tb, restart = CRASH, None, str(e), "", True
        self._drain(call_out, wait=0.0)
        note = ""
        if status == OK and self._cgroup is not None and self._cgroup.oom_kills() > ooms:
            note = (f"the kernel killed {self._cgroup.oom_kills() - ooms} of the submission's processes: together "
                    f"they exceeded {self.limits.memory_mb} MB of memory")
        if not restart and phase == "call" and self._cgroup is not None:
            # processes the call started and left running (a fork bomb that hit the limit, a
            # daemon) would starve the next calls: kill the worker; the next call gets a fresh one
            extra = len(self._cgroup.pids()) - self._baseline_procs
            if extra > 0:
                left = f"the call left {extra} process(es) running; the worker was restarted"
                note, restart = (f"{note}; {left}" if note else left), True
        if restart and self._proc is not None:
            self._kill()
        tail = bytes(call_out[-self.limits.output_tail_bytes:]).decode(errors="replace")
        return CallResult(status, value, error, tb, duration, tail, self.output_total - out_start, note)

    def _roundtrip(self, frame, deadline, rid, call_out):
        self._send(frame, deadline, call_out)
        buf = bytearray()
        need, hlen = wire.PREFIX_SIZE, None
        while True:
            while len(buf) >= need:
                if hlen is None:
                    hlen, blen = wire.parse_prefix(bytes(buf[:wire.PREFIX_SIZE]), self.limits.max_result_bytes + 2**20)
                    need = wire.PREFIX_SIZE + hlen + blen
                    continue
                header, blobs = wire.parse_body(bytes(buf[wire.PREFIX_SIZE:need]), hlen)
                if len(buf) > need:
                    raise wire.WireError("extra bytes after the reply")
                return self._decode_reply(header, blobs, rid)
            self._wait(deadline, call_out, want_write=False)
            try:
                chunk = os.read(self._rep, 1 << 20)
            except BlockingIOError:
                continue
            if not chunk:
                raise _WorkerGone("reply pipe closed")
            buf += chunk

    def _decode_reply(self, header, blobs, rid):
        if header.get("id") != rid:
            raise wire.WireError(f"reply to request {header.get('id')!r}, expected {rid}")
        status = header.get("status")
        if status not in (OK, "missing", ERROR, CRASH, BAD_RESULT):
            raise wire.WireError(f"unknown status {status!r}")
        error = str(header.get("error") or "")[:2000]
        tb = str(header.get("traceback") or "")[:3000]
        restart = bool(header.get("restart"))
        gen = self.generation
        try:
            value = wire.decode(header.get("value"), blobs, make_tensor=_tensor_value,
                                make_handle=lambda m: _handle(m, gen))
        except wire.WireError as e:
            return BAD_RESULT, None, f"the result could not be read back as data: {e}", tb, restart
        if status != OK:
            value = None
        return status, value, error, tb, restart

    def _send(self, frame: bytes, deadline: float, call_out: bytearray | None = None) -> None:
        view = memoryview(frame)
        while view:
            self._wait(deadline, call_out if call_out is not None else bytearray(), want_write=True)
            try:
                n = os.write(self._req, view)
            except BlockingIOError:
                continue
            except BrokenPipeError:
                raise _WorkerGone("request pipe closed") from None
            view = view[n:]

    def _wait(self, deadline, call_out, *, want_write):
        """Block until the request pipe is writable / the reply pipe readable, draining output and
        watching the submission's memory and scratch space (``_check_budgets``)."""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise _Timeout()
            self._check_budgets()
            rl = ([self._out] if not self._out_eof else []) + ([] if want_write else [self._rep])
            wl = [self._req] if want_write else []
            r, w, _ = select.select(rl, wl, [], min(left, 0.2))
            if self._out in r:
                self._drain(call_out, wait=0.0)
            if w or self._rep in r:
                return
            if not want_write and self._proc.poll() is not None and self._out not in r:
                # dead, and no reply bytes pending: select would have woken for EOF on the reply pipe
                r2, _, _ = select.select([self._rep], [], [], 0)
                if r2:
                    return
                raise _WorkerGone("worker exited")

    def _check_budgets(self) -> None:
        """Raise ``_OverBudget`` when the session's processes together hold more than
        ``Limits.memory_mb``, or (backends without a size-capped tmpfs) its scratch folder holds more
        than ``Limits.max_scratch_bytes``. Cheap: a few /proc reads every 0.2 s, a folder walk every 1 s."""
        if self._watch is not None:
            total = self._watch.over()
            if total:
                raise _OverBudget(self._memory_message(total))
        self._check_scratch()

    def _check_scratch(self, force: bool = False) -> None:
        """Non-bwrap backends: the scratch folder's total, at most every second while waiting, and
        after every reply (``force``) while a walk is cheap. A folder that is slow to walk (thousands
        of entries, a deep chain) is walked at most every 20x its walk time, so that the parent's
        check cannot eat the submission's time budget."""
        if self.sandbox.scratch_capped or self._scratch is None:
            return  # a size-capped tmpfs: writes past the cap fail with ENOSPC
        now = time.monotonic()
        cheap = self._scratch_walk_s < 0.02
        if now < self._scratch_next and not (force and cheap):
            return
        used, entries = budget.scratch_usage(self._scratch, self.limits.max_scratch_entries)
        self._scratch_walk_s = time.monotonic() - now
        self._scratch_next = now + max(1.0, 20 * self._scratch_walk_s)
        if used > self.limits.max_scratch_bytes or entries > self.limits.max_scratch_entries:
            raise _OverBudget(f"the submission's scratch files exceeded {self.limits.max_scratch_bytes / 2**20:g} MB "
                              f"(or {self.limits.max_scratch_entries} files)")

    def _memory_message(self, total: int | None = None) -> str:
        got = f" ({total / 2**20:.0f} MB)" if total else ""
        return (f"memory limit exceeded: the submission's processes together exceeded "
                f"{self.limits.memory_mb} MB{got}")

    def _drain(self, call_out: bytearray, wait: float) -> None:
        """Read whatever the student printed; keep capped tails (total and this call)."""
        if self._out is None:
            return
        cap, tail = self.limits.max_output_bytes, self.limits.output_tail_bytes
        for _ in range(64):  # bounded: at most 64 MB per drain
            try:
                chunk = os.read(self._out, 1 << 20)
            except (BlockingIOError, OSError):
                return
            if not chunk:  # the worker closed stdout/stderr: stop polling it (no busy loop)
                self._out_eof = True
                return
            self.output_total += len(chunk)
            self.output_tail += chunk
            if len(self.output_tail) > cap:
                del self.output_tail[:-cap]
            call_out += chunk
            if len(call_out) > tail:
                del call_out[:-tail]

    def _death_reason(self, what: str) -> str:
        proc = self._proc
        code = None
        if proc is not None:
            try:
                code = proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                code = None
        oom = code is not None and self._cgroup is not None and self._cgroup.oom_killed()
        return self.sandbox.death_reason(code, what=what, oom_killed=oom, memory_message=self._memory_message())


class _Timeout(Exception):
    pass


class _WorkerGone(Exception):
    pass


class _OverBudget(Exception):
    """The submission's processes together passed a per-submission budget (memory, scratch)."""


def _tensor_value(arr, meta) -> TensorValue:
    def s(key, n=64):
        v = meta.get(key)
        return v[:n] if type(v) is str else None
    return TensorValue(array=arr, dtype=f"torch.{s('dtype') or '?'}", device=s("device") or "?",
                       requires_grad=meta.get("requires_grad") is True, grad_fn=s("grad_fn", 100),
                       type_name=s("type", 100) or "torch.Tensor")


def _handle(meta, generation: int) -> Handle:
    hid, name = meta.get("$handle"), meta.get("type")
    if type(hid) is not int or type(name) is not str:
        raise wire.WireError("malformed handle")
    return Handle(hid, name[:200], generation)
