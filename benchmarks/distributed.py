"""Benchmark: seconds per MNIST-1D training epoch on 1 and 2 MPI processes.

The demo's frequency CNN (width 32, depth 3, batch norm) on 4,000 MNIST-1D
signals at a global batch of 64, Adam, trained by ``fit`` after one warm-up
epoch, on the active backend (``FREQNET_BACKEND``; each timed run ends with
a device synchronisation):

* ``1 process``: plain ``fit`` (the baseline of the ratios);
* ``mpiexec -n 1`` and ``mpiexec -n 2``: ``fit(distributed=DataParallel())``.

For the distributed runs it also reports the share of the epoch spent in the
gradient all-reduce (the wait included: a rank that is ahead waits for the
other there) and the bytes all-reduced per step. Each process uses one
thread (BLAS and FFT), so two processes on two cores do not oversubscribe.
Prints a table and writes benchmarks/results/distributed.json.

    python benchmarks/distributed.py [--epochs 3]
    python benchmarks/distributed.py --smoke       # tiny run (the test suite)
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path[:0] = [HERE, ROOT]
import _threads  # noqa: E402,F401  (first: one BLAS thread per process, before NumPy loads)

GRADIENTS = "the gradient all-reduce"      # what DataParallel.reduce_gradients names its sum


def _timed(reducer):
    """Wrap ``reducer.sum_`` to add up the gradient all-reduce's seconds, bytes and calls."""
    timed = {"seconds": 0.0, "bytes": 0, "calls": 0}
    reduce = reducer.sum_

    def sum_(buffer, what):
        t0 = time.perf_counter()
        result = reduce(buffer, what)
        if what == GRADIENTS:
            timed["seconds"] += time.perf_counter() - t0
            timed["bytes"] += buffer.nbytes
            timed["calls"] += 1
        return result
    reducer.sum_ = sum_
    return timed


def worker(args):
    """One process (or MPI rank) of a run: rank 0 writes its timings to ``args.out``."""
    from freqnet import backend, data, optim
    from freqnet.models import FrequencyCNN
    from freqnet.train import fit, seed_everything
    backend.FFT_WORKERS = 1
    dist = timed = None
    if args.worker == "distributed":
        from freqnet.distributed import DataParallel
        dist = DataParallel()
        timed = _timed(dist.reducer)
    x, y, _, _ = data.load_dataset("mnist1d", max_train=args.samples, seed=0)
    loader = data.DataLoader(data.TensorDataset(x, y), 64, shuffle=True, drop_last=True, seed=0)
    seed_everything(0)
    model = FrequencyCNN(x.shape[1:], width=args.width, depth=3, pad="auto", seed=0)
    opt = optim.Adam(model.named_parameters(), lr=3e-3)
    fit(model, opt, loader, 1, log=None, progress=False, distributed=dist)      # warm-up
    if timed is not None:
        timed.update(seconds=0.0, bytes=0, calls=0)
    t0 = time.perf_counter()
    history = fit(model, opt, loader, args.epochs, log=None, progress=False, distributed=dist)
    backend.synchronize()
    seconds = (time.perf_counter() - t0) / args.epochs
    record = {"epoch_seconds": seconds, "steps_per_epoch": len(loader),
              "final_loss": history[-1]["loss"], "backend": backend.name}
    if dist is not None:
        record.update(processes=dist.size,
                      allreduce_share=timed["seconds"] / (seconds * args.epochs),
                      bytes_per_step=timed["bytes"] // max(1, timed["calls"]),
                      allreduce_calls_per_step=timed["calls"] / (len(loader) * args.epochs))
    if dist is None or dist.rank == 0:
        with open(args.out, "w") as f:
            json.dump(record, f)


def run(cmd, out):
    env = {**os.environ, "PYTHONPATH": ROOT}
    subprocess.run(cmd, check=True, env=env, timeout=1800)
    with open(out) as f:
        return json.load(f)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=3, help="timed epochs per run (after a warm-up)")
    p.add_argument("--smoke", action="store_true", help="1 epoch of 256 signals, width 4")
    p.add_argument("--out", default=None, help="the JSON record (default: benchmarks/results/)")
    p.add_argument("--worker", choices=("plain", "distributed"), help=argparse.SUPPRESS)
    p.add_argument("--samples", type=int, default=4000, help=argparse.SUPPRESS)
    p.add_argument("--width", type=int, default=32, help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.worker:
        return worker(args)
    from _harness import results_path, write_json
    out = args.out or results_path("distributed")
    sizes = ["--samples", "256", "--width", "4", "--epochs", "1"] if args.smoke else \
        ["--epochs", str(args.epochs)]
    mpiexec = os.path.join(os.path.dirname(sys.executable), "mpiexec")
    part = out + ".worker"
    me = [sys.executable, os.path.abspath(__file__), *sizes, "--out", part]
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    rows = {"1 process": run(me + ["--worker", "plain"], part)}
    for n in (1, 2):
        rows[f"mpiexec -n {n}"] = run([mpiexec, "-n", str(n), *me, "--worker", "distributed"], part)
    os.remove(part)
    base = rows["1 process"]["epoch_seconds"]
    load = os.getloadavg()
    print(f"MNIST-1D epoch, global batch 64, {rows['1 process']['steps_per_epoch']} steps, "
          f"backend {rows['1 process']['backend']}; load average {load[0]:.2f} on "
          f"{os.cpu_count()} cores")
    print(f"{'run':<14} {'s/epoch':>8} {'vs 1 proc':>10} {'all-reduce':>11} {'bytes/step':>11}")
    for name, r in rows.items():
        share = f"{100 * r['allreduce_share']:.1f}%" if "allreduce_share" in r else "-"
        size = str(r["bytes_per_step"]) if "bytes_per_step" in r else "-"
        print(f"{name:<14} {r['epoch_seconds']:>8.3f} {r['epoch_seconds'] / base:>9.2f}x "
              f"{share:>11} {size:>11}")
    write_json(out, {"epochs": 1 if args.smoke else args.epochs, "smoke": args.smoke,
                     "backend": rows["1 process"]["backend"], "load_average": load,
                     "cpu_count": os.cpu_count(), "runs": rows})


if __name__ == "__main__":
    main()
