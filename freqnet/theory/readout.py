"""Claim 6: global average pooling and the dense layer on a spectrum, by
Parseval with the multiplicity weights d_k (paper §3.4; THEORY.md §7).

Uses freqnet's layers (nn.ToSpectrum2d, nn.GlobalAvgPool, nn.SpectralLinear)
against the spatial definitions written here.
"""
from ..gradcheck import gradcheck, GradcheckError
from .. import nn
from .common import np, tensor, on_device, host, rfft, rfft2, multiplicity
from .record import Measure, claim, relerr


def parseval_weighted(X, Y, shape):
    """<x, y> = (1/N) sum_{half spectrum} d_v Re(X conj(Y)) (THEORY.md §7a)."""
    return float((on_device(multiplicity(shape[-1])) * (X * Y.conj()).real).sum() / np.prod(shape))


def parseval_error(inner, rng, shapes=((33,), (32,), (5, 6), (6, 7))):
    """``inner(X, Y, shape)`` on half spectra against the spatial sum x.y."""
    errs = []
    for shape in shapes:
        x, y = rng.standard_normal(shape), rng.standard_normal(shape)
        spec = rfft if len(shape) == 1 else rfft2
        errs.append(relerr(inner(spec(x), spec(y), shape), float((x * y).sum())))
    return max(errs)


def spectrum_of(x):
    """freqnet's input layer: a tagged rfft2 half spectrum."""
    return nn.ToSpectrum2d()(tensor(x))


def gap_error(rng, shape=(3, 4, 5, 6)):
    x = rng.standard_normal(shape)
    return relerr(nn.GlobalAvgPool()(spectrum_of(x)).data, x.mean(axis=(2, 3)))


def dense_layer(c, h, w, j, rng):
    layer = nn.SpectralLinear(c, (h, w), j, dtype="float64")
    layer.weight.data = on_device(rng.standard_normal(layer.weight.shape))
    layer.bias.data = on_device(rng.standard_normal(j))
    return layer


def dense_error(rng, b=3, c=2, h=5, w=6, j=4):
    """SpectralLinear on the spectrum against x.flatten() @ A^T + b in space."""
    layer = dense_layer(c, h, w, j, rng)
    x = rng.standard_normal((b, c, h, w))
    want = x.reshape(b, -1) @ host(layer.weight).T + host(layer.bias)
    return relerr(layer(spectrum_of(x)).data, want)


def dense_gradcheck(rng, b=2, c=2, h=4, w=3, j=2):
    """freqnet.gradcheck of SpectralLinear with respect to the spatial input and A."""
    layer = dense_layer(c, h, w, j, rng)
    x = tensor(rng.standard_normal((b, c, h, w)), requires_grad=True)
    a = layer.weight
    try:
        gradcheck(lambda x, a: layer(nn.ToSpectrum2d()(x)), (x, a))   # a is layer.weight
    except GradcheckError:
        return float("inf")
    return 0.0


def sgd_step_error(rng, c=2, h=4, w=6, lr=0.1):
    """The optimisation caveat of THEORY.md §7c: a plain SGD step on A equals a step
    on V = d conj(rfft2 A)/N with the per-bin learning rate lr d/N."""
    a = rng.standard_normal((c, h, w))
    x = rng.standard_normal((c, h, w))
    g = 0.7                                    # dL/dout for one output
    d_over_n = on_device(multiplicity(w) / (h * w))
    v_of = lambda a: d_over_n * rfft2(a).conj()
    a_next = a - lr * g * x                    # grad_A = g x
    v_next = v_of(a) - lr * d_over_n * g * rfft2(x).conj()   # grad_V = g conj(X)
    return relerr(v_next, v_of(a_next))


@claim(6, "FC and GAP in the frequency domain", paper="§3.4", theory="§7", verdict="vague",
       truth="GAP = X[0,0]/HW; dense = Re sum V X + b with V = d_v conj(rfft2 A)/HW (Parseval "
             "with d_k weights), same cost as spatial")
def check_readout(ctx):
    rng = ctx.rng

    def unweighted(X, Y, shape):
        return float((X * Y.conj()).real.sum() / np.prod(shape))
    right = parseval_error(parseval_weighted, rng)
    wrong = parseval_error(unweighted, rng)
    ctx.say(f"Parseval on half spectra, inner products x.y: with d_k {right:.3g}, without d_k {wrong:.3g}")
    x = rng.standard_normal((8, 8))
    X = rfft2(x)
    energy, with_d, without_d = (x * x).sum(), parseval_weighted(X, X, x.shape), unweighted(X, X, x.shape)
    ctx.say(f"energy of an 8x8 map: sum x^2 = {energy:.10f}, with d_k {with_d:.10f}, without {without_d:.10f}")
    b = rng.standard_normal((2, 3, 4, 5))
    ctx.say("GAP of a (2, 3, 4, 5) map, spectral DC/HW:", np.round(host(nn.GlobalAvgPool()(spectrum_of(b)))[0], 12),
            " spatial mean:", np.round(b.mean(axis=(2, 3))[0], 12))
    return [
        Measure("Parseval (1/N) sum d Re(X conj Y) vs x.y (1D, 2D, odd/even)", right, 1e-13),
        Measure("nn.GlobalAvgPool (DC / HW) vs spatial mean", gap_error(rng), 1e-13),
        Measure("nn.SpectralLinear vs Linear on the flattened map", dense_error(rng), 1e-13),
        Measure("freqnet.gradcheck of SpectralLinear wrt input and A", dense_gradcheck(rng), 0.0, headline=False),
        Measure("SGD on A = SGD on V with lr d/N per bin", sgd_step_error(rng), 1e-13),
        Measure("WRONG: Parseval without the d_k weights", wrong, 0.1, "large"),
        Measure("WRONG: energy sum x^2 without d_k (8x8 map)", relerr(without_d, energy), 0.1, "large"),
    ]
