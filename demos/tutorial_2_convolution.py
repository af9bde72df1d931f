"""Tutorial step 2: convolution as a product (docs/tutorial.md; THEORY.md §1, §9c).

The convolution theorem on the grid is about *circular* convolution; linear
convolution needs zero padding; a CNN layer is a cross-correlation, i.e. a
product with conj(W). Then the two real-arithmetic routes: Toom-Cook tiles
(the seed's "Laplace at real p") and the Hartley transform.

    python demos/tutorial_2_convolution.py [--out figures] [--quick]
"""
import numpy as np

from _tutorial import Step

import freqnet
from freqnet import nn
from freqnet.domains.hartley import maths as hartley
from freqnet.spectral import laplace
from freqnet.theory import convolution, plots, toom_cook
from freqnet.theory.common import host, on_device, rfft, irfft, circular_convolution


def main(argv=None):
    step = Step("Step 2: convolution as a product", argv)
    rng = np.random.default_rng(0)

    step.section("circular convolution theorem: DFT(x (*) h) = X H, any N")
    for n in (16, 17):
        x, h = rng.standard_normal(n), rng.standard_normal(n)
        step.check(f"irfft(rfft x * rfft h) vs sum_m x[m] h[(n-m) mod N], N={n}",
                   np.abs(host(irfft(rfft(x) * rfft(h), n)) - circular_convolution(x, h)).max()
                   / np.abs(circular_convolution(x, h)).max(), 1e-13)

    step.section("linear convolution needs zero padding to N+K-1 (the paper never says so)")
    step.check("padded to next_fast_len(N+K-1) vs numpy.convolve",
               convolution.linear_convolution_error(32, 9, rng, convolution.padded_length), 1e-13)
    step.check("WRONG: FFT length N, first K-1 outputs wrap around",
               convolution.linear_convolution_error(32, 9, rng, lambda n, k: n, head=8), 0.1, "large")
    step.figure(plots.wraparound(step.out))

    step.section("a CNN layer: y = sum_c X conj(What) + b HW delta, kernel placed at (i-K//2) mod H")
    layer = nn.SpectralConv2d(3, 4, 3, dtype="float64")
    x = rng.standard_normal((2, 3, 6, 7))
    y = nn.ToSpatial2d()(layer(nn.ToSpectrum2d()(freqnet.tensor(x, dtype="float64")))).numpy()
    ref = convolution.spatial_conv2d(x, layer.weight.numpy(), layer.bias.numpy())
    step.check("nn.SpectralConv2d vs circular cross-correlation written with np.roll",
               np.abs(y - ref).max() / np.abs(ref).max(), 1e-12)
    b, c, o, h, w, k = 32, 64, 64, 32, 32, 3
    spectral_flops = 8 * b * c * o * h * (w // 2 + 1)
    direct_flops = 2 * b * c * o * h * w * k * k
    print(f"   cost, B={b} C={c}->{o} {h}x{w} K={k}: spectral product {spectral_flops / 1e9:.2f} GFLOP, "
          f"direct {direct_flops / 1e9:.2f} GFLOP; spectral weights take "
          f"{2 * h * (w // 2 + 1) / k ** 2:.0f}x the memory of 3x3 kernels")
    step.figure(plots.kernel_spectrum(step.out, layer.weight.numpy()[0, 0], (h, w)))

    step.section("real arithmetic 1: Toom-Cook tiles = the z-transform at real points (THEORY §9c(i))")
    tiles = 300 if step.quick else 3000
    for m, pts in toom_cook.TILE_CASES:
        e32, cond = toom_cook.tiled_error(m, pts, np.float32, tiles, rng)
        label = laplace.format_points(laplace.check_points(pts, m + 2))
        print(f"   F({m},3) points {label:<34s} cond(V) {cond:8.3g}  fp32 error {e32:.2g}")
    e64, _ = toom_cook.tiled_error(4, toom_cook.TILE_CASES[1][1], np.float64, tiles, rng)
    step.check("F(4,3) tiles in float64 vs long double", e64, 1e-13)
    bad, _ = toom_cook.whole_signal_error(16, laplace.power_points, rng)
    low, high = laplace.condition_bounds(laplace.power_points(31))
    print(f"   one whole signal of 16 through 31 real points: {low:.2g} <= cond(V) <= {high:.2g} "
          f"(exact arithmetic; float64 cannot estimate it past 1/eps = "
          f"{1 / np.finfo(np.float64).eps:.2g})")
    step.check("WRONG: whole-signal real-point convolution, n = 16", bad, 1.0, "large")
    step.figure(plots.toom_cook_error(step.out, quick=step.quick))

    step.section("real arithmetic 2: the Hartley transform (THEORY §9c(ii))")
    x, y2 = rng.standard_normal(16), rng.standard_normal(16)
    want = circular_convolution(x, y2)
    hx, hy = hartley.dht(on_device(x)), hartley.dht(on_device(y2))
    got = host(hartley.idht(hartley.convolve(hx, hy)))
    step.check("DHT: Z = Xe Y + Xo Y[-k] vs circular convolution", np.abs(got - want).max() / np.abs(want).max(), 1e-13)
    plain = host(hartley.idht(hx * hy))
    step.check("WRONG: DHT plain product", np.abs(plain - want).max() / np.abs(want).max(), 0.1, "large")
    print("   no complex numbers, the same cost as an rfft, and the activation problem is unchanged")
    return step.finish()


if __name__ == "__main__":
    raise SystemExit(main())
