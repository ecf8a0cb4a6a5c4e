"""Batch-grading throughput of A1: our sandboxed `grade -j 2` against plain `otter run` on the
otter-generated zip, on the same submissions, measured in one run.

Run: python benchmarks/grading_throughput.py [--n 40] [--jobs 2]
Prints submissions per second for each, the ratio, and our grader's own overhead per submission
(batch wall time x jobs, minus the time spent inside the students' calls, divided by N).
Targets (README "Benchmarks"): ratio >= 10, overhead <= 0.3 s per submission.
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from autograder.core.assignment import load_assignment  # noqa: E402
from autograder.grade.batch import main as grade  # noqa: E402
from autograder.release import main as release  # noqa: E402
from autograder.verify.mutants import load_mutants  # noqa: E402


def make_submissions(folder: Path, n: int) -> list[Path]:
    """A class of n: a third correct, a sixth stubs, the rest one realistic bug each (the mutants)."""
    a = load_assignment("a1_numpy_cnn")
    reference = a.solution_file.read_text()
    stub = (a.starter_dir / a.student_file).read_text()
    mutants = load_mutants(a.mutants_dir)
    paths = []
    for i in range(n):
        if i % 3 == 0:
            text = reference
        elif i % 6 == 1:
            text = stub
        else:
            text = mutants[i % len(mutants)].apply(reference)
        path = folder / f"student{i:03d}" / a.student_file
        path.parent.mkdir(parents=True)
        path.write_text(text)
        paths.append(path)
    return paths


def otter_run(zip_path: Path, submission: Path, out: Path) -> float:
    out.mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "otter", "run", "-a", str(zip_path), "-o", str(out), str(submission)],
                          capture_output=True, text=True, cwd=out)
    if done.returncode != 0:
        raise RuntimeError(f"otter run failed on {submission}:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    tests = json.loads((out / "results.json").read_text())["tests"]
    return sum(t.get("score") or 0 for t in tests)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    release("a1_numpy_cnn")
    a = load_assignment("a1_numpy_cnn")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        subs = make_submissions(tmp / "subs", args.n)

        start = time.perf_counter()
        summary = grade("a1_numpy_cnn", [tmp / "subs"], out=tmp / "ours", jobs=args.jobs, progress=False)
        ours_s = time.perf_counter() - start
        ours = {r.student: r.score for r in summary.results}

        start = time.perf_counter()
        with cf.ThreadPoolExecutor(args.jobs) as pool:  # otter run in parallel too: the same 2 cores
            theirs = dict(zip((p.parent.name for p in subs), pool.map(
                lambda p: otter_run(a.dist_dir / "otter-autograder.zip", p, tmp / "otter" / p.parent.name), subs),
                strict=True))
        otter_s = time.perf_counter() - start

    mismatches = {s: (ours[s], theirs[s]) for s in ours if abs(ours[s] - theirs[s]) > 1e-9}
    overhead = (ours_s * args.jobs - summary.student_s) / args.n
    per_sub = sorted(r.wall_s - sum(c.student_s for c in r.cases) for r in summary.results)
    steady = per_sub[len(per_sub) // 2]
    print(f"{args.n} A1 submissions, {args.jobs} parallel jobs each, sandbox {', '.join(sorted(summary.backends))}")
    print(f"{'grader':<28}{'wall s':>8}{'subs/s':>9}")
    print(f"{'ours (grade -j %d)' % args.jobs:<28}{ours_s:>8.1f}{args.n / ours_s:>9.2f}")
    print(f"{'otter run (%d at a time)' % args.jobs:<28}{otter_s:>8.1f}{args.n / otter_s:>9.2f}")
    print(f"throughput ratio: {otter_s / ours_s:.1f}x (target >= 10)")
    print(f"time inside student calls: {summary.student_s:.1f} s")
    print(f"grader overhead per submission, median (sandbox start-up + checks + transport): {steady:.2f} s "
          "(target <= 0.3)")
    print(f"grader overhead per submission, all in (batch wall x jobs - student time) / N, including each grading "
          f"process's one-time start (Python, torch, reference): {overhead:.2f} s")
    print(f"scores identical to otter run on all {args.n}: {'yes' if not mismatches else 'NO ' + str(mismatches)}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
