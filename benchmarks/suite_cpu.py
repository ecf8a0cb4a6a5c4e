"""Where the test suite's CPU goes: the machine's busy CPU time over a pytest run, and each test's.

``time pytest`` undercounts: it sees only the CPU of processes that were waited for, and the suite's
grading processes are children of multiprocessing fork servers that are never waited for (they exit
after their xdist worker). This script reads instead:

* the machine's busy CPU time (``/proc/stat``) from start to end of the run: the whole suite's, on an
  otherwise idle machine;
* per test, where the cgroup v1 ``cpuacct`` controller is writable (root): each xdist worker joins a
  cgroup of its own before any test runs, and every process it starts stays in it (fork servers,
  grading processes, sandboxes), so the cgroup's usage before and after a test is that test's CPU.

Usage (from the repository root; any pytest arguments, the default is the README's command)::

    python benchmarks/suite_cpu.py [-n 2 ...]

It prints the totals and the 30 tests that took the most CPU, and writes every test's figures
(node id, CPU s, wall s, worker) to ``suite_cpu.jsonl`` in the current folder.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CPUACCT = Path("/sys/fs/cgroup/cpuacct")


def busy_and_total() -> tuple[float, float]:
    """Busy and total CPU seconds of the machine since boot (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:9]]
    ticks = os.sysconf("SC_CLK_TCK")
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields) - idle) / ticks, sum(fields) / ticks


# -- the pytest plugin (loaded in the run with ``-p suite_cpu``) ----------------------------------------
_STATE: dict = {}


def pytest_configure(config):
    log = os.environ.get("SUITE_CPU_LOG")
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if not log or (worker == "main" and config.pluginmanager.hasplugin("dsession")):
        return  # the xdist controller runs no test
    group = CPUACCT / f"suite-cpu-{os.getppid()}" / worker
    try:
        group.mkdir(parents=True, exist_ok=True)
        (group / "cgroup.procs").write_text(str(os.getpid()))
    except OSError:
        return  # no writable cpuacct controller: totals only
    _STATE.update(group=group, log=log, worker=worker)


def _usage() -> float:
    return int((_STATE["group"] / "cpuacct.usage").read_text()) / 1e9


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    if "group" not in _STATE:
        return None
    cpu, wall = _usage(), time.monotonic()
    _STATE.setdefault("pending", {})[item.nodeid] = (cpu, wall)
    return None


def pytest_runtest_logfinish(nodeid, location):
    start = _STATE.get("pending", {}).pop(nodeid, None)
    if start is None:
        return
    with open(_STATE["log"], "a") as f:
        f.write(json.dumps([nodeid, round(_usage() - start[0], 2), round(time.monotonic() - start[1], 2),
                            _STATE["worker"]]) + "\n")


# -- the runner -----------------------------------------------------------------------------------------
def main(args: list[str]) -> int:
    log = Path("suite_cpu.jsonl").resolve()
    log.unlink(missing_ok=True)
    env = {**os.environ, "SUITE_CPU_LOG": str(log),
           "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
    busy0, total0 = busy_and_total()
    start = time.monotonic()
    rc = subprocess.call([sys.executable, "-m", "pytest", "-p", "suite_cpu", *(args or ["-n", "2"])], env=env)
    wall = time.monotonic() - start
    busy1, total1 = busy_and_total()
    for group in CPUACCT.glob("suite-cpu-*"):  # the workers' groups, empty now
        for sub in group.iterdir():
            if sub.is_dir():
                sub.rmdir()
        group.rmdir()
    busy, cores = busy1 - busy0, (total1 - total0) / wall
    print(f"\nsuite: wall {wall / 60:.1f} min; the machine's busy CPU {busy / 60:.1f} min over {cores:.0f} cores "
          f"({busy / (total1 - total0):.0%} busy)")
    rows = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    if rows:
        print(f"per test (cpuacct cgroups): {len(rows)} tests, {sum(r[1] for r in rows) / 60:.1f} CPU min; "
              "the 30 that took the most:")
        for node, cpu, t, _ in sorted(rows, key=lambda r: -r[1])[:30]:
            print(f"{cpu:8.1f} s CPU {t:8.1f} s wall  {node}")
    else:
        print("per test: not measured (needs a writable cgroup v1 cpuacct controller, e.g. as root)")
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
