"""Cost of activations on spectra: polynomial by spectral self-convolution
(THEORY.md §5, no transform) against the exact FFT round trip
(irfft2 -> pointwise -> rfft2), forward and forward+backward, same run.

    python3 benchmarks/activation.py [--quick]
    python3 benchmarks/activation.py --smoke   # 2x2x8x8, one repeat: does every case run?

The layers run on the active backend (``FREQNET_BACKEND``): the input
spectrum is uploaded once, outside the timing, and each timed call ends
with a device synchronisation.

Prints a table (ms per call, best of repeats, and the poly/exact ratio)
and writes benchmarks/results/activation.json.
"""
import argparse
import os
import platform
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import freqnet  # noqa: E402
from freqnet import nn  # noqa: E402
from freqnet.tensor import Tensor  # noqa: E402
from _harness import results_path, write_json  # noqa: E402


def _best_ms(fn, repeats):
    fn()                                            # warm-up (plans, caches)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        freqnet.backend.synchronize()               # device work is asynchronous
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)           # best of: the machine is shared


def _case(batch, channels, shape, dtype, repeats):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((batch, channels) + shape).astype(dtype)
    axes = tuple(range(-len(shape), 0))
    spectrum = freqnet.tensor(np.fft.rfftn(x, axes=axes).astype(np.result_type(dtype, np.complex64))).data
    layers = {
        "exact": nn.ReLU(mode="exact"),
        "poly2": nn.ReLU(mode="poly", degree=2, r=4.0),
        "poly4": nn.ReLU(mode="poly", degree=4, r=4.0),
    }
    row = {"batch": batch, "channels": channels, "shape": list(shape), "dtype": dtype}
    for name, layer in layers.items():
        def forward(layer=layer):
            with freqnet.no_grad():
                layer(Tensor(spectrum).as_spectrum("fourier", shape))

        def train_step(layer=layer):
            X = Tensor(spectrum, requires_grad=True).as_spectrum("fourier", shape)
            layer(X).backward(Tensor(spectrum))

        row[f"{name}_fwd_ms"] = _best_ms(forward, repeats)
        row[f"{name}_fwd_bwd_ms"] = _best_ms(train_step, repeats)
    for name in ("poly2", "poly4"):
        row[f"{name}_over_exact_fwd"] = row[f"{name}_fwd_ms"] / row["exact_fwd_ms"]
        row[f"{name}_over_exact_fwd_bwd"] = row[f"{name}_fwd_bwd_ms"] / row["exact_fwd_bwd_ms"]
    return row


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer sizes and repeats")
    parser.add_argument("--smoke", action="store_true",
                        help="batch 2, 2 channels, 8x8, one repeat: checks that every case runs "
                             "(the test suite), measures nothing")
    parser.add_argument("--out", default=results_path("activation"))
    args = parser.parse_args(argv)
    if args.smoke:
        shapes, repeats, (batch, channels) = [(8, 8)], 1, (2, 2)
    else:
        shapes = [(8, 8), (16, 16), (256,)] if args.quick else [(8, 8), (16, 16), (32, 32),
                                                                 (256,), (1024,)]
        repeats, (batch, channels) = (3 if args.quick else 5), (8, 16)
    rows = [_case(batch, channels, shape, "float32", repeats) for shape in shapes]
    header = (f"{'B x C x shape':<16} {'exact f':>8} {'poly2 f':>8} {'poly4 f':>8} "
              f"{'exact fb':>9} {'poly2 fb':>9} {'poly4 fb':>9} {'p2/ex fb':>9} {'p4/ex fb':>9}")
    print("ReLU on rfft spectra, float32, ms per call (best of repeats); f = forward, "
          "fb = forward+backward")
    print(header)
    for r in rows:
        label = f"{r['batch']}x{r['channels']}x" + "x".join(map(str, r["shape"]))
        print(f"{label:<16} "
              f"{r['exact_fwd_ms']:>8.2f} {r['poly2_fwd_ms']:>8.2f} {r['poly4_fwd_ms']:>8.2f} "
              f"{r['exact_fwd_bwd_ms']:>9.2f} {r['poly2_fwd_bwd_ms']:>9.2f} "
              f"{r['poly4_fwd_bwd_ms']:>9.2f} {r['poly2_over_exact_fwd_bwd']:>8.1f}x "
              f"{r['poly4_over_exact_fwd_bwd']:>8.1f}x")
    write_json(args.out, {"machine": platform.platform(), "cpus": os.cpu_count(),
                          "backend": freqnet.backend.name, "rows": rows}, indent=2)


if __name__ == "__main__":
    main()
