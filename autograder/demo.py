"""``demo``: what the README's first command runs, on bundled data.

1. checks that ``starter_code/`` is up to date and releases every assignment into
   ``demo-out/dist/`` (student bundle, otter and Gradescope zips);
2. builds a class of sample submissions in ``demo-out/submissions/`` for the first assignment whose
   assignment.toml has a ``[demo]`` table: a correct one (the reference), the starter stubs, the
   realistic bugs (mutants) that table names, and the hand-written broken and hostile ones of
   ``examples/submissions/``;
3. grades them with the sandboxed engine into ``demo-out/grades/``, printing the gradebook and the
   path of the report.

Safe everywhere: it writes only under ``demo-out/`` (never a tracked file), and the hostile sample runs
only under a real sandbox (``bwrap`` or ``uid``). Where neither works, the demo grades the course's
own samples (trusted code) with the ``process`` backend, leaves the hostile one out and says why and
how to enable the sandbox.
"""
from __future__ import annotations

import shutil
import sys

from autograder.core.assignment import REPO_ROOT, load_assignment

#: Samples that attack the grader: graded only inside a real sandbox.
HOSTILE_SAMPLES = ("mallory_hostile.py",)


def _sandbox() -> tuple[str, str | None]:
    """``(backend, why_not)``: ``("auto", None)`` when a real sandbox works here, else
    ``("process", the reason auto refused, naming the fix)``."""
    from autograder.sandbox import backends

    try:
        backends.choose("auto")
    except ValueError as exc:
        return "process", str(exc)
    return "auto", None


def main(*, assignments: tuple[str, ...] = (), out: str = "demo-out", jobs: int = 2) -> int:
    """Release the assignments into ``<out>/dist`` and grade a class of sample submissions into
    ``<out>/grades``. Returns 0 when the demo ran, 1 on grader errors or a stale starter_code/."""
    from autograder.grade.batch import main as grade
    from autograder.release import main as release
    from autograder.verify.mutants import load_mutants

    base = REPO_ROOT / out
    shutil.rmtree(base, ignore_errors=True)
    names = assignments or tuple(sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml")))
    stale = []
    for name in names:
        if release(name, check=True).stale:  # release would rewrite tracked files: leave them alone
            stale.append(name)
            print(f"starter_code/{name} is stale: run `python -m autograder release {name}` and commit; "
                  "not released by the demo", file=sys.stderr)
            continue
        r = release(name, dist=base / "dist" / name, starter=base / "starter_code" / name)
        print(f"released {name}: " + ", ".join(p.relative_to(REPO_ROOT).as_posix() for p in r.outputs
                                                if p.is_relative_to(REPO_ROOT)))
    demos = [a for a in (load_assignment(n) for n in sorted(names)) if a.demo.mutant_students]
    if not demos:
        print(f"no [demo] table in the assignment.toml of {', '.join(names)}: nothing to grade", file=sys.stderr)
        return 1
    a = demos[0]
    subs = base / "submissions"
    subs.mkdir(parents=True)
    reference = a.solution_file.read_text()
    (subs / "ada.py").write_text(reference)
    shutil.copy(a.starter_dir / a.student_file, subs / "bob.py")
    mutants = {m.name: m for m in load_mutants(a.mutants_dir)}
    for student, mutant in a.demo.mutant_students.items():
        (subs / f"{student}.py").write_text(mutants[mutant].apply(reference))
    sandbox, why_not = _sandbox()
    left_out = []
    for example in sorted((REPO_ROOT / "examples" / "submissions").glob("*.py")):
        if why_not and example.name in HOSTILE_SAMPLES:
            left_out.append(example.name)
            continue
        shutil.copy(example, subs / example.name)
    if why_not:
        print(f"NO SANDBOX on this machine: {why_not}", file=sys.stderr)
        print(f"The hostile sample ({', '.join(left_out)}) was LEFT OUT: without a sandbox it would run with "
              "your permissions. The other samples are the course's own code (trusted) and are graded with "
              "--sandbox process. Fix the sandbox as said above, then run the demo again; "
              "`python -m autograder doctor` shows what holds.", file=sys.stderr)
    kind = "sandboxed" if why_not is None else "trusted samples, NOT sandboxed"
    print(f"grading {len(list(subs.iterdir()))} sample submissions of {a.name} ({kind}) ...")
    s = grade(a.name, [subs], out=base / "grades", jobs=jobs, sandbox=sandbox)
    for warning in sorted(s.warnings):
        print(f"WARNING: {warning}", file=sys.stderr)
    print((base / "grades" / "gradebook.csv").read_text(), end="")
    print(f"sandbox: {', '.join(sorted(s.backends))}; {s.wall_s:.1f} s")
    print(f"feedback: {base / 'grades' / 'feedback'}/<student>.md")
    print(f"report:   {base / 'grades' / 'report.html'}")
    print(f"next: python -m autograder verify {a.name}  (reference full marks, stubs 0, every mutant caught)")
    return 1 if s.grader_errors or stale else 0
