"""A deliberately hostile "submission" that `doctor` runs in each sandbox backend.

Each function tries one thing a malicious student file might try and reports what happened as
plain data; the doctor (the trusted parent) decides whether the guarantee held. Nothing here is
graded; it is never shipped to students.
"""
import os
import socket
import sys
import time


def whoami():
    """uid/gid inside, and the user-namespace map (``"0 0 4294967295"`` = the host's own uids)."""
    try:
        uid_map = open("/proc/self/uid_map").read().split()
    except OSError:
        uid_map = []
    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": list(os.getgroups()),
            "uid_map": " ".join(uid_map), "pid": os.getpid(), "ppid": os.getppid()}


def try_read(path):
    try:
        with open(path, "rb") as f:
            return f"read {len(f.read())} bytes"
    except OSError as e:
        return f"denied: {type(e).__name__}"


def try_list(path):
    try:
        return f"listed {len(os.listdir(path))} entries"
    except OSError as e:
        return f"denied: {type(e).__name__}"


def try_write(directory):
    try:
        with open(os.path.join(directory, "pwned.json"), "w") as f:
            f.write('{"score": 100}')
        return "wrote"
    except OSError as e:
        return f"denied: {type(e).__name__}"


def try_connect(host, port):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    except OSError as e:  # the uid backend's seccomp filter denies socket() itself
        return f"denied: socket(): {type(e).__name__}"
    s.settimeout(2)
    try:
        rc = s.connect_ex((host, port))
    except OSError as e:
        return f"denied: {type(e).__name__}"
    finally:
        s.close()
    return "connected" if rc == 0 else f"denied: errno {rc}"


def try_kill(pid, sig=15):
    try:
        os.kill(pid, sig)
        return "signalled"
    except OSError as e:
        return f"denied: {type(e).__name__}"


def try_signal_parent():
    """Signal 0 only checks permission: harmless even when it succeeds."""
    return try_kill(os.getppid(), 0)


def spin():
    while True:
        pass


def hog(mb):
    chunks = []
    for _ in range(mb):
        chunks.append(bytearray(2**20))
    return len(chunks)


def fork_bomb(limit=100000):
    n = 0
    for _ in range(limit):
        try:
            pid = os.fork()
        except OSError as e:
            return f"fork failed after {n} ({type(e).__name__})"
        if pid == 0:
            time.sleep(60)
            os._exit(0)
        n += 1
    return f"forked {n}"


def detach(token):
    """Double fork + setsid: a grandchild re-parented away from the worker, running `sleep TOKEN`."""
    pid = os.fork()
    if pid == 0:
        os.setsid()
        if os.fork() == 0:
            try:
                os.execv("/usr/bin/sleep", ["sleep", token])
            finally:
                os._exit(1)
        os._exit(0)
    os.waitpid(pid, 0)
    return "detached"


def exit_now(code=0):
    sys.exit(code)


def hog_children(n, mb, wait_s=4.0):
    """Spread memory over ``n`` child processes of ``mb`` MB each (every one under the per-process
    cap, all together over the submission's budget); the children then sleep."""
    kids = []
    for _ in range(n):
        pid = os.fork()
        if pid == 0:
            try:
                hoard = b"x" * (mb * 2**20)  # touched: really resident
                time.sleep(60 + 0 * len(hoard))
            finally:
                os._exit(0)
        kids.append(pid)
    time.sleep(wait_s)
    return f"{n} children of {mb} MB survived"


def fill_scratch(mb, chunk_mb=8):
    """Write files of ``chunk_mb`` MB into the working folder until ``mb`` MB or an error."""
    written = 0
    block = b"x" * 2**20
    try:
        while written < mb:
            with open(f"fill{written}.bin", "wb") as f:
                for _ in range(chunk_mb):
                    f.write(block)
                    written += 1
    except OSError as e:
        return f"stopped after {written} MB: {type(e).__name__} errno {e.errno}"
    return f"wrote {written} MB"


def import_hidden(name, paths):
    """Import a forbidden package the hard way: the worker's import hook removed from sys.meta_path,
    every package folder the host has added to sys.path."""
    import importlib

    sys.meta_path[:] = [f for f in sys.meta_path if "Forbidden" not in type(f).__name__]
    for p in paths:
        if p not in sys.path:
            sys.path.append(p)
    for mod in [m for m in sys.modules if m == name or m.startswith(name + ".")]:
        del sys.modules[mod]
    importlib.invalidate_caches()
    try:
        module = importlib.import_module(name)
    except BaseException as e:  # noqa: BLE001
        return f"denied: {type(e).__name__}: {str(e)[:120]}"
    return f"imported from {getattr(module, '__file__', None) or list(getattr(module, '__path__', []))}"
