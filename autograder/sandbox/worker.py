"""The UNTRUSTED side: imports the student's file and answers "call f(args)" with data.

Everything in this process is assumed hostile once the student module has been imported: the
student's code can read this process's memory, replace any function here, and write anything to the
reply pipe. So nothing this process says is trusted by the parent beyond "it is data": replies are
parsed with caps and without pickle (``wire.py``), and a malformed reply is a crash of that call.

What this process can see depends on the backend (see ``backends.py``):

* ``bwrap``: its scratch dir (``/scratch``, the submission copy, writable), read-only system dirs and
  the Python install, ``/sandbox`` (this file, ``wire.py``, trusted helpers), a private ``/tmp``.
  No network, own PID namespace (it cannot see or signal the grader), an unprivileged uid.
* ``uid``: the machine as a uid of its own (no groups): only world-readable files, its scratch dir
  (the grader's files are sealed from "other" by the parent), and a seccomp filter that this process
  loads before the student's module is imported (``load_seccomp``): no sockets, no ptrace, no exec.
  If the filter cannot be loaded the worker refuses to start (the parent reports a grader error).
* ``process``: the whole machine as the uid it runs as (UNSAFE; ``session.warnings`` says so).

Runs with ``python -s -B worker.py REQ_FD REP_FD``; stdlib + numpy (+ torch when the session asks)
only. fds: 0 = /dev/null, 1 and 2 = one pipe the parent drains (the student's prints), REQ_FD =
requests from the parent, REP_FD = replies to the parent.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # for ``wire`` (-s: no user site)
import numpy as np  # noqa: E402  (imported before the student's code: its monkeypatches stay here)
import wire  # noqa: E402

PR_SET_CHILD_SUBREAPER = 36


class Worker:
    def __init__(self, req_fd: int, rep_fd: int):
        self.req_fd, self.rep_fd = req_fd, rep_fd
        self.handles: dict[int, object] = {}
        self.next_handle = 1
        self.module = None
        self.helpers: dict[str, object] = {}
        self.cfg: dict = {}
        self.torch = None
        self.real_stdout, self.real_stderr = sys.stdout, sys.stderr

    # -- protocol ---------------------------------------------------------------------------
    def reply(self, rid, status, value=None, error="", tb="", restart=False):
        blobs: list[bytes] = []
        try:
            enc = wire.encode(value, blobs, on_other=self._to_handle)
        except Exception as e:  # noqa: BLE001
            status, error, enc, blobs = "bad_result", f"result is not data: {wire.format_exception(e)}", None, []
        size = sum(len(b) for b in blobs)
        cap = self.cfg.get("max_result_bytes", 64 * 2**20) - 65536
        if size > cap:
            status, error, enc, blobs = ("bad_result", f"result too big: {size / 2**20:.1f} MB of arrays, "
                                         f"limit {cap / 2**20:.1f} MB", None, [])
        header = {"id": rid, "status": status, "value": enc, "error": error, "traceback": tb,
                  "restart": restart}
        frame = wire.pack(header, blobs)
        if len(frame) > cap + 65536:  # a huge JSON structure (e.g. a list of 10^7 floats)
            frame = wire.pack({"id": rid, "status": "bad_result", "value": None, "traceback": "",
                               "error": f"result too big: {len(frame) / 2**20:.1f} MB", "restart": False})
        wire.write_all_blocking(self.rep_fd, frame)

    def _to_handle(self, obj):
        hid = self.next_handle
        self.next_handle += 1
        self.handles[hid] = obj
        return {"$handle": hid, "type": wire.type_name(obj), "gen": self.cfg.get("generation", 0)}

    def _make_tensor(self, arr, meta):
        torch = self.torch or self._import_torch()
        t = torch.from_numpy(arr.copy())
        dtype = getattr(torch, str(meta.get("dtype")), None)
        if isinstance(dtype, torch.dtype) and t.dtype != dtype:
            t = t.to(dtype)
        t = t.to(self.cfg.get("device", "cpu"))
        if meta.get("requires_grad"):
            t.requires_grad_(True)
        return t

    def _make_handle(self, meta):
        hid = meta.get("$handle")
        if hid not in self.handles:
            raise wire.WireError(f"unknown handle #{hid}")
        return self.handles[hid]

    def _import_torch(self):
        import torch
        torch.set_num_threads(1)
        try:
            torch.set_num_interop_threads(1)
        except RuntimeError:
            pass
        self.torch = torch
        return torch

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self):
        frame = wire.read_frame_blocking(self.req_fd, 2**20)
        if frame is None:
            os._exit(0)
        self.cfg = frame[0]
        if self.cfg.get("subreaper"):
            # Orphans of the student's processes re-parent to THIS process, so the parent finds
            # them by walking the process tree. (Student code can undo this: a cgroup or the uid
            # sweep is the backstop, see backends.py.)
            try:
                import ctypes
                ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
            except Exception:  # noqa: BLE001
                pass
        if self.cfg.get("need_torch"):
            self._import_torch()
        for p in reversed(self.cfg.get("sys_path", [])):
            sys.path.insert(0, p)
        seccomp = landlock = None
        if self.cfg.get("landlock"):  # best effort (kernel >= 5.13): the parent warns when unavailable
            try:
                landlock = load_landlock(**self.cfg["landlock"])
            except OSError as e:
                landlock = f"unavailable: {e}"
        if self.cfg.get("seccomp"):  # fail closed: no filter, no worker (the parent's grader error)
            try:
                seccomp = load_seccomp(deny_exec=True)
            except BaseException as e:  # noqa: BLE001
                self.reply(0, "crash", error=f"the seccomp filter could not be loaded: {wire.format_exception(e)}")
                os._exit(4)
        info = {"seccomp": seccomp, "landlock": landlock, "pid": os.getpid(), "uid": os.getuid(), "gid": os.getgid(),
                "python": sys.version.split()[0], "numpy": np.__version__,
                "torch": getattr(self.torch, "__version__", None)}
        self.reply(0, "ok", info)
        forbidden = tuple(self.cfg.get("forbidden_imports", ()))
        if forbidden:
            sys.meta_path.insert(0, ForbiddenImports(forbidden, self.cfg["module_file"],
                                                     self.cfg.get("forbidden_reason", "")))

    def import_student(self):
        import importlib.util

        name, path = self.cfg["module_name"], self.cfg["module_path"]
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module  # helpers may ``import cnn_numpy``
        try:
            spec.loader.exec_module(module)
        except BaseException:
            sys.modules.pop(name, None)
            raise
        self.module = module

    def loop(self):
        while True:
            try:
                frame = wire.read_frame_blocking(self.req_fd, self.cfg.get("max_result_bytes", 64 * 2**20))
            except wire.WireError:
                os._exit(3)
            if frame is None:
                os._exit(0)
            header, blobs = frame
            rid = header.get("id")
            op = header.get("op")
            if op == "release":
                for hid in header.get("ids", []):
                    self.handles.pop(hid, None)
                continue
            self.run_op(rid, op, header, blobs)

    def run_op(self, rid, op, header, blobs):
        try:
            if op == "import":
                fn, args, kwargs = self.import_student, [], {}
            else:
                found, fn = self.resolve(header)
                if not found:
                    return
                args = wire.decode(header.get("args", []), blobs, make_tensor=self._make_tensor,
                                   make_handle=self._make_handle)
                kwargs = wire.decode(header.get("kwargs", {"$dict": []}), blobs,
                                     make_tensor=self._make_tensor, make_handle=self._make_handle)
        except wire.WireError as e:
            self.reply(rid, "crash", error=f"bad request: {e}")
            return
        if op == "get":
            self.reply(rid, "ok", fn)
            return
        status, value, error, tb, restart = "ok", None, "", "", False
        try:
            value = fn(*args, **kwargs)
        except SystemExit as e:
            status, error = "crash", f"the submission called sys.exit({e.code!r})"
            restart = op == "import"
        except MemoryError as e:
            status, error, restart = "crash", f"memory limit exceeded ({wire.format_exception(e, 200)})", True
        except KeyboardInterrupt:
            status, error = "crash", "KeyboardInterrupt raised"
        except BaseException as e:  # noqa: BLE001 - the student's exception IS the answer
            status, error, tb = "error", wire.format_exception(e), self.student_traceback(e)
        finally:
            self.restore_stdio()
        if op == "import":
            value = None
        self.reply(rid, status, value, error, tb, restart)

    def resolve(self, header):
        """``(True, the callable or attribute a request names)``, or ``(False, None)`` after replying."""
        rid, kind, attr = header.get("id"), header.get("kind"), header.get("attr")
        if kind == "module":
            target, where = self.module, self.cfg["module_file"]
        elif kind == "handle":
            target = self._make_handle(header.get("handle", {}))
            where = f"the {wire.type_name(target)} object"
        elif kind == "helper":
            mod = header.get("helper")
            if mod not in self.helpers:
                import importlib
                self.helpers[mod] = importlib.import_module(mod)
            target, where = self.helpers[mod], f"helper module {mod}"
        else:
            raise wire.WireError(f"unknown call kind {kind!r}")
        if self.module is None:
            self.reply(rid, "crash", error=f"{self.cfg['module_file']} is not imported")
            return False, None
        try:
            obj = getattr(target, attr)
        except AttributeError:
            self.reply(rid, "missing", error=f"'{attr}' is not defined in {where}")
            return False, None
        except BaseException as e:  # noqa: BLE001 - a hostile __getattr__
            self.reply(rid, "error", error=wire.format_exception(e))
            return False, None
        if header.get("op") == "get":
            return True, obj
        if not callable(obj):
            self.reply(rid, "missing", error=f"'{attr}' in {where} is not callable "
                                             f"(it is a {wire.type_name(obj)})")
            return False, None
        if kind == "helper":  # trusted helper: first argument is the student module
            return True, lambda *a, **k: obj(self.module, *a, **k)
        return True, obj

    def student_traceback(self, exc, limit=1500):
        import traceback

        path = self.cfg.get("module_path", "")
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        text = "".join(f'  File "{self.cfg["module_file"]}", line {f.lineno}, in {f.name}\n'
                       f"    {f.line or ''}\n" for f in frames[-8:])
        if isinstance(exc, SyntaxError) and exc.lineno:
            text += f'  File "{self.cfg["module_file"]}", line {exc.lineno}\n    {(exc.text or "").rstrip()}\n'
        return text[-limit:]

    def restore_stdio(self):
        """Put back the real stdout/stderr (the student may have replaced them) and flush, so the
        call's prints reach the parent before the reply does."""
        for name, real in (("stdout", self.real_stdout), ("stderr", self.real_stderr)):
            cur = getattr(sys, name)
            if cur is not real:
                try:
                    cur.flush()
                except BaseException:  # noqa: BLE001
                    pass
                setattr(sys, name, real)
            try:
                real.flush()
            except BaseException:  # noqa: BLE001
                pass


#: clone() flags that create namespaces (``linux/sched.h``)
CLONE_NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000,
                         0x40000000, 0x00000080)  # NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER, NEWPID, NEWNET, NEWTIME
#: syscalls no submission needs that reach other processes or the kernel's wider attack surface
DENIED_SYSCALLS = ("ptrace", "process_vm_readv", "process_vm_writev",  # read/write another process
                   "io_uring_setup", "io_uring_enter", "io_uring_register",  # io_uring bypasses seccomp
                   "bpf", "perf_event_open", "userfaultfd", "keyctl", "add_key", "request_key",
                   "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_by_handle_at",
                   "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module",
                   "acct", "swapon", "swapoff", "reboot", "syslog", "quotactl", "lookup_dcookie")


def load_seccomp(deny_exec: bool) -> str:
    """Load this process's seccomp filter (``uid`` backend; inherited by every child, irrevocable).

    Denied: ``socket`` of every address family (EACCES: no network, no Unix socket of the host;
    ``socketpair`` stays allowed: it reaches nothing outside), ``DENIED_SYSCALLS`` (EPERM), ``clone``
    with a namespace flag (EPERM), ``clone3`` (ENOSYS: its flags are behind a pointer seccomp cannot
    read, and glibc falls back to ``clone``), and with ``deny_exec`` ``execve``/``execveat`` (EACCES:
    numpy and torch are imported by then). Syscalls of another ABI (i386's ``socketcall``, x32) kill
    the process (libseccomp's default for a foreign architecture). Sets ``no_new_privs``.
    Raises on any failure: the caller must not run student code without the filter."""
    import errno

    import pyseccomp as sc

    arch = sc.system_arch()
    f = sc.SyscallFilter(sc.ALLOW)
    f.add_rule(sc.ERRNO(errno.EACCES), "socket")
    denied = ["socket"]
    for name in DENIED_SYSCALLS:
        try:
            known = sc.resolve_syscall(arch, name) >= 0
        except Exception:  # noqa: BLE001 - a name this libseccomp does not know
            known = False
        if known:
            f.add_rule(sc.ERRNO(errno.EPERM), name)
            denied.append(name)
    for flag in CLONE_NAMESPACE_FLAGS:
        f.add_rule(sc.ERRNO(errno.EPERM), "clone", sc.Arg(0, sc.MASKED_EQ, flag, flag))
    f.add_rule(sc.ERRNO(errno.ENOSYS), "clone3")
    denied += ["clone(namespaces)", "clone3"]
    if deny_exec:
        for name in ("execve", "execveat"):
            f.add_rule(sc.ERRNO(errno.EACCES), name)
        denied += ["execve", "execveat"]
    f.load()
    return f"{len(denied)} syscalls denied ({', '.join(denied[:3])}, ...)"


LANDLOCK_CREATE_RULESET, LANDLOCK_ADD_RULE, LANDLOCK_RESTRICT_SELF = 444, 445, 446  # same on every arch
#: filesystem rights per Landlock ABI version (``linux/landlock.h``): v1 13 rights, v2 REFER, v3 TRUNCATE,
#: v5 IOCTL_DEV
LANDLOCK_RIGHTS = {1: (1 << 13) - 1, 2: (1 << 14) - 1, 3: (1 << 15) - 1, 4: (1 << 15) - 1, 5: (1 << 16) - 1}
LL_EXECUTE, LL_WRITE_FILE, LL_READ_FILE, LL_READ_DIR = 1, 2, 4, 8


def load_landlock(read: list, write: list, devices: list = (), gpu: list = ()) -> str:
    """Restrict this process (and its children, irrevocably) with Landlock: files can be read only
    beneath ``read``, written/created only beneath ``write``, and the existing files beneath
    ``devices`` (``/dev``: null, urandom...) read and written, nothing created; ``gpu`` (the NVIDIA device
    nodes of a CUDA run) also take ioctls (ABI v5 handles device ioctls; CUDA's driver needs them); everything else of the filesystem
    is denied, whatever its mode bits (the uid backend's second wall, after the parent's sealing).
    Raises OSError when the kernel has no Landlock (the caller reports it; it is not fatal)."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    libc.syscall.restype = ctypes.c_long
    abi = libc.syscall(LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(1))
    if abi < 1:
        err = ctypes.get_errno()
        raise OSError(err, f"Landlock is not available in this kernel ({os.strerror(err)})")
    handled = LANDLOCK_RIGHTS[min(abi, 5)]
    attr = ctypes.c_uint64(handled)  # struct landlock_ruleset_attr, v1 prefix: handled_access_fs
    fd = libc.syscall(LANDLOCK_CREATE_RULESET, ctypes.byref(attr), ctypes.c_size_t(8), ctypes.c_uint32(0))
    if fd < 0:
        raise OSError(ctypes.get_errno(), "landlock_create_ruleset failed")

    class PathBeneath(ctypes.Structure):
        _pack_ = 1
        _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]

    file_rights = LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | (handled & (1 << 14)) | (handled & (1 << 15))
    added = 0
    try:
        for paths, rights in ((read, LL_EXECUTE | LL_READ_FILE | LL_READ_DIR), (write, handled),
                              (devices, LL_READ_FILE | LL_READ_DIR | LL_WRITE_FILE),
                              (gpu, LL_READ_FILE | LL_READ_DIR | LL_WRITE_FILE | (handled & (1 << 15)))):
            for p in paths:
                try:
                    pfd = os.open(p, os.O_PATH | os.O_CLOEXEC)
                except OSError:
                    continue  # absent here (e.g. /lib32)
                try:
                    r = rights if os.path.isdir(p) else rights & file_rights
                    rule = PathBeneath(r, pfd)
                    if libc.syscall(LANDLOCK_ADD_RULE, fd, 1, ctypes.byref(rule), 0) != 0:
                        raise OSError(ctypes.get_errno(), f"landlock_add_rule({p}) failed")
                    added += 1
                finally:
                    os.close(pfd)
        if libc.prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
            raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS failed")
        if libc.syscall(LANDLOCK_RESTRICT_SELF, fd, 0) != 0:
            raise OSError(ctypes.get_errno(), "landlock_restrict_self failed")
    finally:
        os.close(fd)
    return f"ABI v{abi}: reads limited to {len(read)} system/Python paths, writes to {len(write)} ({added} rules)"


def selftest() -> None:
    """``worker.py --selftest``: what ``backends.uid_status`` runs as a fresh uid: does numpy import
    and does the seccomp filter load and deny what it should? Prints one JSON line."""
    import json
    import subprocess

    out = {"numpy": np.__version__}
    try:
        out["seccomp"] = load_seccomp(deny_exec=True)
    except BaseException as e:  # noqa: BLE001
        out["seccomp_error"] = wire.format_exception(e)
        print(json.dumps(out))
        return
    import socket

    for name, attempt in (("socket", lambda: socket.socket(socket.AF_INET, socket.SOCK_STREAM)),
                          ("socket6", lambda: socket.socket(socket.AF_INET6, socket.SOCK_STREAM)),
                          ("exec", lambda: subprocess.run(["/bin/true"], check=False))):
        try:
            attempt()
            out[name] = "allowed"
        except OSError as e:
            out[name] = f"denied: {type(e).__name__}"
    print(json.dumps(out))


class ForbiddenImports:
    """A meta-path finder that makes ``import torch`` fail with a message for the student.

    A course policy, not a security boundary: the student's code can remove it from sys.meta_path.
    """

    def __init__(self, names, module_file, reason):
        self.names, self.module_file, self.reason = set(names), module_file, reason

    def find_spec(self, fullname, path=None, target=None):
        top = fullname.partition(".")[0]
        if top in self.names:
            allowed = f": {self.reason}" if self.reason else ""
            raise ImportError(f"{self.module_file} imports {top}, which this assignment does not allow"
                              f"{allowed} (not allowed: {', '.join(sorted(self.names))})", name=top)
        return None


def main():
    if sys.argv[1:] == ["--selftest"]:
        selftest()
        return
    req_fd, rep_fd = int(sys.argv[1]), int(sys.argv[2])
    for fd in (req_fd, rep_fd):  # not inherited across exec; os.fork children still share them
        os.set_inheritable(fd, False)
    sys.stdout.reconfigure(line_buffering=True)  # prints before a crash still reach the parent
    w = Worker(req_fd, rep_fd)
    w.start()
    w.loop()


if __name__ == "__main__":
    main()
