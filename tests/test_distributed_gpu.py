"""Data-parallel training on GPUs: the gradient all-reduce through NCCL
(cupy.cuda.nccl), one process per GPU, against one process on one GPU.
With one GPU this runs ``mpiexec -n 1``, which still goes through NCCL.
Skipped, with the reason, where cupy cannot be imported or sees no GPU:
that is the only reason these tests skip."""
import pytest

from _gpu import GPUS, skip_module_without_gpu

skip_module_without_gpu()

from test_distributed import SCRIPT, _ok, load, mismatch, mpirun, single   # noqa: E402

pytestmark = pytest.mark.gpu


def test_one_process_per_gpu_equals_one_process(tmp_path):
    n = min(GPUS, 2)
    _ok(single([SCRIPT, str(tmp_path / "one"), "--no-bn"], FREQNET_BACKEND="cupy"))
    _ok(mpirun([SCRIPT, str(tmp_path / "many"), "--no-bn", "--distributed"], n=n,
               FREQNET_BACKEND="cupy"))
    many = [load(tmp_path / "many", r) for r in range(n)]
    assert [(str(r["backend"]), str(r["engine"])) for r in many] == [("cupy", "nccl")] * n
    assert mismatch(load(tmp_path / "one"), many) == []
