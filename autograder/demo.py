"""``demo``: what the README's first command runs, on bundled data.

1. releases every assignment (starter code, student bundle, otter and Gradescope zips);
2. builds a class of sample A1 submissions in ``demo-out/submissions/``: a correct one (the
   reference), the starter stubs, three realistic bugs (mutants), and the hand-written broken and
   hostile ones of ``examples/submissions/``;
3. grades them with the sandboxed engine into ``demo-out/grades/``, printing the gradebook and the
   path of the report.
"""
from __future__ import annotations

import shutil

from autograder.core.assignment import REPO_ROOT, load_assignment

#: Sample students: name -> how their file is made.
MUTANT_STUDENTS = {"carol": "pool_backward_overwrite", "dan": "conv_size_ceil", "erin": "maxpool_zero_padding"}


def main(*, assignments: tuple[str, ...] = (), out: str = "demo-out", jobs: int = 2) -> int:
    from autograder.build import main as release
    from autograder.grade.batch import main as grade
    from autograder.verify.mutants import load_mutants

    names = assignments or tuple(sorted(p.parent.name for p in (REPO_ROOT / "assignments").glob("*/assignment.toml")))
    for name in names:
        r = release(name)
        print(f"released {name}: " + ", ".join(p.relative_to(REPO_ROOT).as_posix() for p in r.outputs))
    a = load_assignment("a1_numpy_cnn")
    base = REPO_ROOT / out
    shutil.rmtree(base, ignore_errors=True)
    subs = base / "submissions"
    subs.mkdir(parents=True)
    reference = a.solution_file.read_text()
    (subs / "ada.py").write_text(reference)
    shutil.copy(a.starter_dir / a.student_file, subs / "bob.py")
    mutants = {m.name: m for m in load_mutants(a.mutants_dir)}
    for student, mutant in MUTANT_STUDENTS.items():
        (subs / f"{student}.py").write_text(mutants[mutant].apply(reference))
    for example in sorted((REPO_ROOT / "examples" / "submissions").glob("*.py")):
        shutil.copy(example, subs / example.name)
    print(f"grading {len(list(subs.iterdir()))} sample submissions of {a.name} (sandboxed) ...")
    s = grade(a.name, [subs], out=base / "grades", jobs=jobs)
    for warning in sorted(s.warnings):
        print(f"WARNING: {warning}")
    print((base / "grades" / "gradebook.csv").read_text(), end="")
    print(f"sandbox: {', '.join(sorted(s.backends))}; {s.wall_s:.1f} s")
    print(f"feedback: {base / 'grades' / 'feedback'}/<student>.md")
    print(f"report:   {base / 'grades' / 'report.html'}")
    print("next: python -m autograder verify a1_numpy_cnn  (reference full marks, stubs 0, every mutant caught)")
    return 1 if s.grader_errors else 0
