"""Figures for ``python -m freqnet.theory --plots DIR`` and the tutorial
(matplotlib, Agg backend; PNG files). Each figure is computed with the same
freqnet helpers as the checks, never drawn from stored numbers; freqnet's
results come to the host for drawing by an explicit transfer (``host``).
"""
import os

import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from .common import np, host, on_device, rfft, irfft, rfft2, special, quad  # noqa: E402
from .. import backend  # noqa: E402
from . import convolution, pooling, toom_cook, activation_cost  # noqa: E402
from ..domains.fourier import maths as fourier  # noqa: E402
from ..spectral import polynomial  # noqa: E402


def _save(fig, out_dir, name):
    path = os.path.join(out_dir, name)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return path


def spectrum(out_dir, x, title="a signal and its rfft spectrum", name="spectrum.png"):
    """|X_k| and the phase of a real signal's half spectrum."""
    X = host(rfft(x))
    fig, ax = plt.subplots(1, 2, figsize=(9, 3))
    ax[0].plot(x, ".-")
    ax[0].set_title("x[n]")
    ax[1].stem(np.abs(X))
    ax[1].set_title("|X_k|, k = 0..N/2 (rfft half spectrum)")
    fig.suptitle(title)
    return _save(fig, out_dir, name)


def spectrum2d(out_dir, img, name="spectrum2d.png"):
    """An image and log10 |X| of its rfft2 half spectrum (rows shifted so u = 0 is centred)."""
    S = np.fft.fftshift(np.abs(host(rfft2(img))), axes=0)
    fig, ax = plt.subplots(1, 2, figsize=(8, 3.6))
    ax[0].imshow(img, cmap="gray")
    ax[0].set_title("image")
    h = img.shape[0]
    ax[1].imshow(np.log10(S + 1e-12), aspect="auto", extent=(-0.5, S.shape[1] - 0.5, h // 2 - 0.5, -h // 2 - 0.5))
    ax[1].set_xlabel("v (0..W/2)")
    ax[1].set_ylabel("u (centred)")
    ax[1].set_title("log10 |rfft2|")
    return _save(fig, out_dir, name)


def kernel_spectrum(out_dir, kernel, shape, name="tutorial2_kernel_spectrum.png"):
    """A K x K kernel placed on an H x W map at (i - K//2) mod H, and |rfft2| of it."""
    placed = host(fourier.place_kernel(on_device(np.asarray(kernel, dtype=float)), shape))
    fig, ax = plt.subplots(1, 2, figsize=(8, 3.4))
    ax[0].imshow(placed, cmap="RdBu")
    ax[0].set_title(f"{kernel.shape[0]}x{kernel.shape[1]} kernel placed on {shape[0]}x{shape[1]}")
    ax[1].imshow(np.fft.fftshift(np.abs(host(rfft2(placed))), axes=0), aspect="auto")
    ax[1].set_title("|What| = |rfft2(Wpad)| (smooth: few taps)")
    return _save(fig, out_dir, name)


def wraparound(out_dir, n=32, k=9, seed=0):
    """Claim 1: linear convolution, with and without zero padding."""
    rng = np.random.default_rng(seed)
    x, h = rng.standard_normal(n), rng.standard_normal(k)
    want = np.convolve(x, h)
    length = convolution.padded_length(n, k)
    padded = host(irfft(rfft(x, n=length) * rfft(h, n=length), length))[: n + k - 1]
    wrapped = host(irfft(rfft(x) * rfft(h, n=n), n))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(want, "k-", lw=3, alpha=0.4, label="direct linear convolution")
    ax.plot(padded, "b.", label=f"FFT length {length} >= N+K-1")
    ax.plot(wrapped, "r x", label=f"FFT length N = {n}: first K-1 wrap around")
    ax.axvspan(-0.5, k - 1.5, color="r", alpha=0.08)
    ax.set_xlabel("output index n")
    ax.set_ylabel("(x * h)[n]")
    ax.legend(fontsize=8)
    ax.set_title("circular vs linear convolution (THEORY.md §1)")
    return _save(fig, out_dir, "claim1_wraparound.png")


def gradients(out_dir, n=16, seed=0):
    """Claim 2: input gradient of <g, x (*) w> by finite differences, conj(W) and (i omega)."""
    rng = np.random.default_rng(seed)
    x, w, g = rng.standard_normal(n), rng.standard_normal(n), rng.standard_normal(n)
    eye, eps = np.eye(n), 1e-3
    loss = lambda xs: np.array([g @ convolution.circular_convolution(v, w) for v in xs])  # noqa: E731
    fd = (loss(x + eps * eye) - loss(x - eps * eye)) / (2 * eps)
    omega = 2 * np.pi * np.arange(n // 2 + 1) / n
    G, W = host(rfft(g)), host(rfft(w))
    right = host(irfft(G * np.conj(W), n))
    wrong = host(irfft(1j * omega * W * G, n))
    fig, ax = plt.subplots(figsize=(8, 3.2))
    ax.plot(fd, "k-", lw=3, alpha=0.4, label="finite differences")
    ax.plot(right, "b.", label="G conj(W)  (correlation)")
    ax.plot(wrong, "r x", label="paper: (i omega) W G")
    ax.set_xlabel("input index n")
    ax.set_ylabel("dL/dx[n]")
    ax.legend(fontsize=8)
    ax.set_title("gradient of a convolution w.r.t. its input (THEORY.md §2)")
    return _save(fig, out_dir, "claim2_gradients.png")


def sigmoid_transform(out_dir):
    """Claim 3: Im F[sigma] = -pi csch(pi w) next to the Heaviside -1/w, and int sigma = R."""
    w = np.linspace(0.05, 3, 300)
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    ax[0].plot(w, -np.pi / np.sinh(np.pi * w), label="Im F[sigma] = -pi csch(pi w)")
    ax[0].plot(w, -1 / w, "--", label="Im F[H] = -1/w")
    ax[0].set_ylim(-6, 0.2)
    ax[0].set_xlabel("w")
    ax[0].set_ylabel("imaginary part of the transform")
    ax[0].legend(fontsize=8)
    ax[0].set_title("plus pi delta(w) at w = 0 (both)")
    r = np.array([1, 3, 10, 30, 100, 300, 1000.0])
    ax[1].loglog(r, [quad(special.expit, -v, v) for v in r], "o-")
    ax[1].set_xlabel("R")
    ax[1].set_ylabel("integral")
    ax[1].set_title("int_{-R}^{R} sigma = R: not integrable")
    return _save(fig, out_dir, "claim3_sigmoid_transform.png")


def dirichlet_kernel(out_dir, n=48, s=4):
    """Claim 5: the discrete pooling kernel (Dirichlet) against the continuous sinc."""
    q = np.arange(n // 2 + 1)
    dirichlet = np.abs(host(fourier.dirichlet(n, s, backend.xp, "complex128", half=True)))
    sinc = np.abs(np.sinc(q * s / n))
    fig, ax = plt.subplots(figsize=(7, 3.2))
    ax.plot(q, dirichlet, "o-", label=f"|Dirichlet| (box of {s}, N = {n})")
    ax.plot(q, sinc, "--", label="|sinc(w s/2)| (continuous)")
    ax.axvline(n / (2 * s), color="k", lw=0.8, ls=":", label="pooled Nyquist")
    ax.legend(fontsize=8)
    ax.set_xlabel("bin q")
    ax.set_ylabel("filter magnitude")
    ax.set_title("average pooling's filter (THEORY.md §6)")
    return _save(fig, out_dir, "claim5_dirichlet.png")


def aliasing(out_dir):
    """Claim 5: how much a cosine above the pooled Nyquist leaks after pooling."""
    leaks = pooling.aliasing()
    fig, ax = plt.subplots(figsize=(5, 3.2))
    names = list(leaks)
    ax.bar(names, [max(leaks[k], 1e-17) for k in names], label="leaked amplitude (floor 1e-17)")
    ax.set_yscale("log")
    ax.set_xlabel("pooling")
    ax.set_ylabel("alias amplitude")
    ax.legend(fontsize=7)
    for i, k in enumerate(names):
        ax.text(i, max(leaks[k], 1e-17), f"{leaks[k]:.2g}", ha="center", va="bottom")
    ax.set_title(f"alias of cos at k = N/s+1 (N={pooling.ALIAS_N}, s={pooling.ALIAS_S})")
    return _save(fig, out_dir, "claim5_aliasing.png")


def toom_cook_error(out_dir, quick=False, seed=0):
    """Claim 10: whole-signal real-point convolution error vs size, and tiles' fp32 error vs cond."""
    rng = np.random.default_rng(seed)
    sizes = (2, 4, 6, 8, 12) if quick else (2, 4, 6, 8, 10, 12, 16, 20, 24, 32)
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.6))
    for name, fam in toom_cook.FAMILIES.items():
        errs = [min(toom_cook.whole_signal_error(n, fam, rng)[0], 1e300) for n in sizes]
        ax[0].semilogy(sizes, np.maximum(errs, 1e-17), "o-", label=name)
    ax[0].set_ylim(1e-17, 1e60)
    ax[0].set_xlabel("sequence length n (2n-1 points)")
    ax[0].set_ylabel("relative error (float64)")
    ax[0].legend(fontsize=7)
    ax[0].set_title("whole signal through real points")
    tiles = 300 if quick else 3000
    for (m, pts), marker in zip(toom_cook.TILE_CASES, "osD^v<>"):
        e32, cond = toom_cook.tiled_error(m, pts, np.float32, tiles, rng)
        label = toom_cook.laplace.format_points(toom_cook.laplace.check_points(pts, m + 2))
        ax[1].loglog(cond, e32, marker, label=f"F({m},3) {label}")    # legend, not crowded labels
    c = np.array([2, 3000.0])
    ax[1].loglog(c, c * np.finfo(np.float32).eps, "k:", label="cond(V) eps32")
    ax[1].legend(fontsize=6, loc="upper left")
    ax[1].set_xlabel("cond(V)")
    ax[1].set_ylabel("fp32 relative error")
    ax[1].set_title("Toom-Cook tiles (THEORY.md §9)")
    return _save(fig, out_dir, "claim10_toom_cook.png")


def polynomial_fits(out_dir, r=4.0):
    """Claim 12: least-squares ReLU and sigmoid polynomials on [-r, r] and their error."""
    x = np.linspace(-r, r, 401)
    fig, ax = plt.subplots(1, 2, figsize=(10, 3.4))
    for name, f in (("relu", np.maximum(x, 0)), ("sigmoid", special.expit(x))):
        for deg in (2, 4):
            a = polynomial.least_squares_fit(name, r, deg)
            p = sum(c * x ** j for j, c in enumerate(a))
            ax[0].plot(x, p, label=f"{name} deg {deg}")
            ax[1].semilogy(x, np.abs(p - f) + 1e-17, label=f"{name} deg {deg}")
        ax[0].plot(x, f, "k", lw=2, alpha=0.3, label=f"{name} (exact)")
    ax[0].legend(fontsize=7)
    ax[0].set_xlabel("x")
    ax[0].set_ylabel("p(x)")
    ax[0].set_title(f"least-squares polynomials on [-{r:g}, {r:g}]")
    ax[1].legend(fontsize=7)
    ax[1].set_xlabel("x")
    ax[1].set_ylabel("|p(x) - f(x)|")
    ax[1].set_title("fit error")
    return _save(fig, out_dir, "claim12_polynomial_fits.png")


def activation_cost_plot(out_dir):
    """Claim 12: flops of the spectral squaring against an FFT round trip."""
    n = 2.0 ** np.arange(4, 15)
    direct, trip = activation_cost.flops(n)
    fig, ax = plt.subplots(figsize=(6, 3.4))
    ax.loglog(n, direct, "o-", label="spectral self-convolution ~4 N^2")
    ax.loglog(n, trip, "s-", label="irfft -> f -> rfft ~5 N log2 N")
    ax.set_xlabel("pixels per map N")
    ax.set_ylabel("real flops per map")
    ax.legend(fontsize=8)
    ax.set_title("cost of one polynomial squaring (THEORY.md §5, §11)")
    return _save(fig, out_dir, "claim12_cost.png")


#: claim number -> figure writers
FIGURES = {1: (wraparound,), 2: (gradients,), 3: (sigmoid_transform,),
           5: (dirichlet_kernel, aliasing), 10: (toom_cook_error,),
           12: (polynomial_fits, activation_cost_plot)}


def write_plots(records, out_dir, quick=False):
    """Write the figures of the claims in ``records``; returns the paths."""
    from ..writable import check_writable_dir
    check_writable_dir(out_dir, "--plots")
    paths = []
    for rec in records:
        for fn in FIGURES.get(rec.number, ()):
            paths.append(fn(out_dir, quick=quick) if fn is toom_cook_error else fn(out_dir))
    return paths
