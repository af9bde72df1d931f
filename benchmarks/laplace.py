"""Benchmark: the real-arithmetic domains against their baselines, in one run.

* Laplace (Toom-Cook) convolution, ``LaplaceConv2d(padding="same", tile=m)``
  for m in {2, 4, 6} and k in {3, 5}, against a direct im2col convolution in
  NumPy (zero padding k//2, im2col + one GEMM; col2im one tap at a time for
  the input gradient), forward alone and forward + backward, spatial in and
  out.
* Hartley convolution, ``SpectralConv2d(domain="hartley")``, against its
  Fourier twin ``SpectralConv2d()``, spectrum in and out, forward + backward;
  and the same for the polynomial ReLU (spectral self-convolution, 16x16).

Every case runs in this one process, with the repetitions interleaved
(case A, B, C, A, B, C, ...) so that load from other processes falls on all
of them alike; ``ms`` is the fastest repetition, and the ratios (speed-up =
baseline ms / case ms) compare numbers measured in the same run. Each case's
output is checked against its baseline first (max |err| / max |y|).
Prints a table and writes benchmarks/results/laplace.json.

The freqnet cases run on the active backend (``FREQNET_BACKEND``; their
inputs are uploaded once, outside the timing, and every timed call ends
with a device synchronisation); im2col is NumPy on the host.

    python benchmarks/laplace.py             # B=32, C in {16, 64}, 32x32, 15 repetitions
    python benchmarks/laplace.py --quick     # C=16, 5 repetitions
    python benchmarks/laplace.py --smoke     # B=2, C=2, 8x8, 1 repetition: does every case run?
"""
import argparse
import os
import platform
import sys
import time
import warnings


def _threads_from_argv():
    for i, a in enumerate(sys.argv):
        if a == "--blas-threads" and i + 1 < len(sys.argv):
            return sys.argv[i + 1]
    return "1"


if _threads_from_argv() != "0":              # must be set before NumPy loads OpenBLAS
    os.environ["OPENBLAS_NUM_THREADS"] = _threads_from_argv()

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import freqnet  # noqa: E402
from freqnet import backend, nn  # noqa: E402
from freqnet.domains.hartley import maths as hartley  # noqa: E402
from freqnet.spectral import laplace  # noqa: E402
from _harness import rel_err, results_path, write_json  # noqa: E402

RESULTS = results_path("laplace")


def problem(batch, channels, size, k, seed=0):
    rng = np.random.default_rng(seed)
    shape = (batch, channels, size, size)
    bound = 1 / np.sqrt(channels * k * k)
    return {"x": rng.uniform(-1, 1, shape).astype(np.float32),
            "gy": rng.standard_normal(shape).astype(np.float32),
            "w": rng.uniform(-bound, bound, (channels, channels, k, k)).astype(np.float32),
            "b": rng.uniform(-bound, bound, channels).astype(np.float32), "k": k}


# -- cases: each returns (forward(), step()) where forward() gives the output -------------

def im2col_case(p):
    x, w, b, gy, k = p["x"], p["w"], p["b"], p["gy"], p["k"]
    pad = k // 2
    bsz, c, h, wd = x.shape
    wmat = w.reshape(w.shape[0], -1)

    def columns():
        xp = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
        win = np.lib.stride_tricks.sliding_window_view(xp, (k, k), axis=(2, 3))
        return np.ascontiguousarray(win.transpose(0, 2, 3, 1, 4, 5)).reshape(bsz * h * wd, -1)

    def forward():
        y = columns() @ wmat.T + b
        return np.ascontiguousarray(y.reshape(bsz, h, wd, -1).transpose(0, 3, 1, 2))

    def step():
        cols = columns()
        y = cols @ wmat.T + b                                      # forward
        g = np.ascontiguousarray(gy.transpose(0, 2, 3, 1)).reshape(bsz * h * wd, -1)
        gw, gb = g.T @ cols, g.sum(axis=0)
        gcols = (g @ wmat).reshape(bsz, h, wd, c, k, k)
        gxp = np.zeros((bsz, h + 2 * pad, wd + 2 * pad, c), np.float32)
        for i in range(k):                                          # col2im, one tap at a time
            for j in range(k):
                gxp[:, i:i + h, j:j + wd] += gcols[..., i, j]
        return y, gw, gb, gxp[:, pad:pad + h, pad:pad + wd]
    return forward, step


def laplace_case(tile):
    def make(p):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", laplace.IllConditionedPointsWarning)   # F(6, 5)
            layer = nn.LaplaceConv2d(p["x"].shape[1], p["w"].shape[0], p["k"], padding="same",
                                     tile=tile)
        layer.load_state_dict({"weight": p["w"], "bias": p["b"]})
        x = freqnet.tensor(p["x"], requires_grad=True)
        gy = freqnet.tensor(p["gy"])

        def forward():
            with freqnet.no_grad():
                return layer(x).numpy()

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).backward(gy)
        return forward, step
    return make


def spectral_case(domain):
    def make(p):
        layer = nn.SpectralConv2d(p["x"].shape[1], p["w"].shape[0], p["k"], domain=domain)
        layer.load_state_dict({"weight": p["w"], "bias": p["b"]})
        x = nn.ToSpectrum(domain=domain)(freqnet.tensor(p["x"])).detach()
        x.requires_grad = True
        to_space = nn.ToSpatial()
        g = _spectral_gradient(p["gy"], domain)

        def forward():
            with freqnet.no_grad():
                return to_space(layer(x)).numpy()

        def step():
            x.grad = None
            layer.zero_grad()
            layer(x).backward(g)
        return forward, step
    return make


def poly_relu_case(domain):
    """ReLU(mode="poly", degree 2, r=3) on a spectrum: a spectral self-convolution."""
    def make(p):
        act = nn.ReLU(mode="poly", r=3.0, domain=domain)
        x = nn.ToSpectrum(domain=domain)(freqnet.tensor(p["x"])).detach()
        x.requires_grad = True
        g = _spectral_gradient(p["gy"], domain)

        def forward():
            with freqnet.no_grad():
                return nn.ToSpatial()(act(x)).numpy()

        def step():
            x.grad = None
            act(x).backward(g)
        return forward, step
    return make


def _spectral_gradient(gy, domain):
    """The gradient of the output spectrum for the spatial gradient gy (THEORY §0),
    a Tensor on the active backend."""
    n = gy.shape[-1] * gy.shape[-2]
    if domain == "hartley":
        return freqnet.tensor(hartley.dht(freqnet.tensor(gy).data, 2) / np.float32(n))
    d = np.full(gy.shape[-1] // 2 + 1, 2.0, np.float32)
    d[0] = 1
    if gy.shape[-1] % 2 == 0:
        d[-1] = 1
    return freqnet.tensor((np.fft.rfft2(gy) * d / n).astype(np.complex64))


# -- measurement ---------------------------------------------------------------------------

def interleaved(functions, reps):
    """Fastest and median ms of each function, repetitions interleaved."""
    for f in functions.values():
        f()                                                          # warm up
    backend.synchronize()
    times = {name: [] for name in functions}
    for _ in range(reps):
        for name, f in functions.items():
            t0 = time.perf_counter()
            f()
            backend.synchronize()                                    # device work is asynchronous
            times[name].append(1e3 * (time.perf_counter() - t0))
    return {name: (min(t), float(np.median(t))) for name, t in times.items()}


def run_group(title, p, cases, baseline, reps, kinds):
    """Time ``cases`` (name -> maker) against ``baseline`` for ``kinds`` ("forward", "step")."""
    made = {name: make(p) for name, make in cases.items()}
    ref = made[baseline][0]()
    rows = []
    errors = {name: rel_err(fs[0](), ref) for name, fs in made.items()}
    for kind in kinds:
        index = 0 if kind == "forward" else 1
        timing = interleaved({name: fs[index] for name, fs in made.items()}, reps)
        base = timing[baseline][0]
        for name, (best, median) in timing.items():
            rows.append({"group": title, "case": name, "pass": kind, "ms": best,
                         "median_ms": median, "speedup_vs_" + baseline: base / best,
                         "baseline": baseline, "max_rel_err_vs_baseline": errors[name]})
    return rows


def table(rows):
    head = (f"{'group':<26} {'pass':<8} {'case':<12} {'ms':>8} {'median':>8} "
            f"{'x vs base':>9} {'err vs base':>11}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['group']:<26} {r['pass']:<8} {r['case']:<12} {r['ms']:>8.2f} "
                     f"{r['median_ms']:>8.2f} {r['speedup_vs_' + r['baseline']]:>9.2f} "
                     f"{r['max_rel_err_vs_baseline']:>11.1e}")
    lines.append("x vs base: speed-up over the group's baseline (its fastest ms / this fastest ms), "
                 "same run, repetitions interleaved")
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="C=16 only, 5 repetitions")
    ap.add_argument("--smoke", action="store_true",
                    help="B=2, C=2, 8x8, 1 repetition: checks that every case runs (the test "
                         "suite), measures nothing")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--channels", type=int, nargs="*", help="channel counts (default 16 64)")
    ap.add_argument("--reps", type=int, help="repetitions (default 15, quick 5)")
    ap.add_argument("--blas-threads", default="1",
                    help="OPENBLAS_NUM_THREADS (default 1, as benchmarks/conv.py; 0: leave it)")
    ap.add_argument("--hartley-only", action="store_true", help="only the Hartley vs Fourier rows")
    ap.add_argument("--out", default=RESULTS)
    args = ap.parse_args(argv)
    if args.smoke:
        args.batch, args.size = 2, 8
    channels = args.channels or ([2] if args.smoke else [16] if args.quick else [16, 64])
    reps = args.reps or (1 if args.smoke else 5 if args.quick else 15)
    poly_size = min(16, args.size)

    rows = []
    for c in channels:
        for k in () if args.hartley_only else (3, 5):
            p = problem(args.batch, c, args.size, k)
            title = f"C={c} {args.size}x{args.size} k={k}"
            cases = {"im2col": im2col_case}
            cases.update({f"laplace-m{m}": laplace_case(m) for m in (2, 4, 6)})
            rows += run_group(title, p, cases, "im2col", reps, ("forward", "step"))
            print(f"  done {title} (Laplace)", file=sys.stderr)
        p = problem(args.batch, c, args.size, 3)
        rows += run_group(f"C={c} {args.size}x{args.size} k=3", p,
                          {"fourier": spectral_case("fourier"), "hartley": spectral_case("hartley")},
                          "fourier", reps, ("step",))
        p = problem(args.batch, c, poly_size, 3)
        rows += run_group(f"C={c} {poly_size}x{poly_size} poly ReLU", p,
                          {"fourier": poly_relu_case("fourier"), "hartley": poly_relu_case("hartley")},
                          "fourier", reps, ("step",))
        print(f"  done C={c} (Hartley)", file=sys.stderr)
    print(table(rows))
    info = {"machine": platform.platform(), "cpus": os.cpu_count(), "numpy": np.__version__,
            "backend": backend.name, "smoke": args.smoke,
            "openblas_threads": os.environ.get("OPENBLAS_NUM_THREADS", "environment"),
            "batch": args.batch, "size": args.size, "dtype": "float32", "reps": reps, "rows": rows}
    write_json(args.out, info)


if __name__ == "__main__":
    main()
