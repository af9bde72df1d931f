"""Claim 11: the real-arithmetic global transform the paper was after is the
discrete Hartley transform, whose convolution theorem mixes bins k and -k
(paper §1 "complex numbers not programming friendly", §4; THEORY.md §9c(ii)).

The DHT here is computed with freqnet.fft: H = Re X - Im X (1D), and the
true 2D DHT cas(2 pi (ku/H + lv/W)) = Re F2 - Im F2.
"""
from .. import fft as ffn
from .common import np, tensor, circular_convolution, circular_correlation
from .record import Measure, claim, relerr


def dht(x, axes=(-1,)):
    """DHT over ``axes`` via freqnet's complex FFT: Re X - Im X (real in, real out)."""
    X = ffn.fftn(tensor(x.astype(complex)), axes=axes).data
    return X.real - X.imag


def dht_definition(x):
    """H[k] = sum_n x[n] cas(2 pi k n / N), cas = cos + sin, as a matrix product."""
    n = len(x)
    angle = 2 * np.pi * np.outer(np.arange(n), np.arange(n)) / n
    return (np.cos(angle) + np.sin(angle)) @ x


def reverse(h, axes=(-1,)):
    """h[-k] (mod N) on every axis in ``axes``."""
    for ax in axes:
        n = h.shape[ax]
        h = np.take(h, (-np.arange(n)) % n, axis=ax)
    return h


def hartley_convolve(xh, yh, axes=(-1,)):
    """Z_H = Xe Y_H + Xo Y_H[-k], Xe/Xo = (X_H[k] +- X_H[-k])/2: the DHT of x (*) y."""
    xr = reverse(xh, axes)
    return 0.5 * (xh + xr) * yh + 0.5 * (xh - xr) * reverse(yh, axes)


def hartley_correlate(xh, yh, axes=(-1,)):
    """Xe Y_H - Xo Y_H[-k]: the DHT of the correlation c[n] = sum_m x[m] y[(m - n) mod N]
    ... i.e. of y correlated against x (the backward of a Hartley convolution)."""
    xr = reverse(xh, axes)
    return 0.5 * (xh + xr) * yh - 0.5 * (xh - xr) * reverse(yh, axes)


def idht(h, axes=(-1,)):
    """The DHT is its own inverse up to 1/N."""
    n = np.prod([h.shape[a] for a in axes])
    return dht(h, axes) / n


def circular_convolution_2d(x, y):
    """(x (*) y)[a, b] = sum_{i,j} x[i, j] y[(a-i) mod H, (b-j) mod W], by shifts."""
    h, w = x.shape
    out = np.zeros_like(x)
    for i in range(h):
        for j in range(w):
            out += x[i, j] * np.roll(y, shift=(i, j), axis=(0, 1))
    return out


def separable_dht(x):
    """cas(2 pi k u/H) cas(2 pi l v/W) applied axis by axis: NOT the 2D DHT."""
    return dht(dht(x, (0,)).T, (0,)).T


def backward_error(n, rng, eps=1e-3):
    """grad_x of L = <g, x (*) y> by the Hartley rule idht(Ye G_H - Yo G_H[-k])
    against central finite differences of L (spatial index sum)."""
    x, y, g = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    eye = np.eye(n)
    loss = lambda xs: np.array([g @ circular_convolution(v, y) for v in xs])
    fd = (loss(x + eps * eye) - loss(x - eps * eye)) / (2 * eps)
    return relerr(idht(hartley_correlate(dht(y), dht(g))), fd)


@claim(11, "a real domain avoids complex numbers", paper="§1, §4", theory="§9c(ii)",
       verdict="incomplete",
       truth="the DHT is real and self-inverse; conv theorem Z = Xe Y + Xo Y[-k] (not a plain "
             "product); same cost as rfft; non-linearity unchanged")
def check_hartley(ctx):
    rng = ctx.rng
    sizes = (16, 17)
    xs = {n: rng.standard_normal(n) for n in sizes}
    ys = {n: rng.standard_normal(n) for n in sizes}
    defn = max(relerr(dht(xs[n]), dht_definition(xs[n])) for n in sizes)
    inverse = max(relerr(idht(dht(xs[n])), xs[n]) for n in sizes)
    conv = max(relerr(idht(hartley_convolve(dht(xs[n]), dht(ys[n]))), circular_convolution(xs[n], ys[n]))
               for n in sizes)
    corr = max(relerr(idht(hartley_correlate(dht(ys[n]), dht(xs[n]))), circular_correlation(xs[n], ys[n]))
               for n in sizes)
    x2, y2 = rng.standard_normal((6, 7)), rng.standard_normal((6, 7))
    conv2 = relerr(idht(hartley_convolve(dht(x2, (0, 1)), dht(y2, (0, 1)), (0, 1)), (0, 1)),
                   circular_convolution_2d(x2, y2))
    wrong_product = relerr(idht(dht(xs[16]) * dht(ys[16])), circular_convolution(xs[16], ys[16]))
    wrong_separable = relerr(idht(hartley_convolve(separable_dht(x2), separable_dht(y2), (0, 1)), (0, 1)),
                             circular_convolution_2d(x2, y2))
    x32 = rng.standard_normal(1024)
    fp32 = relerr(ffn.fft(tensor(x32).astype("complex64")).data.real
                  - ffn.fft(tensor(x32).astype("complex64")).data.imag, dht(x32))
    ctx.say(f"1D DHT conv theorem {conv:.3g}; 2D {conv2:.3g}; plain product {wrong_product:.3g}; "
            f"separable cas*cas in 2D {wrong_separable:.3g}")
    return [
        Measure("DHT = Re X - Im X vs sum x cas(2 pi kn/N)", defn, 1e-13),
        Measure("self-inverse: DHT(DHT x)/N = x", inverse, 1e-14),
        Measure("conv: Xe Y_H + Xo Y_H[-k] vs index sum (N = 16, 17)", conv, 1e-13),
        Measure("corr: Xe Y_H - Xo Y_H[-k] vs index sum", corr, 1e-13),
        Measure("2D DHT conv theorem with (-k,-l), 6x7", conv2, 1e-13),
        Measure("backward: grad_x by the Hartley rule vs finite differences", backward_error(12, rng), 1e-8),
        Measure("fp32 DHT (N = 1024) vs fp64", fp32, 1e-6),
        Measure("WRONG: plain product X_H Y_H as the DHT of x (*) y", wrong_product, 0.1, "large"),
        Measure("WRONG: separable cas x cas transform in 2D", wrong_separable, 0.1, "large"),
    ]
