"""Benchmark: SpectralConv2d forward + backward against spatial convolutions.

Times one training step of a circular 'same' convolution (B=32, 16 -> 16
channels, 32x32 maps, kernel k in {3, 5, 9, 15, 31}) for each *case*:

* ``freqnet``: SpectralConv2d (spatial parameterization) on a spectrum, as a
  hidden layer of an all-spectral network: spectrum in, spectrum out,
  gradients for the input spectrum, the weight and the bias.
* ``freqnet+io``: the same, with the input rfft2 and output irfft2 included
  (spatial in, spatial out: a like-for-like layer comparison).
* ``im2col``: a direct spatial convolution in NumPy, im2col + matmul, with
  col2im for the input gradient (written here).
* ``torch``: torch.nn.functional.conv2d on a circularly padded input, when
  torch is importable (it is not a freqnet dependency); ``torch-1t`` the
  same on one thread (torch's two threads suffer most when the shared
  machine is loaded).
* ``hartley``: SpectralConv2d(domain="hartley") on a real Hartley spectrum
  (spectrum in, spectrum out, like ``freqnet``).
* ``laplace-m2/m4/m6``: LaplaceConv2d(padding="circular", tile=m), Toom-Cook
  F(m, k) tiles in real arithmetic, spatial in and out (k in {3, 5} only).

Each (case, k) runs in a fresh process: its forward output is checked
against im2col, the peak memory of its first step is taken (tracemalloc for
the NumPy-based cases; the rise of the process's resident high-water mark
for torch, whose allocations tracemalloc cannot see), then the median time
of the following steps. ``ms`` is the fastest step (the machine is shared,
and the minimum is the least disturbed by other processes; the median is
printed too). Prints ms, peak MB and ratios against im2col and
torch measured in the same run, and writes benchmarks/results/conv.json.
Other domains add rows by appending to CASES.

The freqnet cases use ``--blas-threads`` threads for BLAS and FFTs alike,
so compare them with ``torch-1t`` at the default of 1.

The freqnet cases run on the active backend (``FREQNET_BACKEND``); their
inputs are uploaded once, outside the timing, and each timed step ends with
a device synchronisation.

    python benchmarks/conv.py            # all k, more repetitions
    python benchmarks/conv.py --quick    # k in {3, 9, 31}, few repetitions
    python benchmarks/conv.py --smoke    # tiny problem, k = 3, one step: does every case run?
"""
import argparse
import json
import os
import platform
import subprocess
import sys
import time
import tracemalloc
from dataclasses import dataclass
from typing import Callable

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import freqnet  # noqa: E402
from freqnet import backend, nn  # noqa: E402
from _harness import rel_err, results_path, write_json  # noqa: E402

RESULTS = results_path("conv")
#: the measured problem, and the tiny one of --smoke (a run check, not a measurement)
SIZES = {"full": dict(batch=32, channels=16, size=32), "smoke": dict(batch=2, channels=2, size=8)}


@dataclass
class Problem:
    """Shared inputs of one benchmark point (float32, as torch's default)."""

    batch: int
    channels: int
    size: int
    k: int

    def __post_init__(self):
        rng = np.random.default_rng(0)
        shape = (self.batch, self.channels, self.size, self.size)
        self.x = rng.standard_normal(shape).astype(np.float32)
        self.gy = rng.standard_normal(shape).astype(np.float32)
        bound = 1 / np.sqrt(self.channels * self.k * self.k)
        self.w = rng.uniform(-bound, bound, (self.channels, self.channels, self.k, self.k)).astype(np.float32)
        self.b = rng.uniform(-bound, bound, self.channels).astype(np.float32)


@dataclass
class Case:
    """A named implementation: ``setup(problem)`` returns (step, output), where
    step() runs forward + backward and output() gives the forward result as a
    spatial NumPy array (for the correctness check, outside the timing)."""

    name: str
    setup: Callable
    memory: str = "tracemalloc"          # or "rss"
    available: Callable = lambda: True
    kernels: tuple = None                # kernel sizes it runs at (None: all)


# -- freqnet -------------------------------------------------------------------------------

def _freqnet_layer(p):
    layer = nn.SpectralConv2d(p.channels, p.channels, p.k)
    layer.load_state_dict({"weight": p.w, "bias": p.b})
    return layer


def setup_freqnet(p):
    layer = _freqnet_layer(p)
    spectrum = nn.ToSpectrum()(freqnet.tensor(p.x))
    x = spectrum.detach()
    x.requires_grad = True
    n = p.size * p.size
    d = np.full(p.size // 2 + 1, 2.0, np.float32)
    d[0] = d[-1] = 1
    gy = freqnet.tensor((np.fft.rfft2(p.gy) * d / n).astype(np.complex64))   # adjoint of irfft2 (THEORY §0)

    def step():
        x.grad = None
        layer.zero_grad()
        layer(x).backward(gy)

    def output():
        with freqnet.no_grad():
            return nn.ToSpatial()(layer(x)).numpy()
    return step, output


def setup_freqnet_io(p):
    layer = _freqnet_layer(p)
    model = nn.Sequential(nn.ToSpectrum(), layer, nn.ToSpatial())
    x = freqnet.tensor(p.x, requires_grad=True)
    gy = freqnet.tensor(p.gy)

    def step():
        x.grad = None
        layer.zero_grad()
        model(x).backward(gy)

    def output():
        with freqnet.no_grad():
            return model(x).numpy()
    return step, output


# -- im2col in NumPy -----------------------------------------------------------------------

def setup_im2col(p):
    k, pad = p.k, p.k // 2
    bsz, c, h, w = p.x.shape
    wmat = p.w.reshape(p.channels, -1)                         # (Cout, Cin k k)

    def forward(x):
        xp = np.pad(x, ((0, 0), (0, 0), (pad, k - 1 - pad), (pad, k - 1 - pad)), mode="wrap")
        win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))   # (B,C,H,W,k,k)
        cols = np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(bsz * h * w, -1)
        y = cols @ wmat.T + p.b                                # (B H W, Cout)
        return cols, y.reshape(bsz, h, w, -1).transpose(0, 3, 1, 2)

    def step():
        cols, _ = forward(p.x)
        g = np.ascontiguousarray(p.gy.transpose(0, 2, 3, 1)).reshape(bsz * h * w, -1)
        gw = g.T @ cols                                        # weight gradient
        gb = g.sum(axis=0)
        gcols = (g @ wmat).reshape(bsz, h, w, c, k, k)
        gx = np.zeros((bsz, h, w, c), np.float32)              # col2im, one tap at a time
        for i in range(k):
            for j in range(k):
                gx += np.roll(gcols[..., i, j], (i - pad, j - pad), axis=(1, 2))
        return gw, gb, gx.transpose(0, 3, 1, 2)

    def output():
        return np.ascontiguousarray(forward(p.x)[1])
    return step, output


# -- torch -----------------------------------------------------------------------------------

def torch_available():
    try:
        import torch  # noqa: F401
        return True
    except Exception:
        return False


def setup_torch(p, threads=None):
    import torch
    import torch.nn.functional as tf
    if threads:
        torch.set_num_threads(threads)
    x = torch.tensor(p.x, requires_grad=True)
    w = torch.tensor(p.w, requires_grad=True)
    b = torch.tensor(p.b, requires_grad=True)
    gy = torch.tensor(p.gy)
    pad = p.k // 2

    def forward():
        return tf.conv2d(tf.pad(x, (pad, pad, pad, pad), mode="circular"), w, b)

    def step():
        x.grad = w.grad = b.grad = None
        forward().backward(gy)

    def output():
        with torch.no_grad():
            return forward().numpy()
    return step, output


# -- real-arithmetic domains (THEORY §9(c)): Hartley spectra, Laplace (Toom-Cook) tiles ---

def setup_hartley(p):
    """SpectralConv2d(domain="hartley") on a Hartley spectrum, spectrum in and out."""
    from freqnet.domains.hartley import maths as hartley
    layer = nn.SpectralConv2d(p.channels, p.channels, p.k, domain="hartley")
    layer.load_state_dict({"weight": p.w, "bias": p.b})
    x = nn.ToSpectrum(domain="hartley")(freqnet.tensor(p.x)).detach()
    x.requires_grad = True
    n = p.size * p.size
    g = freqnet.tensor(hartley.dht(freqnet.tensor(p.gy).data, 2) / np.float32(n))   # adjoint of the inverse DHT

    def step():
        x.grad = None
        layer.zero_grad()
        layer(x).backward(g)

    def output():
        with freqnet.no_grad():
            return nn.ToSpatial()(layer(x)).numpy()
    return step, output


def setup_laplace(tile):
    """LaplaceConv2d(padding="circular", tile=m): spatial in, spatial out."""
    def setup(p):
        import warnings
        from freqnet.nn.laplace_conv import LaplaceConv2d
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")              # F(6, 5) warns in float32 (cond 1.7e4)
            layer = LaplaceConv2d(p.channels, p.channels, p.k, padding="circular", tile=tile)
        layer.load_state_dict({"weight": p.w, "bias": p.b})
        x = freqnet.tensor(p.x, requires_grad=True)
        gy = freqnet.tensor(p.gy)

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).backward(gy)

        def output():
            with freqnet.no_grad():
                return layer(x).numpy()
        return step, output
    return setup


CASES = [
    Case("freqnet", setup_freqnet),
    Case("freqnet+io", setup_freqnet_io),
    Case("im2col", setup_im2col),
    Case("torch", setup_torch, memory="rss", available=torch_available),
    Case("torch-1t", lambda p: setup_torch(p, threads=1), memory="rss", available=torch_available),
    Case("hartley", setup_hartley),
    Case("laplace-m2", setup_laplace(2), kernels=(3, 5)),
    Case("laplace-m4", setup_laplace(4), kernels=(3, 5)),
    Case("laplace-m6", setup_laplace(6), kernels=(3, 5)),
]


# -- measurement -----------------------------------------------------------------------------

def time_step(step, reps, budget_s):
    step()                                                     # warm up
    backend.synchronize()
    times = []
    start = time.perf_counter()
    for _ in range(reps):
        t0 = time.perf_counter()
        step()
        backend.synchronize()                                  # device work is asynchronous
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget_s and len(times) >= 2:
            break
    return 1e3 * float(np.median(times)), 1e3 * float(np.min(times)), len(times)


def _status_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field):
                return int(line.split()[1])
    return None


def peak_memory_mb(step, how):
    """Peak memory allocated during one step, in MB."""
    if how == "tracemalloc":
        tracemalloc.start()
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        step()
        peak = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
        return peak / 2 ** 20
    base = _status_kb("VmRSS:")
    try:
        with open("/proc/self/clear_refs", "w") as f:      # reset VmHWM to the current RSS
            f.write("5")
    except OSError:
        return None
    step()
    return (_status_kb("VmHWM:") - base) / 2 ** 10


def measure(case_name, k, reps, budget_s, sizes="full"):
    """One case at one k, in this (fresh) process: error vs im2col, peak
    memory of the first step, then the median time of the following ones."""
    case = next(c for c in CASES if c.name == case_name)
    p = Problem(k=k, **SIZES[sizes])
    step, output = case.setup(p)
    err = rel_err(output(), setup_im2col(p)[1]())
    mem = peak_memory_mb(step, case.memory)
    median, best, n = time_step(step, reps, budget_s)
    return {"case": case_name, "k": k, "ms": best, "median_ms": median, "reps": n, "peak_mb": mem,
            "memory_measure": case.memory, "max_rel_err_vs_im2col": err}


def run(ks, reps, budget_s, cases, blas_threads, sizes="full"):
    """Each (case, k) in its own process, so that one library's thread pool
    (spinning OpenBLAS or OpenMP workers) cannot slow down another's."""
    env = dict(os.environ)
    if blas_threads:
        env["OPENBLAS_NUM_THREADS"] = str(blas_threads)
    rows = []
    for k in ks:
        for case in cases:
            if case.kernels is not None and k not in case.kernels:
                continue
            done = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--worker", case.name, str(k),
                 str(reps), str(budget_s), str(blas_threads)] + (["--smoke"] if sizes == "smoke" else []),
                env=env, capture_output=True, text=True)
            if done.returncode:
                raise RuntimeError(f"case {case.name} at k={k} failed:\n{done.stderr}")
            rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
            print(f"  k={k:<3} {case.name:<12} {rows[-1]['ms']:9.2f} ms", file=sys.stderr)
    return rows


#: cases every row is compared with (speed-up and memory ratios)
BASELINES = ("im2col", "torch", "torch-1t")


def add_ratios(rows):
    by = {(r["case"], r["k"]): r for r in rows}
    for r in rows:
        for base in BASELINES:
            other = by.get((base, r["k"]))
            r[f"speedup_vs_{base}"] = other["ms"] / r["ms"] if other else None
            if other and r["peak_mb"] and other["peak_mb"]:
                r[f"memory_vs_{base}"] = r["peak_mb"] / other["peak_mb"]
            else:
                r[f"memory_vs_{base}"] = None


def table(rows):
    def f(v, spec):
        return format(v, spec) if v is not None else "-"
    head = (f"{'k':>3} {'case':<12} {'ms':>9} {'median':>9} {'peak MB':>8} {'x vs im2col':>11} "
            f"{'x vs torch':>10} {'x vs t-1t':>9} {'mem/im2col':>10} {'err vs im2col':>13}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['k']:>3} {r['case']:<12} {r['ms']:>9.2f} {r['median_ms']:>9.2f} "
                     f"{f(r['peak_mb'], '8.1f')} "
                     f"{f(r['speedup_vs_im2col'], '11.2f')} {f(r['speedup_vs_torch'], '10.2f')} "
                     f"{f(r['speedup_vs_torch-1t'], '9.2f')} "
                     f"{f(r['memory_vs_im2col'], '10.2f')} {r['max_rel_err_vs_im2col']:>13.1e}")
    lines.append("x vs im2col / torch / t-1t (torch on 1 thread): speed-up (their ms / this ms, "
                 "fastest steps); mem/im2col: peak MB ratio")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="k in {3, 9, 31}, few repetitions")
    ap.add_argument("--smoke", action="store_true",
                    help=f"tiny problem {SIZES['smoke']}, k = 3, one step: checks that every case "
                         f"runs (the test suite), measures nothing")
    ap.add_argument("--k", type=int, nargs="*", help="kernel sizes (default 3 5 9 15 31)")
    ap.add_argument("--cases", nargs="*", help="case names to run (default: all available)")
    ap.add_argument("--out", default=RESULTS)
    ap.add_argument("--blas-threads", type=int, default=1,
                    help="OPENBLAS_NUM_THREADS for every case, and freqnet's FFT threads "
                         "(default 1: on a loaded 2-core machine OpenBLAS's spinning threads turn "
                         "a 6 ms GEMM into 1.5 s; 0 leaves the environment and FFTs alone)")
    ap.add_argument("--worker", nargs=5, metavar=("CASE", "K", "REPS", "BUDGET", "THREADS"),
                    help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    sizes = "smoke" if args.smoke else "full"
    if args.worker:
        name, k, reps, budget, threads = args.worker
        if int(threads):
            backend.FFT_WORKERS = int(threads)
        backend.tune_host_allocator()            # every case: as freqnet's training entry points do
        print(json.dumps(measure(name, int(k), int(reps), float(budget), sizes)))
        return
    ks = args.k or ([3] if args.smoke else [3, 9, 31] if args.quick else [3, 5, 9, 15, 31])
    reps, budget = (1, 1.0) if args.smoke else (5, 3.0) if args.quick else (20, 10.0)
    cases = [c for c in CASES if c.available() and (not args.cases or c.name in args.cases)]
    if "im2col" not in [c.name for c in cases]:
        cases.append(next(c for c in CASES if c.name == "im2col"))   # the reference
    cases.sort(key=lambda c: c.name != "im2col")                      # reference first
    rows = run(ks, reps, budget, cases, args.blas_threads, sizes)
    add_ratios(rows)
    print(table(rows))
    info = {"machine": platform.platform(), "cpus": os.cpu_count(), "numpy": np.__version__,
            "torch": _torch_version(), "backend": backend.name, **SIZES[sizes], "dtype": "float32",
            "quick": args.quick, "smoke": args.smoke, "openblas_threads": args.blas_threads or "environment",
            "rows": rows}
    write_json(args.out, info)


def _torch_version():
    try:
        import torch
        return f"{torch.__version__} ({torch.get_num_threads()} threads)"
    except Exception:
        return None


if __name__ == "__main__":
    main()
