"""Training-step time of the pure-spectral networks against the exact ones
(THEORY.md §5b, §11), measured in the same run: the MNIST-1D (1x40) and
MNIST (1x28x28) models of demos/train_pure_spectral.py, one Adam step on a
batch of 64 random inputs, the two models' steps alternating; and the
polynomial activation alone (the full grid, the band a spectral pooling
keeps) against the exact round trip (irfft, GELU, rfft), forward+backward.

    python3 benchmarks/pure_spectral.py [--steps 10] [--threads 1]
    python3 benchmarks/pure_spectral.py --smoke    # width 2, 2 steps: does every case run?

Runs on the active backend (``FREQNET_BACKEND``); each timed step ends
with a device synchronisation. BLAS runs on ``--threads`` threads (default
1, as benchmarks/train.py: benchmarks/_threads.py says why). Prints a table (median ms per step) with the
load average of the machine, and writes benchmarks/results/pure_spectral.json.
"""
import argparse
import os
import platform
import sys
import time

from _threads import THREADS  # noqa: E402  (first: before NumPy is imported)

import numpy as np  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
sys.path.insert(0, os.path.join(HERE, "..", "demos"))
import freqnet  # noqa: E402
from freqnet import backend, nn  # noqa: E402
from freqnet.experiment import _config  # noqa: E402
from freqnet.tensor import Tensor  # noqa: E402
from _harness import results_path, write_json  # noqa: E402
from train_pure_spectral import DEFAULTS, EXACT, MNIST, median_step_seconds  # noqa: E402

CASES = {"mnist1d": ((1, 40), {}), "mnist": ((1, 28, 28), MNIST)}


def model_steps(steps, width=None):
    """Rows (case, pure ms, exact ms) of one training step of each network."""
    rows = []
    rng = np.random.default_rng(0)
    for dataset, (shape, extra) in CASES.items():
        pure = {**DEFAULTS, **extra, "dataset": dataset}
        if width is not None:
            pure["width"] = width
        exact = {**pure, **EXACT}
        x = freqnet.tensor(rng.standard_normal((64,) + shape).astype(np.float32))
        y = freqnet.tensor(rng.integers(0, 10, 64))
        t_pure, t_exact = median_step_seconds([_config(pure), _config(exact)], x, y, steps)
        rows.append({"case": f"{dataset} training step", "pure_ms": 1e3 * t_pure,
                     "exact_ms": 1e3 * t_exact})
    return rows


def activation_rows(steps, channels):
    """Rows of the activation alone (forward + backward) on 2D maps."""
    rows = []
    rng = np.random.default_rng(1)
    for shape in ((32, 32), (16, 16)):
        x = rng.standard_normal((64, channels) + shape).astype(np.float32)
        spectrum = freqnet.tensor(np.fft.rfftn(x, axes=(-2, -1)).astype(np.complex64)).data
        keep = nn.SpectralPool(factor=2).kept_modes(shape)
        layers = {"exact": nn.GELU(mode="exact"),
                  "full grid": nn.BandPolynomial(channels, "gelu", 2, 3.0),
                  "pooled band": nn.BandPolynomial(channels, "gelu", 2, 3.0, modes_out=keep)}
        times = {}
        for name, layer in layers.items():
            def run(layer=layer):
                X = Tensor(spectrum, requires_grad=True).as_spectrum("fourier", shape)
                t0 = time.perf_counter()
                layer(X).backward(Tensor(spectrum))
                backend.synchronize()
                return time.perf_counter() - t0
            run()
            times[name] = 1e3 * sorted(run() for _ in range(steps))[steps // 2]
        for name in ("full grid", "pooled band"):
            rows.append({"case": f"activation {shape[0]}x{shape[1]} x{channels}: poly, {name}",
                         "pure_ms": times[name], "exact_ms": times["exact"]})
    return rows


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--steps", type=int, default=10, help="timed steps per case (median)")
    p.add_argument("--smoke", action="store_true", help="width 2, 2 steps, 2 channels")
    p.add_argument("--out", default=results_path("pure_spectral"), help="the JSON record")
    p.add_argument("--threads", type=int, default=1, help="BLAS threads (read before numpy loads)")
    args = p.parse_args()
    steps = 2 if args.smoke else args.steps
    load_before = os.getloadavg()
    rows = model_steps(steps, width=2 if args.smoke else None)
    rows += activation_rows(steps, 2 if args.smoke else 16)
    for r in rows:
        r["ratio"] = r["pure_ms"] / r["exact_ms"]
    load = os.getloadavg()
    print(f"backend {backend.name}, {THREADS} BLAS thread(s); load average (1, 5, 15 min) {load_before[0]:.2f} "
          f"{load_before[1]:.2f} {load_before[2]:.2f} before, {load[0]:.2f} {load[1]:.2f} "
          f"{load[2]:.2f} after the run")
    print(f"{'case':<44} {'pure ms':>9} {'exact ms':>9} {'pure/exact':>10}")
    for r in rows:
        print(f"{r['case']:<44} {r['pure_ms']:>9.2f} {r['exact_ms']:>9.2f} {r['ratio']:>10.2f}")
    write_json(args.out, {"backend": backend.name, "load_average_before": list(load_before),
                          "load_average_after": list(load), "steps": steps, "smoke": args.smoke,
                          "threads": THREADS,
                          "machine": platform.platform(), "rows": rows})


if __name__ == "__main__":
    main()
