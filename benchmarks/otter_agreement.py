"""Do our sandboxed `grade` and plain `otter run` give the same score to every honest A1 submission:
the reference, the starter stubs and every mutant in solutions/a1_numpy_cnn/mutants/?

Run: python benchmarks/otter_agreement.py   (about 3 minutes on 2 cores; exit 1 on any difference)
"""
import concurrent.futures as cf
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from grading_throughput import otter_run  # noqa: E402

from autograder.core.assignment import load_assignment  # noqa: E402
from autograder.grade.batch import main as grade  # noqa: E402
from autograder.release import main as release  # noqa: E402
from autograder.verify.mutants import load_mutants  # noqa: E402


def main() -> int:
    release("a1_numpy_cnn")
    a = load_assignment("a1_numpy_cnn")
    reference = a.solution_file.read_text()
    sources = {"reference": reference, "stub": (a.starter_dir / a.student_file).read_text(),
               **{m.name: m.apply(reference) for m in load_mutants(a.mutants_dir)}}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = {}
        for name, text in sources.items():
            files[name] = tmp / "subs" / name / a.student_file
            files[name].parent.mkdir(parents=True)
            files[name].write_text(text)
        summary = grade(a.name, [tmp / "subs"], out=tmp / "ours", jobs=2, progress=False)
        ours = {r.student: r.score for r in summary.results}
        with cf.ThreadPoolExecutor(2) as pool:
            theirs = dict(zip(files, pool.map(
                lambda n: otter_run(a.dist_dir / "otter-autograder.zip", files[n], tmp / "otter" / n), files),
                strict=True))
    for name in files:
        verdict = "same" if ours[name] == theirs[name] else "DIFFERENT"
        print(f"{name:32} grade {ours[name]:6g}   otter run {theirs[name]:6g}   {verdict}")
    same = all(ours[n] == theirs[n] for n in files)
    print(f"identical on all {len(files)} submissions: {'yes' if same else 'NO'}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
