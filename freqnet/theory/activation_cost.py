"""Claim 12: what an all-frequency activation costs. The paper's transforms of
sigmoid/ReLU are not layers (claims 3-4); the activation an all-frequency
engine can run is a polynomial evaluated on the spectrum by self-convolution,
exact but O(N^2) per map against O(N log N) for an FFT round trip
(paper §1, §3.2, §5; THEORY.md §4c, §5, §11).

Uses freqnet's polynomial maths (freqnet.domains.fourier.products), its
activation layers (nn.ReLU mode="poly"/"exact") and the profiler.
"""
import time

from ..domains.common import PolynomialActivation
from ..domains.fourier import products
from ..spectral import polynomial
from ..gradcheck import gradcheck, GradcheckError
from ..profiler import profile
from .. import nn
from .common import np, tensor, host, rfft2
from .record import Measure, claim, relerr


def polynomial_spectrum_error(coefficients, shape, rng):
    """polynomial_forward on rfft2(x) against rfft2(p(x)) computed in space."""
    x = rng.standard_normal(shape)
    y, _ = products.polynomial_forward(rfft2(x), coefficients, shape[-2:])
    px = sum(a * x ** j for j, a in enumerate(coefficients))
    return relerr(y, rfft2(px))


def polynomial_gradcheck(rng, shape=(1, 2, 4, 5)):
    """freqnet.gradcheck of the spectral polynomial activation (cubic)."""
    X = tensor(rfft2(rng.standard_normal(shape)), requires_grad=True)
    coeffs = (0.1, 0.5, 0.3, -0.2)
    try:
        gradcheck(lambda X: PolynomialActivation(products)(X, coeffs, shape[-2:]), (X,))
    except GradcheckError:
        return float("inf")
    return 0.0


def relu_fit_error(r):
    """freqnet's least-squares ReLU fits against the closed forms of THEORY.md §4c:
    degree 2: 3r/32 + x/2 + 15x^2/(32r); degree 4: 15r/256 + x/2 + 105x^2/(128r) - 105x^4/(256r^3)."""
    deg2 = [3 * r / 32, 0.5, 15 / (32 * r)]
    deg4 = [15 * r / 256, 0.5, 105 / (128 * r), 0.0, -105 / (256 * r ** 3)]
    return max(relerr(polynomial.least_squares_fit("relu", r, 2), deg2),
               relerr(polynomial.least_squares_fit("relu", r, 4), deg4))


def bound_violations(trials, rng, shape=(8, 9)):
    """How often max|x| exceeds the spectral bound r = (1/N) sum d |X| (must be never)."""
    x = rng.standard_normal((trials,) + shape) * rng.uniform(0.1, 10, (trials, 1, 1))
    r = host(products.spectral_bound(rfft2(x), shape))
    return int((np.abs(x).max(axis=(1, 2)) > r * (1 + 1e-12)).sum())


def transform_counts(x):
    """Inverse transforms per forward pass of ReLU in exact and poly mode (profiler)."""
    out = {}
    for mode in ("exact", "poly"):
        layer = nn.ReLU(mode=mode, degree=2, r=4.0) if mode == "poly" else nn.ReLU(mode=mode)
        with profile() as prof:
            layer(x)
        out[mode] = prof.transform_count("inverse")
    return out


def flops(n):
    """Real flops per map (THEORY.md §5, §11): a spectral squaring is N x N/2 complex
    multiply-adds at 8 flops ~ 4 N^2; the round trip is two real FFTs ~ 5 N log2 N + N."""
    return 4.0 * n * n, 5.0 * n * np.log2(n) + n


def timing(x, repeats):
    """Seconds per call of ReLU poly (degree 2) and exact (round trip) on spectrum ``x``."""
    out = {}
    for mode in ("poly", "exact"):
        layer = nn.ReLU(mode=mode, degree=2, r=4.0) if mode == "poly" else nn.ReLU(mode=mode)
        layer(x)
        t0 = time.perf_counter()
        for _ in range(repeats):
            layer(x)
        out[mode] = (time.perf_counter() - t0) / repeats
    return out


@claim(12, "complete frequency computation (activations)", paper="§1, §3.2, §5", theory="§5, §11",
       verdict="incomplete",
       truth="no exact spectral sigma/ReLU; polynomial via spectral self-conv is exact but "
             "~4N^2/map vs 5N log2 N round trip (25x flops at N=256)")
def check_activation_cost(ctx):
    rng = ctx.rng
    poly_err = max(polynomial_spectrum_error(c, s, rng) for c, s in (
        ((0.1, 0.5, 0.3), (2, 3, 6, 7)), ((0.2, -0.4, 0.3, 0.05), (1, 2, 8, 8)),
        ((0.0, 0.5, 0.8, 0.0, -0.4), (1, 1, 5, 4))))
    spec = nn.ToSpectrum2d()(tensor(rng.standard_normal((2, 3, 8, 8))))
    counts = transform_counts(spec)
    ratios = {n: flops(n)[0] / flops(n)[1] for n in (256, 1024, 4096)}
    big = nn.ToSpectrum2d()(tensor(rng.standard_normal((4, 8, 16, 16))))
    secs = timing(big, 2 if ctx.quick else 10)
    ctx.data["flop_ratio"] = ratios
    ctx.data["timing"] = secs
    ctx.say("flops per map, direct spectral squaring / FFT round trip: "
            + ", ".join(f"N={n}: {r:.0f}x" for n, r in ratios.items()))
    ctx.say(f"measured on a (4, 8, 16x16) spectrum, N=256: poly {secs['poly'] * 1e3:.2f} ms, "
            f"round trip {secs['exact'] * 1e3:.2f} ms, ratio {secs['poly'] / secs['exact']:.1f}x")
    sig2 = polynomial.least_squares_fit("sigmoid", 2.0, 2)
    return [
        Measure("spectral polynomial (deg 2-4) vs rfft2(p(x)) in space", poly_err, 1e-12),
        Measure("freqnet.gradcheck of the spectral cubic activation", polynomial_gradcheck(rng), 0.0, headline=False),
        Measure("least-squares ReLU fits vs closed forms (r = 1, 4)", max(relu_fit_error(1.0), relu_fit_error(4.0)), 1e-12),
        Measure("sigmoid deg-2 fit: a2 (odd symmetry: a quadratic is linear)", abs(sig2[2]), 1e-14),
        Measure("spectral bound r >= max|x|: violations in 300 maps", bound_violations(300, rng), 0, headline=False),
        Measure("inverse transforms per ReLU call, poly mode", counts["poly"], 0, headline=False),
        Measure("inverse transforms per ReLU call, exact mode (round trip)", abs(counts["exact"] - 1), 0, headline=False),
        Measure("WRONG: 'spectral activation is cheap': flop ratio at N=256", ratios[256], 10.0, "large"),
    ]
