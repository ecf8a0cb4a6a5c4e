"""Run tests/solutions/test_a1_reference.py against known-buggy variants of the A1 reference.

Each variant must fail at least one test; the script prints a Markdown table (variant -> number of
failing tests, with a few of their ids) and exits 1 if the reference itself fails or a variant
survives. Not collected by pytest (no ``test_`` prefix). Usage, from the repository root:

    .venv/bin/python tests/solutions/a1_mutation_sweep.py [NAME_SUBSTRING ...]

Variants: every ``solutions/a1_numpy_cnn/mutants/*.toml`` (exact-once string replacements, see
``autograder/verify/mutants.py``) plus the one defined in ``EXTRA`` below (it modifies an input in place: the
graded tests cannot charge it, the direct tests of test_a1_reference.py can).
"""
import os
import pathlib
import re
import subprocess
import sys
import tempfile

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # a script, run from anywhere: make the project importable

from autograder.verify.mutants import Mutant, load_mutants  # noqa: E402

REFERENCE = ROOT / "solutions" / "a1_numpy_cnn" / "cnn_numpy.py"
SUITE = ROOT / "tests" / "solutions" / "test_a1_reference.py"
HERE = pathlib.Path(__file__)

EXTRA = [
    Mutant("avg_backward_divides_dout_in_place", "avg_pool2d_backward divides the caller's dout in place", HERE,
           [("share = np.broadcast_to((dout / (k[0] * k[1]))[..., None, None], (*dout.shape, *k))",
             "share = np.broadcast_to(np.divide(dout, k[0] * k[1], out=dout)[..., None, None], (*dout.shape, *k))")]),
]


def run_suite(module_path):
    """(number of failed tests, failed test ids, summary line) of the suite against ``module_path``."""
    env = dict(os.environ, A1_MODULE_PATH=str(module_path))
    proc = subprocess.run([sys.executable, "-m", "pytest", str(SUITE), "-q", "-n", "2", "-p", "no:cacheprovider",
                           "--tb=no", "-rf"], cwd=ROOT, env=env, capture_output=True, text=True)
    failed = re.findall(r"^FAILED \S+::(\S+)", proc.stdout, re.M)
    lines = proc.stdout.strip().splitlines()
    return len(failed), failed, (lines[-1] if lines else proc.stderr.strip()[-200:])


def main(filters):
    source = REFERENCE.read_text()
    mutants = load_mutants(REFERENCE.parent / "mutants") + EXTRA
    mutants = [m for m in mutants if not filters or any(f in m.name for f in filters)]
    n_failed, _, summary = run_suite(REFERENCE)
    print(f"reference: {summary}\n")
    ok = n_failed == 0
    print("| variant | failing tests | e.g. |\n|---|---:|---|")
    with tempfile.TemporaryDirectory() as tmp:
        for mutant in mutants:
            path = pathlib.Path(tmp) / mutant.name / "cnn_numpy.py"
            path.parent.mkdir()
            path.write_text(mutant.apply(source))
            n_failed, failed, summary = run_suite(path)
            ok &= n_failed > 0
            print(f"| {mutant.name} ({mutant.description}) | {n_failed} | {', '.join(failed[:3])} |", flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
