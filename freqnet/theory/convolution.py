"""Claims 1 and 2: the convolution theorem and back-propagation through a
convolution (paper Theorem 3.1, Theorem 3.2, Appendix A.2; THEORY.md §0-§2).

The verifier functions take the formula under test as an argument, so the
test suite can hand them a wrong formula and see them fail.
"""
from ..gradcheck import gradcheck, GradcheckError
from .. import fft as ffn
from .common import (np, special, tensor, on_device, host, rfft, irfft, multiplicity,
                     circular_convolution, quad, fourier_quad)
from .record import Measure, claim, relerr


# -- claim 1 ---------------------------------------------------------------

def gaussian_exponential_convolution(x):
    """(f*g)(x) for f = e^{-x^2}, g = e^{-x} H(x): (sqrt(pi)/2) e^{1/4-x} erfc(1/2-x)."""
    return 0.5 * np.sqrt(np.pi) * np.exp(0.25 - x) * special.erfc(0.5 - x)


def continuous_theorem_error(freqs):
    """F[f*g](w) by quadrature against F(w) G(w) = sqrt(pi) e^{-w^2/4} / (1 + iw)."""
    got = np.array([fourier_quad(gaussian_exponential_convolution, -12.0, 45.0, w) for w in freqs])
    want = np.sqrt(np.pi) * np.exp(-np.asarray(freqs) ** 2 / 4) / (1 + 1j * np.asarray(freqs))
    return relerr(got, want), got, want


def convolution_closed_form_error(points):
    """The closed form of f*g against the defining integral int_0^inf g(t) f(x-t) dt."""
    got = np.array([quad(lambda t, x=x: np.exp(-t - (x - t) ** 2), 0.0, np.inf) for x in points])
    return relerr(gaussian_exponential_convolution(np.asarray(points)), got)


def circular_error(n, k, rng):
    """DFT(x (*) h) = X H: freqnet's rfft product against the index-sum definition."""
    x = rng.standard_normal(n)
    h = np.zeros(n)
    h[:k] = rng.standard_normal(k)
    y = irfft(rfft(x) * rfft(h), n)
    return relerr(y, circular_convolution(x, h))


def linear_convolution_error(n, k, rng, padded_length, head=None):
    """Linear convolution of lengths n and k by FFTs of length ``padded_length(n, k)``,
    against the direct sum (numpy.convolve), over the first ``head`` outputs
    (default: all that the FFT length holds). Correct: any L >= n + k - 1."""
    x = rng.standard_normal(n)
    h = rng.standard_normal(k)
    length = padded_length(n, k)
    full = irfft(rfft(x, n=length) * rfft(h, n=length), length)
    want = np.convolve(x, h)
    m = min(length, len(want)) if head is None else head
    return relerr(full[:m], want[:m])


def padded_length(n, k):
    """The correct FFT length for linear convolution (THEORY.md §1c)."""
    from .. import backend
    return backend.next_fast_len(n + k - 1)


def valid_correlation_error(n, k, rng):
    """'valid' correlation = first n-k+1 outputs of the size-n circular correlation."""
    x = rng.standard_normal(n)
    h = rng.standard_normal(k)
    y = irfft(rfft(x) * rfft(h, n=n).conj(), n)[: n - k + 1]
    return relerr(y, np.correlate(x, h, mode="valid"))


def spectral_conv2d(x, w, bias):
    """THEORY.md §1c forward on spectra: Y = sum_c X conj(What) + b H W delta."""
    b_, c, h, wd = x.shape
    k = w.shape[-1]
    wpad = np.zeros(w.shape[:2] + (h, wd))
    rows = (np.arange(k) - k // 2) % h
    cols = (np.arange(k) - k // 2) % wd
    wpad[:, :, rows[:, None], cols[None, :]] = w
    X = ffn.rfft2(tensor(x))
    What = ffn.rfft2(tensor(wpad))
    Y = (X.reshape(b_, 1, c, h, wd // 2 + 1) * What.conj().reshape((1,) + What.shape)).sum(axis=2)
    dc = np.zeros(Y.shape, dtype=complex)
    dc[:, :, 0, 0] = bias * h * wd
    return ffn.irfft2(Y + tensor(dc), s=(h, wd)).data


def spatial_conv2d(x, w, bias):
    """Circular cross-correlation, 'same' K x K kernel, written with index shifts."""
    k = w.shape[-1]
    out = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:])
    for p in range(k):
        for q in range(k):
            shifted = np.roll(x, shift=(-(p - k // 2), -(q - k // 2)), axis=(2, 3))
            out += np.einsum("bchw,oc->bohw", shifted, w[:, :, p, q])
    return out + bias[None, :, None, None]


@claim(1, "convolution theorem", paper="Thm 3.1", theory="§1", verdict="right",
       truth="F[f*g] = F.G pointwise (not a dot product); DFT product = circular conv; "
             "linear needs zero-pad to N+K-1")
def check_convolution_theorem(ctx):
    rng = ctx.rng
    freqs = [0.0, 1.0, 3.0] if ctx.quick else [0.0, 0.5, 1.0, 2.0, 3.0, 5.0]
    cont, got, want = continuous_theorem_error(freqs)
    ctx.say("continuous: F[f*g](w) by quadrature vs F(w)G(w), f = e^{-x^2}, g = e^{-x}H(x)")
    for w, a, b in zip(freqs, got, want):
        ctx.say(f"  w={w:4.1f}  quad={a:.12f}  F*G={b:.12f}")
    circ = max(circular_error(n, 5, rng) for n in (37, 64))
    lin = max(linear_convolution_error(n, k, rng, padded_length) for n, k in ((37, 5), (64, 9)))
    wrap = linear_convolution_error(32, 9, rng, lambda n, k: n, head=8)
    valid = max(valid_correlation_error(n, 5, rng) for n in (37, 64))
    x = rng.standard_normal((2, 3, 6, 7))
    w = rng.standard_normal((4, 3, 3, 3))
    b = rng.standard_normal(4)
    conv2d = relerr(spectral_conv2d(x, w, b), spatial_conv2d(x, w, b))
    ctx.say(f"wrap-around: FFT length N instead of N+K-1 corrupts the first K-1 outputs: {wrap:.3g}")
    return [
        Measure("closed form of f*g vs its defining integral",
                convolution_closed_form_error([-2.0, 0.0, 1.5]), 1e-10),
        Measure("continuous theorem, quadrature vs F.G", cont, 1e-9),
        Measure("circular conv: irfft(rfft x . rfft h) vs index sum", circ, 1e-13),
        Measure("linear conv, zero-padded to L >= N+K-1 vs direct", lin, 1e-13),
        Measure("'valid' correlation, no padding needed", valid, 1e-13),
        Measure("2D multi-channel sum_c X conj(What) + bias vs spatial", conv2d, 1e-12),
        Measure("WRONG: linear conv with L = N, first K-1 outputs (wrap)", wrap, 0.1, "large"),
    ]


# -- claim 2 ---------------------------------------------------------------

def conj_rule(G, W, omega):
    """Back-propagation through y = x (*) w: grad_X = G conj(W) (THEORY.md §2a)."""
    return G * W.conj()


def backprop_error(rule, n, rng, eps=1e-3):
    """The input gradient of L = <g, x (*) w> from ``rule(G, W, omega)`` on spectra,
    against central finite differences of L computed with the spatial index sum."""
    x = rng.standard_normal(n)
    w = rng.standard_normal(n)
    g = rng.standard_normal(n)
    eye = np.eye(n)

    def loss(xs):
        return np.array([g @ circular_convolution(v, w) for v in xs])
    fd = (loss(x + eps * eye) - loss(x - eps * eye)) / (2 * eps)
    omega = on_device(2 * np.pi * np.arange(n // 2 + 1) / n)
    grad = irfft(rule(rfft(g), rfft(w), omega), n)
    return relerr(grad, fd)


def autograd_backprop_error(n, rng, eps=1e-3):
    """freqnet's autograd through rfft -> multiply -> irfft, against finite differences."""
    x = rng.standard_normal(n)
    w = rng.standard_normal(n)
    g = rng.standard_normal(n)
    eye = np.eye(n)
    xt = tensor(x, requires_grad=True)
    wt = tensor(w, requires_grad=True)
    y = ffn.irfft(ffn.rfft(xt) * ffn.rfft(wt), n=n)
    y.backward(tensor(g))

    def loss_x(xs):
        return np.array([g @ circular_convolution(v, w) for v in xs])

    def loss_w(ws):
        return np.array([g @ circular_convolution(x, v) for v in ws])
    fdx = (loss_x(x + eps * eye) - loss_x(x - eps * eye)) / (2 * eps)
    fdw = (loss_w(w + eps * eye) - loss_w(w - eps * eye)) / (2 * eps)
    return max(relerr(xt.grad.data, fdx), relerr(wt.grad.data, fdw))


def gradcheck_error(n, rng):
    """freqnet.gradcheck on the spectral convolution: 0.0 if it passes, inf if not."""
    x = tensor(rng.standard_normal(n), requires_grad=True)
    w = tensor(rng.standard_normal(n), requires_grad=True)
    try:
        gradcheck(lambda a, b: ffn.irfft(ffn.rfft(a) * ffn.rfft(b), n=n), (x, w))
    except GradcheckError:
        return float("inf")
    return 0.0


def spectral_derivative_error(m):
    """d/dt (f (*) g) = f' (*) g <-> (i omega) F G, f = e^{cos t}, g = e^{sin 2t}/m
    (smooth and periodic), Nyquist bin set to 0 (THEORY.md §2c)."""
    t = 2 * np.pi * np.arange(m) / m
    f = np.exp(np.cos(t))
    fprime = -np.sin(t) * f
    g = np.exp(np.sin(2 * t)) / m
    ik = 1j * np.arange(m // 2 + 1).astype(float)
    if m % 2 == 0:
        ik[-1] = 0.0
    got = irfft(on_device(ik) * rfft(f) * rfft(g), m)
    return relerr(got, circular_convolution(fprime, g))


def forward_difference_error(n, rng):
    """x[n+1] - x[n] <-> (e^{2 pi i k/N} - 1) X exactly."""
    x = rng.standard_normal(n)
    k = np.arange(n // 2 + 1)
    got = irfft(on_device(np.exp(2j * np.pi * k / n) - 1) * rfft(x), n)
    return relerr(got, np.roll(x, -1) - x)


def rfft_adjoint(g, n):
    """grad_x of Re<g, rfft(x)>: N irfft(g / d) (THEORY.md §0)."""
    return n * irfft(on_device(g) / on_device(multiplicity(n)), n)


def rfft_adjoint_error(adjoint, n, rng):
    """``adjoint(g, n)`` against the exact adjoint Re(R^H g), R = rfft of the identity
    (rfft is linear, so the matrix is its own finite-difference quotient)."""
    g = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    R = host(rfft(np.eye(n))).T      # (n//2+1, n): column j = rfft(e_j)
    exact = (np.conj(R).T @ g).real
    return relerr(adjoint(g, n), exact)


def autograd_rfft_error(n, rng):
    """freqnet's own rfft backward against the exact adjoint."""
    def by_autograd(g, n):
        x = tensor(np.zeros(n), requires_grad=True)
        (ffn.rfft(x) * tensor(np.conj(g))).real.sum().backward()
        return x.grad.data
    return rfft_adjoint_error(by_autograd, n, rng)


@claim(2, "back-propagation multiplies by (i omega)", paper="Thm 3.2, App. A.2", theory="§2",
       verdict="wrong",
       truth="backprop through conv is correlation: grad_X = G conj(W); (i omega) is d/dx, "
             "not d/d(input)")
def check_backprop(ctx):
    rng = ctx.rng

    def iw_rule(G, W, omega):
        return 1j * omega * W * G
    sizes = (8, 9) if ctx.quick else (16, 17)
    right = max(backprop_error(conj_rule, n, rng) for n in sizes)
    wrong = min(backprop_error(iw_rule, n, rng) for n in sizes)
    auto = max(autograd_backprop_error(n, rng) for n in sizes)
    ctx.say("grad_x of L = <g, x (*) w>: conj(W) rule vs finite differences:", f"{right:.3g}")
    ctx.say("paper's (i omega) rule vs finite differences:", f"{wrong:.3g}")
    wrong_rfft = min(rfft_adjoint_error(lambda g, n: n * irfft(g, n), n, rng) for n in (8, 9))
    return [
        Measure("grad_X = G conj(W) vs finite differences", right, 1e-8),
        Measure("freqnet autograd (rfft*rfft->irfft) vs finite differences", auto, 1e-8),
        Measure("freqnet.gradcheck on the spectral convolution", gradcheck_error(6, rng), 0.0, headline=False),
        Measure("(i omega) F G = d/dt (f*g): spectral derivative, M=64", spectral_derivative_error(64), 1e-12),
        Measure("forward difference <-> (e^{2 pi i k/N} - 1) X", max(forward_difference_error(n, rng) for n in (16, 17)), 1e-13),
        Measure("rfft adjoint N irfft(g/d) vs exact adjoint", max(rfft_adjoint_error(rfft_adjoint, n, rng) for n in (8, 9)), 1e-13),
        Measure("freqnet rfft backward vs exact adjoint", max(autograd_rfft_error(n, rng) for n in (8, 9)), 1e-13),
        Measure("WRONG: paper's rule grad_X = (i omega) W G", wrong, 0.5, "large"),
        Measure("WRONG: rfft gradient as N irfft(g) (no 1/d)", wrong_rfft, 0.1, "large"),
    ]
