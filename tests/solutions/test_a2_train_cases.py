"""A2's q05 (train) against hostile and do-nothing loops (helper-18's findings): a train that never runs
backward earns nothing, and weights or gradients handed back as text arrays are the student's failure,
never a grader error (graded in-process on q05 only: the same test file the sandbox runs)."""
from autograder.core.assignment import load_assignment
from autograder.core.results import FAILED, GRADER_ERROR, PASSED
from autograder.core.testfiles import load_test_files
from autograder.grade.submission import grade_in_process

A2 = load_assignment("a2_torch_cnn")

DOES_NOTHING = '''
def train(model, x, y, *, epochs, batch_size, lr, device=None, seed=0):
    return [0.0] * epochs
'''

#: a correct loop, whose model then reports its weights (and their gradients) as arrays of text
TEXT_ARRAYS = '''
import numpy as _np

class _Text(torch.Tensor):
    def detach(self): return self
    def cpu(self): return self
    def numpy(self): return _np.full(tuple(self.shape), "x")

_real_train = train

def train(model, x, y, **kw):
    losses = _real_train(model, x, y, **kw)
    real = {k: v.detach().clone() for k, v in model.state_dict().items()}
    model.state_dict = lambda *a, **k: {n: v.as_subclass(_Text) for n, v in real.items()}
    for p in model.parameters():
        if p.grad is not None:
            p.grad = p.grad.as_subclass(_Text)
    return losses
'''


def _q05(tmp_path, extra: str) -> dict:
    path = tmp_path / A2.student_file
    path.write_text(A2.solution_file.read_text() + "\n" + extra)
    tests = [t for t in load_test_files(A2.tests_dir) if t.name == "q05_train"]
    result = grade_in_process(A2, path, "student-x", tests)
    assert result.status == "ok", result.notes
    return {c.name: (c.status, c.message) for c in result.cases}


def test_reference_passes_every_q05_case(tmp_path):
    cases = _q05(tmp_path, "")
    assert all(status == PASSED for status, _ in cases.values()), cases


def test_a_train_that_does_nothing_earns_nothing(tmp_path):
    """It earned train_zeroes_gradients (gradients never made were taken for gradients zeroed)."""
    cases = _q05(tmp_path, DOES_NOTHING)
    assert not [name for name, (status, _) in cases.items() if status == PASSED], cases
    assert "handed over with gradients" in cases["train_zeroes_gradients"][1]


def test_text_arrays_for_weights_or_gradients_are_the_students_failure(tmp_path):
    """They made q05's cases grader errors (the parent's float conversion raised): the student could block
    their own grade, and the batch looked broken."""
    cases = _q05(tmp_path, TEXT_ARRAYS)
    assert not [name for name, (status, _) in cases.items() if status == GRADER_ERROR], cases
    assert cases["train_returns_epoch_losses"][0] == FAILED
    assert "named numeric arrays" in cases["train_returns_epoch_losses"][1]
    assert cases["train_zeroes_gradients"][0] == FAILED
