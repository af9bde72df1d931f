"""Claim 11: the real-arithmetic global transform the paper was after is the
discrete Hartley transform, whose convolution theorem mixes bins k and -k
(paper §1 "complex numbers not programming friendly", §4; THEORY.md §9c(ii)).

Uses freqnet's Hartley maths (freqnet.domains.hartley.maths: dht by matrices, by
FFT and by the radix-2 fast Hartley transform; convolve, correlate and the
adjoint) against the cas-sum definition and spatial index sums written here.
The contrast "separable cas x cas in 2D" is built with freqnet.fft.
"""
from .. import fft as ffn
from ..domains.hartley import maths as H
from .common import np, tensor, on_device, circular_convolution, circular_correlation
from .record import Measure, claim, relerr


def dht_definition(x):
    """H[k] = sum_n x[n] cas(2 pi k n / N), cas = cos + sin, as a matrix product."""
    n = len(x)
    angle = 2 * np.pi * np.outer(np.arange(n), np.arange(n)) / n
    return (np.cos(angle) + np.sin(angle)) @ x


def dht_by_fft(x, axes=(-1,)):
    """Re X - Im X with freqnet's complex FFT over ``axes``."""
    X = ffn.fftn(tensor(x.astype(complex)), axes=axes).data
    return X.real - X.imag


def separable_dht(x):
    """cas(2 pi k u/H) cas(2 pi l v/W), one axis at a time: NOT the 2D DHT."""
    return dht_by_fft(dht_by_fft(x, (0,)), (1,))


def circular_convolution_2d(x, y):
    """(x (*) y)[a, b] = sum_{i,j} x[i, j] y[(a-i) mod H, (b-j) mod W], by shifts."""
    out = np.zeros_like(x)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            out += x[i, j] * np.roll(y, shift=(i, j), axis=(0, 1))
    return out


def convolution_error(n, rng, product=H.convolve):
    """``product(DHT x, DHT y)`` inverted, against the index-sum circular convolution."""
    x, y = rng.standard_normal(n), rng.standard_normal(n)
    return relerr(H.idht(product(H.dht(on_device(x)), H.dht(on_device(y)))), circular_convolution(x, y))


def backward_error(n, rng, eps=1e-3):
    """grad_x of L = <g, corr(x, w)> through the Hartley domain,
    DHT(correlate_adjoint_input(DHT(g)/N, W)), against central finite differences."""
    x, w, g = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    eye = np.eye(n)
    loss = lambda xs: np.array([g @ circular_correlation(v, w) for v in xs])  # noqa: E731
    fd = (loss(x + eps * eye) - loss(x - eps * eye)) / (2 * eps)
    grad = H.dht(H.correlate_adjoint_input(H.dht(on_device(g)) / n, H.dht(on_device(w))))
    return relerr(grad, fd)


@claim(11, "a real domain avoids complex numbers", paper="§1, §4", theory="§9c(ii)",
       verdict="incomplete",
       truth="the DHT is real and self-inverse; conv theorem Z = Xe Y + Xo Y[-k] (not a plain "
             "product); same cost as rfft; non-linearity unchanged")
def check_hartley(ctx):
    rng = ctx.rng
    x16, x17 = rng.standard_normal(16), rng.standard_normal(17)
    definition = max(relerr(H.dht(on_device(x), method=m), dht_definition(x))
                     for x in (x16, x17) for m in ("matrix", "fft"))
    fht = relerr(H.dht(on_device(x16), method="fht"), dht_definition(x16))
    inverse = max(relerr(H.idht(H.dht(on_device(x))), x) for x in (x16, x17))
    conv = max(convolution_error(n, rng) for n in (16, 17))
    xs, ws = rng.standard_normal(17), rng.standard_normal(17)
    corr = relerr(H.idht(H.correlate(H.dht(on_device(xs)), H.dht(on_device(ws)))),
                  circular_correlation(xs, ws))
    x2, y2 = rng.standard_normal((6, 7)), rng.standard_normal((6, 7))
    want2 = circular_convolution_2d(x2, y2)
    conv2 = relerr(H.idht(H.convolve(H.dht(on_device(x2), 2), H.dht(on_device(y2), 2), 2), 2), want2)
    wrong_product = convolution_error(16, rng, product=lambda a, b: a * b)
    wrong_separable = relerr(H.idht(H.convolve(separable_dht(x2), separable_dht(y2), 2), 2), want2)
    x32 = rng.standard_normal(1024)
    fp32 = relerr(H.dht(on_device(x32.astype(np.float32))), H.dht(on_device(x32)))
    ctx.say(f"DHT conv theorem: 1D {conv:.3g}, 2D {conv2:.3g}; as a plain product {wrong_product:.3g}; "
            f"with the separable cas x cas transform in 2D {wrong_separable:.3g}")
    return [
        Measure("freqnet DHT (matrix, fft) vs sum x cas(2 pi kn/N)", definition, 1e-13),
        Measure("freqnet fast Hartley transform (N = 16) vs definition", fht, 1e-13),
        Measure("freqnet DHT = Re X - Im X of freqnet.fft", relerr(H.dht(on_device(x17)), dht_by_fft(x17)), 1e-13),
        Measure("self-inverse: DHT(DHT x)/N = x", inverse, 1e-14),
        Measure("convolve: Xe Y_H + Xo Y_H[-k] vs index sum (N = 16, 17)", conv, 1e-13),
        Measure("correlate: We X - Wo X[-k] vs index sum", corr, 1e-13),
        Measure("2D true DHT conv theorem with (-k,-l), 6x7", conv2, 1e-13),
        Measure("backward through the Hartley domain vs finite differences", backward_error(12, rng), 1e-8),
        Measure("fp32 DHT (matrix method, N = 1024) vs fp64", fp32, 2e-6),
        Measure("WRONG: plain product X_H Y_H as the DHT of x (*) y", wrong_product, 0.1, "large"),
        Measure("WRONG: separable cas x cas transform in 2D", wrong_separable, 0.1, "large"),
    ]
