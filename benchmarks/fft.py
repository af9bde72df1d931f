"""Benchmark: the batched real FFTs of freqnet's networks, library against library.

For each shape (batches of small planes, 8-64 per side, as the MNIST and
MNIST-1D models transform them) and dtype, times the forward transform
(rfft / rfft2) and the inverse (irfft / irfft2, which is also the adjoint
of the forward up to the multiplicities, THEORY.md §2) in:

* ``freqnet``: ``freqnet.backend.rfftn`` / ``irfftn`` with its speed routes
  (FFTW plans for planes, a GEMM for short rows, else scipy.fft);
* ``scipy`` (pocketfft), ``numpy``;
* ``ducc0`` and ``torch.fft`` when importable (neither is a freqnet
  dependency).

Every library runs on ``--threads`` threads (default 1). The machine is
shared, so the cases of one shape run interleaved, one call each per round,
and the table gives the median over the rounds with each time's ratio to
torch.fft (or to scipy.fft without torch) from the same rounds. Each
result is checked against scipy.fft first. Writes benchmarks/results/fft.json.

    python benchmarks/fft.py [--rounds 60] [--threads 1]
    python benchmarks/fft.py --smoke          # tiny shapes, 2 rounds: does every case run?
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _threads import THREADS  # noqa: E402  (first: before NumPy is imported)

import numpy as np  # noqa: E402
import scipy.fft  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from _harness import gemm_gflops, real_fft_flops, rel_err, results_path, write_json  # noqa: E402

from freqnet import backend  # noqa: E402

#: (batch, channels, *plane): the 2D model's maps at each depth, and MNIST-1D's rows
SHAPES = [(64, 1, 32, 32), (64, 16, 32, 32), (64, 32, 16, 16), (64, 64, 8, 8),
          (64, 32, 48), (64, 64, 24), (64, 128, 12)]
SMOKE_SHAPES = [(2, 3, 8, 8), (2, 3, 12)]


def candidates(shape, dtype):
    """name -> (forward(x), inverse(X)) for this shape; a library that is not
    installed has no entry."""
    axes = tuple(range(2, len(shape)))
    s = shape[2:]
    out = {
        "freqnet": (lambda x: backend.rfftn(x, axes=axes), lambda X: backend.irfftn(X, s=s, axes=axes)),
        "scipy": (lambda x: scipy.fft.rfftn(x, axes=axes), lambda X: scipy.fft.irfftn(X, s=s, axes=axes)),
        "numpy": (lambda x: np.fft.rfftn(x, axes=axes), lambda X: np.fft.irfftn(X, s=s, axes=axes)),
    }
    try:
        import ducc0
        out["ducc0"] = (lambda x: ducc0.fft.r2c(x, axes=axes, nthreads=THREADS),
                        lambda X: ducc0.fft.c2r(X, axes=axes, lastsize=s[-1], forward=False,
                                                inorm=2, nthreads=THREADS))
    except ImportError:
        pass
    try:
        import torch
        torch.set_num_threads(THREADS)
        dims = tuple(range(2, len(shape)))
        out["torch"] = (lambda x: torch.fft.rfftn(torch.from_numpy(x), dim=dims).numpy(),
                        lambda X: torch.fft.irfftn(torch.from_numpy(X), s=s, dim=dims).numpy())
    except ImportError:
        pass
    return out


def time_interleaved(calls, rounds):
    """name -> list of seconds, one call of each name per round (after one warm-up call each)."""
    for f in calls.values():
        f()
    times = {name: [] for name in calls}
    for _ in range(rounds):
        for name, f in calls.items():
            t0 = time.perf_counter()
            f()
            times[name].append(time.perf_counter() - t0)
    return times


def measure(shape, dtype, rounds):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(shape).astype(dtype)
    axes = tuple(range(2, len(shape)))
    X = scipy.fft.rfftn(x, axes=axes)
    rows = []
    cases = candidates(shape, dtype)
    for direction, arg, ref in (("forward", x, X), ("inverse", X, x)):
        calls = {name: (lambda f=fs[direction == "inverse"]: f(arg)) for name, fs in cases.items()}
        errors = {name: rel_err(np.asarray(f()), ref) for name, f in calls.items()}
        bad = {n: e for n, e in errors.items() if e > (1e-5 if dtype == "float32" else 1e-12)}
        if bad:
            raise SystemExit(f"{shape} {dtype} {direction}: results differ from scipy.fft: {bad}")
        times = time_interleaved(calls, rounds)
        base = "torch" if "torch" in times else "scipy"
        for name, ts in times.items():
            ratio = float(np.median(np.array(ts) / np.array(times[base])))
            rows.append({"shape": list(shape), "dtype": dtype, "direction": direction, "case": name,
                         "ms": 1e3 * float(np.median(ts)), "ms_min": 1e3 * float(np.min(ts)),
                         "ratio": ratio, "baseline": base, "rel_err": errors[name]})
    return rows


def floor_ms(shape, peak_gflops):
    """The arithmetic floor of one real FFT of ``shape`` at ``peak_gflops``."""
    return 1e3 * real_fft_flops(int(np.prod(shape[:2])), int(np.prod(shape[2:]))) / (peak_gflops * 1e9)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=60)
    p.add_argument("--threads", type=int, default=1, help="threads for every library")
    p.add_argument("--dtypes", nargs="+", default=["float32", "float64"])
    p.add_argument("--smoke", action="store_true", help="tiny shapes, 2 rounds: a run check")
    p.add_argument("--out", default=results_path("fft"))
    args = p.parse_args(argv)
    backend.FFT_WORKERS = args.threads
    shapes, rounds = (SMOKE_SHAPES, 2) if args.smoke else (SHAPES, args.rounds)
    rows = []
    print(f"{'shape':<18} {'dtype':<8} {'dir':<8} {'case':<8} {'ms':>7} {'ratio':>7} {'floor ms':>9}")
    peaks = {}
    for dtype in args.dtypes:
        peaks[dtype] = gemm_gflops(dtype)
        for shape in shapes:
            found = measure(shape, dtype, rounds)
            for r in found:
                r["floor_ms"] = floor_ms(shape, peaks[dtype])
                print(f"{str(tuple(shape)):<18} {dtype:<8} {r['direction']:<8} {r['case']:<8} "
                      f"{r['ms']:>7.3f} {r['ratio']:>6.2f}x {r['floor_ms']:>9.3f}")
            rows += found
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"ratio: median over {rounds} interleaved rounds of time / {rows[0]['baseline']} "
          f"in the same round; floor: 2.5 n log2 n flops per plane at this machine's GEMM rate "
          f"({', '.join(f'{d} {g:.0f} GFLOP/s' for d, g in peaks.items())}); load average {load}")
    write_json(args.out, {"benchmark": "fft", "rows": rows, "rounds": rounds, "threads": args.threads,
                          "smoke": args.smoke, "load_average": load, "gemm_gflops": peaks, "backend": backend.name,
                          "machine": platform.platform(), "processor": platform.processor(),
                          "cpus": os.cpu_count()}, indent=1)


if __name__ == "__main__":
    main()
