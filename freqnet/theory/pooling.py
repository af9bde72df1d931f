"""Claim 5: average pooling = Dirichlet multiply + fold, with the aliasing
measured (paper Theorem 3.6; THEORY.md §6).

Uses freqnet's own pooling maths (freqnet.domains.fourier.maths: dirichlet,
avg_pool, spectral_crop) on rfft half spectra and compares it with the
spatial definition (window means) written here.
"""
from ..domains.fourier import maths as fourier
from .. import backend
from .common import np, on_device, rfft, irfft, rfft2, irfft2
from .record import Measure, claim, relerr

#: The aliasing experiment of THEORY.md §6: length 48, stride 4, a cosine at k = N/s + 1.
ALIAS_N, ALIAS_S = 48, 4


def dirichlet_closed_form(n, s):
    """conj(B_s)[q] = (1/s) e^{i pi q (s-1)/n} sin(pi q s/n) / sin(pi q/n), 1 at q = 0."""
    q = np.arange(n // 2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        b = np.exp(1j * np.pi * q * (s - 1) / n) * np.sin(np.pi * q * s / n) / (s * np.sin(np.pi * q / n))
    b[0] = 1.0
    return b


def dirichlet_errors(n, s):
    """freqnet's Dirichlet factor against the closed form and against conj(rfft(box))."""
    box = np.zeros(n)
    box[:s] = 1.0 / s
    ours = fourier.dirichlet(n, s, backend.xp, "complex128", half=True)
    return max(relerr(ours, dirichlet_closed_form(n, s)), relerr(ours, rfft(box).conj()))


def window_means(x, s):
    """The spatial definition: mean over non-overlapping s (x s) windows of the last axes."""
    if x.ndim == 1:
        return x.reshape(-1, s).mean(axis=1)
    b, c, h, w = x.shape
    return x.reshape(b, c, h // s, s, w // s, s).mean(axis=(3, 5))


def avg_pool_1d(x, s):
    """Pool on the rfft spectrum (Dirichlet x fold), back to space for comparison."""
    n = x.shape[-1]
    return irfft(fourier.avg_pool(rfft(x), (n,), s), n // s)


def avg_pool_2d(x, s):
    h, w = x.shape[-2:]
    return irfft2(fourier.avg_pool(rfft2(x), (h, w), s), (h // s, w // s))


def sinc_pool_1d(x, s):
    """The paper's picture: multiply by the continuous sinc sin(wT/2)/(wT/2) (with the box's
    phase), then fold. Wrong: the discrete box has a Dirichlet kernel, not a sinc."""
    n = x.shape[-1]
    q = np.arange(n // 2 + 1)
    half_angle = np.pi * q * s / n
    sinc = np.exp(1j * np.pi * q * (s - 1) / n) * np.sinc(half_angle / np.pi)
    return irfft(fourier.fold(rfft(x) * on_device(sinc), (n,), s), n // s)


def leak(pooled, n_out):
    """Amplitude of the aliased cosine at bin 1 of the pooled length-n_out signal."""
    return 2 * abs(complex(rfft(pooled)[1])) / n_out


def aliasing(n=ALIAS_N, s=ALIAS_S):
    """A unit cosine at k = N/s + 1 (above the pooled Nyquist) folds onto bin 1.
    Returns its leaked amplitude under average pooling, plain subsampling and
    spectral pooling (the low-pass crop)."""
    k = n // s + 1
    x = np.cos(2 * np.pi * k * np.arange(n) / n)
    crop = irfft(fourier.spectral_crop(rfft(x), (n,), (n // s,)), n // s)
    return {"average": leak(avg_pool_1d(x, s), n // s),
            "subsample": leak(x[::s], n // s),
            "spectral": leak(crop, n // s)}


def bandlimited_crop_error(n, s, rng):
    """Spectral pooling of a signal band-limited below the pooled Nyquist equals x[::s]."""
    X = np.zeros(n // 2 + 1, dtype=complex)
    keep = n // (2 * s)
    X[:keep] = rng.standard_normal(keep) + 1j * rng.standard_normal(keep)
    X[0] = X[0].real
    x = irfft(X, n)
    crop = irfft(fourier.spectral_crop(on_device(X), (n,), (n // s,)), n // s)
    return relerr(crop, x[::s])


@claim(5, "average pooling = sinc multiplication", paper="Thm 3.6, §3.3", theory="§6",
       verdict="incomplete",
       truth="pool = Dirichlet (periodic sinc) multiply + fold (aliasing); not pointwise; "
             "leak 0.086 avg / 1.0 subsample / 0 spectral")
def check_pooling(ctx):
    rng = ctx.rng
    dir_err = max(dirichlet_errors(n, s) for n, s in ((12, 2), (15, 3), (48, 4)))
    p1 = max(relerr(avg_pool_1d(x, s), window_means(x, s))
             for x, s in ((rng.standard_normal(12), 2), (rng.standard_normal(15), 3), (rng.standard_normal(48), 4)))
    x2 = rng.standard_normal((2, 3, 6, 9))
    x2b = rng.standard_normal((1, 2, 8, 8))
    p2 = max(relerr(avg_pool_2d(x2, 3), window_means(x2, 3)), relerr(avg_pool_2d(x2b, 2), window_means(x2b, 2)))
    leaks = aliasing()
    n, s = ALIAS_N, ALIAS_S
    k = n // s + 1
    expected_leak = abs(dirichlet_closed_form(n, s)[k])
    ctx.data["aliasing"] = leaks
    ctx.say(f"cosine at k = {k} (N = {n}, stride {s}) leaks into pooled bin 1 with amplitude:")
    for name, v in leaks.items():
        ctx.say(f"  {name:<10s} {v:.3g}")
    xs = np.cos(2 * np.pi * 18 * np.arange(48) / 48)     # high frequency, where sinc and Dirichlet differ
    return [
        Measure("Dirichlet factor vs closed form and conj(rfft(box))", dir_err, 1e-14),
        Measure("1D avg pool on rfft (Dirichlet x fold) vs window means", p1, 1e-13),
        Measure("2D avg pool on rfft2 vs window means (B=2, C=3, 6x9, s=3)", p2, 1e-13),
        Measure("avg-pool leak vs |B_s(k)| = sin(4 pi/N)/(4 sin(pi/4 + pi/N))",
                relerr(leaks["average"], expected_leak), 1e-12),
        Measure("subsampling leak is total: |leak - 1|", abs(leaks["subsample"] - 1), 1e-12),
        Measure("spectral-pooling leak", leaks["spectral"], 1e-13),
        Measure("spectral pooling of band-limited x vs x[::s]", bandlimited_crop_error(48, 4, rng), 1e-13),
        Measure("WRONG: continuous sinc for the Dirichlet kernel (cos, q=18)",
                relerr(sinc_pool_1d(xs, 4), window_means(xs, 4)), 0.1, "large"),
    ]
