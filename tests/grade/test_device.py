"""--device cuda: the sandbox must reach the GPU, or the batch refuses before grading anyone (a hidden GPU
would otherwise cost every student the CUDA cases: the grader's fault charged as theirs)."""
import pytest

from autograder.core.assignment import load_assignment
from autograder.grade.batch import BatchError, check_sandbox_device
from autograder.sandbox import backends

torch = pytest.importorskip("torch")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks a sandbox that cannot reach a GPU")
def test_cuda_batch_refused_when_the_sandboxed_worker_has_no_gpu():
    """A worker that cannot use CUDA (this machine's CPU-only torch stands in for a sandbox hiding the GPU)
    stops the batch with one error naming the device, the sandbox and the fix."""
    a = load_assignment("a2_torch_cnn")
    with pytest.raises(BatchError, match=r"--device cuda: the (bwrap|uid) sandbox's worker cannot use the GPU"):
        check_sandbox_device(a, backends.choose("auto")[0], "cuda")


def test_cpu_batch_needs_no_gpu_probe():
    check_sandbox_device(load_assignment("a2_torch_cnn"), "bwrap", "cpu")  # returns at once, starts nothing


def test_bwrap_binds_the_gpu_device_nodes_for_cuda_only(monkeypatch, tmp_path):
    """bwrap's own /dev has no GPU: a CUDA plan binds every NVIDIA node, a CPU plan none."""
    monkeypatch.setattr(backends, "gpu_device_nodes", lambda: ["/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"])
    for name in ("passwd", "group"):
        (tmp_path / name).write_text("")

    def plan(device):
        return backends.bwrap_plan(mode="root", scratch=tmp_path, private=tmp_path, module_name="m",
                                   limits=backends.Limits(), device=device, uid=12345).argv

    cuda, cpu = plan("cuda"), plan("cpu")
    for node in ("/dev/nvidia0", "/dev/nvidiactl", "/dev/nvidia-uvm"):
        i = cuda.index(node)
        assert cuda[i - 1] == "--dev-bind" and cuda[i + 1] == node
        assert node not in cpu
