"""Data-parallel training (freqnet.distributed): 2 ranks under ``mpiexec -n 2``
against one process at the same global batch, the broken variant without the
all-reduce, faults (a killed rank, a stuck rank, a bad backend on one rank),
the CLI, and the pieces that need no MPI.

mpiexec comes from the mpich wheel of the ``[mpi]`` extra, next to
``sys.executable``; every run has a hard timeout, so nothing here can hang.
The processes run on the session's backend (FREQNET_BACKEND: under strict,
every buffer crosses to MPI by explicit, counted transfers).
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import freqnet
from freqnet import backend, data
from freqnet.checkpoint import load_checkpoint

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = str(ROOT / "tests" / "_distributed_train.py")
MPIEXEC = str(Path(sys.executable).parent / "mpiexec")
RTOL = 1e-6        # float32 rounding (the tolerance)


def _env(**extra):
    return {**os.environ, "FREQNET_BACKEND": backend.name, "PYTHONPATH": str(ROOT), **extra}


def mpirun(args, n=2, timeout=120, **env):
    assert os.path.exists(MPIEXEC), f"{MPIEXEC} missing: install the [mpi] extra (mpi4py, mpich)"
    return subprocess.run([MPIEXEC, "-n", str(n), sys.executable, *args], cwd=ROOT,
                          env=_env(**env), capture_output=True, text=True, timeout=timeout)


def single(args, timeout=120, **env):
    return subprocess.run([sys.executable, *args], cwd=ROOT, env=_env(**env), capture_output=True,
                          text=True, timeout=timeout)


def _ok(proc):
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc


def load(out, rank=0):
    with np.load(f"{out}.rank{rank}.npz") as f:
        return {k: f[k] for k in f.files}


def weights(run):
    return {k: v for k, v in run.items() if k.startswith("model/")}


def mismatch(one, ranks):
    """What differs (beyond RTOL) between the one-process run and the
    data-parallel run ``ranks`` (a list of per-rank results); empty when equal."""
    bad = [f"{k}: ranks differ" for k in weights(ranks[0])
           if not all(np.array_equal(ranks[0][k], r[k]) for r in ranks[1:])]
    for k, ref in weights(one).items():
        err = np.max(np.abs(ranks[0][k].astype(np.float64) - ref)) / max(np.max(np.abs(ref)), 1e-30)
        if err > RTOL:
            bad.append(f"{k}: relative error {err:.2e}")
    counts = sum(r["step_counts"] for r in ranks)
    combined = sum(r["step_losses"] * r["step_counts"] for r in ranks) / counts
    assert np.array_equal(counts, one["step_counts"])          # the same global batches
    for name, got, ref in (("step losses", combined, one["step_losses"]),
                           ("epoch losses", ranks[0]["epoch_losses"], one["epoch_losses"])):
        err = np.max(np.abs(got - ref) / np.abs(ref))
        if err > RTOL:
            bad.append(f"{name}: relative error {err:.2e}")
    return bad


@pytest.fixture(scope="module")
def no_bn(tmp_path_factory):
    """One process and 2 ranks, Adam, no batch norm; the 2-rank run also checkpoints."""
    d = tmp_path_factory.mktemp("no_bn")
    _ok(single([SCRIPT, str(d / "one"), "--no-bn"]))
    _ok(mpirun([SCRIPT, str(d / "two"), "--no-bn", "--distributed",
                "--checkpoint-dir", str(d / "ck")]))
    return d, load(d / "one"), [load(d / "two", r) for r in (0, 1)]


def test_two_ranks_of_32_equal_one_process_of_64(no_bn):
    _, one, two = no_bn
    assert [str(r["backend"]) for r in (one, *two)] == [backend.name] * 3
    assert [str(r["engine"]) for r in two] == ["mpi", "mpi"]
    assert mismatch(one, two) == []


def test_two_ranks_with_synchronised_batch_norm_equal_one_process(tmp_path):
    # SGD here: the conv bias in front of batch norm has gradient 0 in exact
    # arithmetic, and Adam would scale its rounding noise up to full steps.
    # --uneven: the last batch splits 28/27, so each rank's share is weighted.
    _ok(single([SCRIPT, str(tmp_path / "one"), "--sgd", "--uneven"]))
    _ok(mpirun([SCRIPT, str(tmp_path / "two"), "--sgd", "--uneven", "--distributed", "--sync-bn"]))
    two = [load(tmp_path / "two", r) for r in (0, 1)]
    assert sorted(r["step_counts"][-1] for r in two) == [27, 28]
    assert mismatch(load(tmp_path / "one"), two) == []


def test_without_the_allreduce_the_runs_differ(no_bn, tmp_path):
    _, one, _ = no_bn
    _ok(mpirun([SCRIPT, str(tmp_path / "two"), "--no-bn", "--distributed", "--skip-allreduce"]))
    bad = mismatch(one, [load(tmp_path / "two", r) for r in (0, 1)])
    assert any("ranks differ" in b for b in bad) and any("relative error" in b for b in bad)


def _start_stalling(tmp_path, timeout_s):
    stall = tmp_path / "stall"
    proc = subprocess.Popen(
        [MPIEXEC, "-n", "2", sys.executable, SCRIPT, str(tmp_path / "two"), "--no-bn",
         "--distributed", "--checkpoint-dir", str(tmp_path / "ck"), "--stall", str(stall)],
        cwd=ROOT, env=_env(FREQNET_DIST_TIMEOUT=str(timeout_s)), stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True)
    deadline = time.monotonic() + 60
    while not stall.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()[0]
        time.sleep(0.05)
    return proc, int(stall.read_text())


def test_sigkill_of_one_rank_ends_all_and_resume_continues_bit_for_bit(no_bn, tmp_path):
    _, _, uninterrupted = no_bn
    proc, pid = _start_stalling(tmp_path, timeout_s=60)
    killed = time.monotonic()
    os.kill(pid, signal.SIGKILL)                       # rank 1, mid-epoch 2
    output = proc.communicate(timeout=30)[0]
    assert time.monotonic() - killed < 30
    assert proc.returncode != 0
    # Hydra names the pid; freqnet's start-up line says which rank it was.
    assert f"rank 1 (pid {pid} on" in output and f"PID {pid}" in output, output
    ckpt = load_checkpoint(tmp_path / "ck" / "last.npz")
    assert ckpt.epoch == 0 and ckpt.world_size == 2     # epoch 1 finished, intact
    _ok(mpirun([SCRIPT, str(tmp_path / "resumed"), "--no-bn", "--distributed",
                "--checkpoint-dir", str(tmp_path / "ck"), "--resume"]))
    resumed = load(tmp_path / "resumed")
    for k, v in weights(uninterrupted[0]).items():
        assert np.array_equal(resumed[k], v), k
    assert np.array_equal(resumed["epoch_losses"], uninterrupted[0]["epoch_losses"])


def test_a_stuck_rank_is_named_at_the_deadline(tmp_path):
    proc, _ = _start_stalling(tmp_path, timeout_s=2)
    output = proc.communicate(timeout=60)[0]
    assert proc.returncode != 0
    assert "rank 0: no answer from rank(s) 1 within 2 s during the gradient all-reduce" in output


CLI = ["-m", "freqnet", "train", "--limit", "256", "--epochs", "1", "--width", "4",
       "--depth", "1", "--no-progress"]


def test_a_bad_backend_on_one_rank_is_an_error_on_every_rank():
    proc = subprocess.run([MPIEXEC, "-n", "1", sys.executable, *CLI, "--distributed", ":",
                           "-n", "1", "-env", "FREQNET_BACKEND", "bogus", sys.executable, *CLI,
                           "--distributed"], cwd=ROOT, env=_env(), capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode != 0
    why = "FREQNET_BACKEND='bogus': unknown freqnet backend 'bogus'; expected one of numpy, " \
          "cupy, strict"
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert sorted(lines) == [f"error: rank 0: stopping because rank 1 could not start: "
                             f"BackendError: {why}", f"error: rank 1: {why}"], proc.stderr


def test_different_backends_are_refused_by_name():
    from freqnet.distributed import DistributedError, _check_same_start
    table = {0: {"backend": "numpy", "env": ""}, 1: {"backend": "cupy", "env": "cupy"}}
    with pytest.raises(DistributedError, match="rank 0 'numpy'.*rank 1 'cupy'"):
        _check_same_start(1, table)


def test_cli_on_two_processes_prints_once_and_refuses_another_world_size(tmp_path):
    ck = str(tmp_path / "ck")
    proc = _ok(mpirun([*CLI, "--distributed", "--checkpoint-dir", ck]))
    results = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    assert len(results) == 1 and results[0]["world_size"] == 2
    assert proc.stdout.count("epoch 1/1") == 1
    assert load_checkpoint(os.path.join(ck, "last.npz")).world_size == 2
    again = single([*CLI[:6], "2", *CLI[7:], "--checkpoint-dir", ck, "--resume"])
    assert again.returncode == 1
    assert "written by a run on 2 process(es), this one has 1" in again.stderr


def test_a_diverged_loss_stops_every_rank_alike():
    proc = mpirun([*CLI, "--distributed", "--max-loss", "0.001"])
    assert proc.returncode == 1
    lines = [line for line in proc.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 2 and lines[0] == lines[1], proc.stderr
    assert "epoch 1, step 1 (of 4), above 0.001: training diverged" in lines[0]


def test_the_benchmark_reports_one_gradient_buffer_per_step(tmp_path):
    from freqnet.experiment import parameter_count
    from freqnet.models import FrequencyCNN
    out = tmp_path / "distributed.json"
    proc = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "distributed.py"), "--smoke",
                           "--out", str(out)], cwd=tmp_path, env=_env(), capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    runs = json.loads(out.read_text())["runs"]
    assert list(runs) == ["1 process", "mpiexec -n 1", "mpiexec -n 2"]
    assert all(r["backend"] == backend.name and r["epoch_seconds"] > 0 for r in runs.values())
    model = FrequencyCNN((1, 40), width=4, depth=3, pad="auto")          # the smoke run's model
    floats = parameter_count(model) + len(list(model.parameters())) + 2  # + flags, loss, count
    for name in ("mpiexec -n 1", "mpiexec -n 2"):
        assert runs[name]["allreduce_calls_per_step"] == 1
        assert runs[name]["bytes_per_step"] == 4 * floats
        assert 0 < runs[name]["allreduce_share"] < 1


# -- pieces that need no MPI ------------------------------------------------------

def test_the_shards_of_each_epoch_are_the_global_batches():
    from freqnet.distributed import DistributedLoader
    x = np.arange(200, dtype=np.float32).reshape(200, 1)
    loader = data.DataLoader(data.TensorDataset(x, np.zeros(200, np.int64)), 24, shuffle=True,
                             seed=4)
    shards = [DistributedLoader(loader, r, 3) for r in range(3)]
    for epoch in (0, 5):
        order = loader.order(epoch)
        batches = [s.indices(epoch) for s in shards]
        assert all(len(b) == len(loader) for b in batches)
        for j in range(len(loader)):
            union = np.concatenate([b[j] for b in batches])
            assert sorted(union) == sorted(order[24 * j:24 * (j + 1)])
        seen = np.concatenate([i for b in batches for i in b])
        assert sorted(seen) == list(range(200))              # every sample once (no drop_last)


def test_a_batch_that_cannot_be_split_is_refused():
    from freqnet.distributed import DistributedLoader
    loader = data.DataLoader(data.TensorDataset(np.zeros((10, 1), np.float32),
                                                np.zeros(10, np.int64)), 4)
    with pytest.raises(ValueError, match="not divisible by the 3 processes"):
        DistributedLoader(loader, 0, 3)
    with pytest.raises(ValueError, match="last batch of 2 samples cannot be split over 4"):
        DistributedLoader(data.DataLoader(loader.dataset, 8), 0, 4)


def test_complex_arrays_travel_as_real_views_of_the_same_bytes():
    from freqnet.allreduce import Flat
    rng = np.random.default_rng(0)
    arrays = [freqnet.tensor(rng.standard_normal((3, 4)).astype(np.float32)).data,
              freqnet.tensor((rng.standard_normal((2, 5)) + 1j * rng.standard_normal((2, 5)))
                             .astype(np.complex64)).data]
    flat = Flat(arrays, extra=1)
    buffer = flat.pack()
    assert buffer.dtype == np.float32 and buffer.size == 12 + 20 + 1
    host = freqnet.backend.to_numpy(buffer)
    np.testing.assert_array_equal(host[12:32:2], freqnet.backend.to_numpy(arrays[1]).real.ravel())
    for a, span in flat.chunks():
        np.testing.assert_array_equal(freqnet.backend.to_numpy(flat.unpacked(a, span)),
                                      freqnet.backend.to_numpy(a))


def test_sync_batch_norm_is_refused_where_it_would_do_nothing(monkeypatch):
    from freqnet.experiment import _config, check_options
    from freqnet.mpi import LAUNCHER_SIZE_VARS
    for var in LAUNCHER_SIZE_VARS:
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ValueError, match="applies to data-parallel runs only"):
        check_options(_config({"sync_batch_norm": True}))
    with pytest.raises(ValueError, match="needs batch norm; this run has --no-batch-norm"):
        check_options(_config({"sync_batch_norm": True, "distributed": True, "batch_norm": False}))
    check_options(_config({"sync_batch_norm": True, "distributed": True}))


def test_missing_mpi4py_is_a_clear_error(monkeypatch):
    from freqnet import mpi
    monkeypatch.setitem(sys.modules, "mpi4py", None)
    with pytest.raises(mpi.DistributedError, match=r"pip install -e '\.\[mpi\]'"):
        mpi.import_mpi()
