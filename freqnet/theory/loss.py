"""Claim 7: binary cross-entropy "in the frequency domain" (paper §3.5,
Eq. 26-32; THEORY.md §8).

BCE is a scalar function of a scalar logit, so there is nothing to transform;
what a frequency network needs is a logit computed from a spectrum (the
Parseval readout of THEORY.md §7) and, for per-pixel outputs, a quadratic
loss, whose spectral form is exact.
"""
from ..gradcheck import gradcheck, GradcheckError
from .. import fft as ffn
from ..ops import sigmoid, log
from .common import np, special, tensor, on_device, rfft, multiplicity
from .record import Measure, claim, relerr


def bce_definition(z, y):
    """-[y log p + (1-y) log(1-p)], p = sigma(z), with freqnet ops on a Tensor z."""
    p = sigmoid(z)
    return -(tensor(y) * log(p) + tensor(1 - y) * log(1 - p))


def bce_stable(z, y):
    """max(z, 0) - y z + log1p(e^{-|z|}) = softplus(z) - y z (THEORY.md §8a)."""
    return np.maximum(z, 0) - y * z + np.log1p(np.exp(-np.abs(z)))


def bce_gradient_error(rng, n=64):
    """freqnet autograd of the defining formula against dL/dz = sigma(z) - y."""
    z0 = rng.uniform(-6, 6, n)
    z = tensor(z0, requires_grad=True)
    y = (rng.uniform(size=n) > 0.5).astype(float)
    bce_definition(z, y).sum().backward()
    return relerr(z.grad.data, special.expit(z0) - y)


def parseval_readout(X, V, b):
    """z = Re(sum_{c,u,v} V X) + b (THEORY.md §7a), Tensors X (C,H,M) and V (C,H,M)."""
    return (X * V).real.sum() + b


def readout_weights(a):
    """V = d_v conj(rfft2(A)) / (H W) for a spatial dense weight A (C, H, W)."""
    h, w = a.shape[-2:]
    return on_device(multiplicity(w)) * ffn.rfft2(tensor(a)).data.conj() / (h * w)


def readout_errors(rng, shape=(2, 5, 6)):
    """Spectral logit vs the spatial one, and the spatial-input gradient of
    BCE(readout(rfft2 x)) by freqnet autograd against (sigma(z) - y) A."""
    x = rng.standard_normal(shape)
    a = rng.standard_normal(shape)
    b, y = 0.3, 1.0
    xt = tensor(x, requires_grad=True)
    z = parseval_readout(ffn.rfft2(xt), tensor(readout_weights(a)), b)
    z_ref = float((a * x).sum() + b)
    bce_definition(z, np.array(y)).sum().backward()
    return relerr(z.data, z_ref), relerr(xt.grad.data, (special.expit(z_ref) - y) * a)


def readout_gradcheck(rng, shape=(2, 3, 4)):
    """freqnet.gradcheck of BCE(readout) with respect to the spectrum X and the complex V."""
    x = rng.standard_normal(shape)
    X = tensor(ffn.rfft2(tensor(x)).data, requires_grad=True)
    V = tensor(readout_weights(rng.standard_normal(shape)), requires_grad=True)
    try:
        gradcheck(lambda X, V: bce_definition(parseval_readout(X, V, 0.1), np.array(0.0)), (X, V))
    except GradcheckError:
        return float("inf")
    return 0.0


def mse_parseval_error(rng, n=33):
    """sum_n (z - t)^2 = (1/N) sum_k d_k |Z_k - T_k|^2 (per-pixel quadratic loss)."""
    z, t = rng.standard_normal(n), rng.standard_normal(n)
    spectral = (on_device(multiplicity(n)) * abs(rfft(z) - rfft(t)) ** 2).sum() / n
    return relerr(spectral, ((z - t) ** 2).sum())


def exponential_series_error(z, terms):
    """The paper's route: log(1 + e^{-z}) = sum_{n>=1} (-1)^{n+1} e^{-nz}/n, truncated.
    Converges only for z > 0 (at z = 0 slowly)."""
    n = np.arange(1, terms + 1)
    partial = ((-1.0) ** (n + 1) * np.exp(-n * z) / n).sum()
    return relerr(partial, np.log1p(np.exp(-z)))


@claim(7, "BCE in the frequency domain", paper="§3.5, Eq. 26-32", theory="§8", verdict="vague",
       truth="BCE is scalar: L = softplus(z) - y z, dL/dz = sigma(z) - y; z from the Parseval "
             "readout; only quadratic losses have spectral forms")
def check_bce(ctx):
    rng = ctx.rng
    z = np.linspace(-30, 30, 121)
    y = (np.arange(z.size) % 2).astype(float)
    defn = -(y * np.log(special.expit(z)) + (1 - y) * np.log(special.expit(-z)))
    logit_err, grad_err = readout_errors(rng)
    ctx.say(f"log(1+e^-z) series, 60 terms: z=2 -> {exponential_series_error(2.0, 60):.3g}, "
            f"z=-0.5 -> {exponential_series_error(-0.5, 60):.3g}")
    return [
        Measure("softplus(z) - y z vs the definition, |z| <= 30",
                relerr(bce_stable(z, y), defn), 1e-14),
        Measure("freqnet autograd dL/dz vs sigma(z) - y", bce_gradient_error(rng), 1e-13),
        Measure("Parseval readout Re(sum V X) + b vs spatial logit", logit_err, 1e-13),
        Measure("grad_x of BCE(readout(rfft2 x)) vs (sigma(z) - y) A", grad_err, 1e-12),
        Measure("freqnet.gradcheck of BCE(readout) wrt X and complex V", readout_gradcheck(rng), 0.0, headline=False),
        Measure("MSE via Parseval: (1/N) sum d |Z - T|^2", mse_parseval_error(rng), 1e-13),
        Measure("exponential series of log(1+e^-z), z = 2, 60 terms", exponential_series_error(2.0, 60), 1e-14),
        Measure("WRONG: the same series at z = -0.5 (diverges)", exponential_series_error(-0.5, 60), 1.0, "large"),
    ]
