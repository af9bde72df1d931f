"""Claims 3 and 4: Fourier transforms of sigmoid, Heaviside and ReLU as
tempered distributions (paper Theorems 3.3-3.5, Appendix B; THEORY.md §3-§4).

None of these functions is in L^1, so their transforms are distributions and
are checked the only way a distribution can be: paired with test functions,
<F[T], phi> = <T, F[phi]>. The test functions are Gaussians
phi(w) = exp(-(w-a)^2 / (2 s^2)), whose even and odd parts are written without
cancellation so that principal values and finite parts are accurate.
"""
from ..gradcheck import gradcheck, GradcheckError
from .. import fft as ffn
from ..ops import relu, sigmoid
from .common import np, special, tensor, rfft, quad, fourier_quad, mpmath_or_none
from .record import Measure, claim, relerr

#: (center a, width s) of the Gaussian test functions.
TEST_FUNCTIONS = ((0.3, 0.5), (-0.7, 1.0), (1.5, 0.8), (0.0, 2.0))


class GaussianTest:
    """phi(w) = exp(-(w-a)^2/(2 s^2)) and its transform Phi(x) = int phi(w) e^{-iwx} dw."""

    def __init__(self, a, s):
        self.a, self.s = a, s
        self.phi0 = np.exp(-a * a / (2 * s * s))

    def __call__(self, w):
        return np.exp(-((w - self.a) ** 2) / (2 * self.s ** 2))

    def odd(self, w):
        """phi(w) - phi(-w) = 2 phi(0) e^{-w^2/2s^2} sinh(a w / s^2)."""
        return 2 * self.phi0 * np.exp(-w * w / (2 * self.s ** 2)) * np.sinh(self.a * w / self.s ** 2)

    def even_minus_twice_center(self, w):
        """phi(w) + phi(-w) - 2 phi(0); near w = 0 written with expm1 and sinh^2
        so that the O(w^2) result does not cancel."""
        b = self.a * w / self.s ** 2
        near = 2 * self.phi0 * (np.expm1(-w * w / (2 * self.s ** 2)) * np.cosh(b)
                                + 2 * np.sinh(b / 2) ** 2)
        return near if abs(w) < self.s else self(w) + self(-w) - 2 * self.phi0

    def derivative_at_zero(self):
        return self.phi0 * self.a / self.s ** 2

    def transform(self, x):
        return self.s * np.sqrt(2 * np.pi) * np.exp(-0.5 * (self.s * x) ** 2 - 1j * self.a * x)

    def pair_with(self, weight, a, b):
        """int_a^b weight(x) Phi(x) dx (a complex number)."""
        env = lambda x: weight(x) * self.s * np.sqrt(2 * np.pi) * np.exp(-0.5 * (self.s * x) ** 2)
        return fourier_quad(env, a, b, self.a)

    def reach(self):
        """Where Phi is below 1e-30 of its peak."""
        return 12.0 / self.s


def sigmoid_transform_pairing(test, with_delta=True):
    """<pi delta - i pi p.v. csch(pi w), phi> (THEORY.md §3a)."""
    pv = quad(lambda w: test.odd(w) / np.sinh(np.pi * w), 0.0, abs(test.a) + 14 * test.s)
    return (np.pi * test.phi0 if with_delta else 0.0) - 1j * np.pi * pv


def sigmoid_pairing_error(tests, transform_pairing):
    """``transform_pairing(test)`` against <sigma, F[phi]> by quadrature."""
    got, want = [], []
    for a, s in tests:
        t = GaussianTest(a, s)
        want.append(t.pair_with(special.expit, -t.reach(), t.reach()))
        got.append(transform_pairing(t))
    return relerr(np.array(got), np.array(want))


def sigmoid_integral_error(radii):
    """int_{-R}^{R} sigma = R exactly (sigma(x) + sigma(-x) = 1): quadrature vs R."""
    return max(abs(quad(special.expit, -r, r) - r) / r for r in radii)


def sigmoid_derivative_transform_error(freqs):
    """F[sigma'](w) = pi w / sinh(pi w), sigma' = 1/(4 cosh^2(x/2)) in L^1."""
    dsig = lambda x: 0.25 / np.cosh(x / 2) ** 2
    got = np.array([2 * quad(dsig, 0.0, 90.0, weight="cos", wvar=w) for w in freqs])
    w = np.asarray(freqs)
    return relerr(got, np.pi * w / np.sinh(np.pi * w))


def laplace_sigmoid(p):
    """L[sigma](p) = (psi((p+1)/2) - psi(p/2))/2, Re p > 0 (THEORY.md §9a)."""
    return 0.5 * (special.psi((p + 1) / 2) - special.psi(p / 2))


def hypergeometric_form_error(freqs):
    """beta(iw) - beta(-iw) + i/w = -i pi csch(pi w), beta = L[sigma] (digamma form)."""
    w = np.asarray(freqs, dtype=float)
    got = laplace_sigmoid(1j * w) - laplace_sigmoid(-1j * w) + 1j / w
    return relerr(got, -1j * np.pi / np.sinh(np.pi * w))


def mpmath_hypergeometric_error(freqs):
    """The paper's 2F1(1, p; p+1; -1)/p at p = +-iw (mpmath) against the digamma form."""
    mp = mpmath_or_none()
    if mp is None:
        return None
    got = np.array([complex(mp.hyp2f1(1, 1j * w, 1 + 1j * w, -1) / (1j * w)) for w in freqs])
    return relerr(got, laplace_sigmoid(1j * np.asarray(freqs, dtype=float)))


def superposition_error(n, rng):
    """How far the spectrum of sigma(x) is from anything linear in X:
    F[sigma(x1 + x2)] against F[sigma(x1)] + F[sigma(x2)] - F[sigma(0)]."""
    x1, x2 = 3 * rng.standard_normal(n), 3 * rng.standard_normal(n)
    s = lambda v: rfft(sigmoid(tensor(v)).data)
    return relerr(s(x1) + s(x2) - s(np.zeros(n)), s(x1 + x2))


@claim(3, "FT of sigmoid; sigmoid is in L^1", paper="Thm 3.3, App. B", theory="§3",
       verdict="wrong",
       truth="sigma is not L^1 (int_{-R}^R sigma = R); F[sigma] = pi delta - i pi p.v. csch(pi w); "
             "not an activation layer")
def check_sigmoid_transform(ctx):
    radii = (10.0, 100.0) if ctx.quick else (10.0, 100.0, 1000.0)
    tests = TEST_FUNCTIONS[:2] if ctx.quick else TEST_FUNCTIONS
    freqs = (0.3, 1.0, 2.5) if ctx.quick else (0.1, 0.3, 0.7, 1.0, 2.0, 3.0)
    for a, s in tests:
        t = GaussianTest(a, s)
        ctx.say(f"phi centred at {a:+.1f}, width {s}: <pi delta - i pi pv csch, phi> = "
                f"{sigmoid_transform_pairing(t):.12f}, <sigma, F phi> = "
                f"{t.pair_with(special.expit, -t.reach(), t.reach()):.12f}")
    for r in radii:
        ctx.say(f"int_-{r:g}^{r:g} sigma = {quad(special.expit, -r, r):.15g}  (= R: grows without bound)")
    measures = [
        Measure("int_{-R}^{R} sigma = R (quadrature), R = 10..1000", sigmoid_integral_error(radii), 1e-12),
        Measure("F[sigma'] = pi w / sinh(pi w) (quadrature)", sigmoid_derivative_transform_error(freqs), 1e-11),
        Measure("<pi delta - i pi pv csch(pi w), phi> = <sigma, F phi>",
                sigmoid_pairing_error(tests, sigmoid_transform_pairing), 1e-10),
        Measure("beta(iw) - beta(-iw) + i/w = -i pi csch(pi w), digamma", hypergeometric_form_error(freqs), 1e-12),
    ]
    mp_err = mpmath_hypergeometric_error(freqs[:3])
    if mp_err is not None:
        measures.append(Measure("paper's 2F1(1,p;p+1;-1)/p (mpmath) = digamma form", mp_err, 1e-12))
    else:
        ctx.say("mpmath not installed: the 2F1 cross-check is left out (pip install freqnet[theory])")
    without_delta = sigmoid_pairing_error(tests, lambda t: sigmoid_transform_pairing(t, with_delta=False))
    measures += [
        Measure("WRONG: csch form without the pi delta (w != 0 only)", without_delta, 0.1, "large"),
        Measure("WRONG: 'absolutely integrable': int_{-R}^{R} sigma at R=1000", quad(special.expit, -1e3, 1e3),
                100.0, "large"),
        Measure("WRONG: spectrum of sigma(x) linear in X (superposition)", superposition_error(32, ctx.rng),
                0.05, "large"),
    ]
    return measures


# -- claim 4 ---------------------------------------------------------------

def heaviside_pairing(test):
    """<pi delta - i p.v. 1/w, phi>."""
    pv = quad(lambda w: test.odd(w) / w, 0.0, abs(test.a) + 14 * test.s)
    return np.pi * test.phi0 - 1j * pv


def relu_pairing(test):
    """<i pi delta' - FP 1/w^2, phi> = -i pi phi'(0) - int_0^inf (phi(w)+phi(-w)-2phi(0))/w^2."""
    top = abs(test.a) + 14 * test.s        # beyond it phi ~ 0 and only -2 phi(0)/w^2 is left
    fp = quad(lambda w: test.even_minus_twice_center(w) / w ** 2, 0.0, top) - 2 * test.phi0 / top
    return -1j * np.pi * test.derivative_at_zero() - fp


def pairing_error(tests, weight, transform_pairing):
    """``transform_pairing(test)`` against int_0^inf weight(x) F[phi](x) dx."""
    got, want = [], []
    for a, s in tests:
        t = GaussianTest(a, s)
        want.append(t.pair_with(weight, 0.0, t.reach()))
        got.append(transform_pairing(t))
    return relerr(np.array(got), np.array(want))


def lorentzian_ratio(eps):
    """<eps/(eps^2+w^2), phi>/(pi phi(0)) for phi = e^{-w^2/2}, by quadrature, and its
    closed form erfcx(eps/sqrt 2): tends to 1 (the pi delta of F[H])."""
    val = 2 * quad(lambda w: eps / (eps * eps + w * w) * np.exp(-w * w / 2), 0.0, 40.0,
                   points=[eps, 10 * eps, 100 * eps])
    return val / np.pi, special.erfcx(eps / np.sqrt(2))


def truncated_ramp_error(a, freqs):
    """int_0^a x e^{-iwx} dx = ((1 + iwa) e^{-iwa} - 1)/w^2 (Thm 3.4's actual object)."""
    w = np.asarray(freqs, dtype=float)
    got = np.array([fourier_quad(lambda x: x, 0.0, a, f) for f in freqs])
    return relerr(got, ((1 + 1j * w * a) * np.exp(-1j * w * a) - 1) / w ** 2)


def relu_spectral_gradcheck(n, rng):
    """The true ReLU backward (g H(x), a spatial mask) through spectra:
    freqnet.gradcheck of X -> rfft(relu(irfft(X))). 0.0 if it passes."""
    x = rng.standard_normal(n)
    X = tensor(rfft(x), requires_grad=True)
    try:
        gradcheck(lambda Z: ffn.rfft(relu(ffn.irfft(Z, n=n))), (X,))
    except GradcheckError:
        return float("inf")
    return 0.0


def relu_linearity_error(n, rng):
    """'ReLU is linear': relu(x + y) against relu(x) + relu(y)."""
    x, y = tensor(rng.standard_normal(n)), tensor(rng.standard_normal(n))
    return relerr((relu(x) + relu(y)).data, relu(x + y).data)


@claim(4, "FT of ReLU and Heaviside", paper="Thm 3.4, 3.5, Eq. 18", theory="§4", verdict="vague",
       truth="F[H] = pi delta - i pv 1/w (right); F[ReLU] = i pi delta' - FP 1/w^2; Thm 3.4 is a "
             "truncated ramp; backward is a spatial mask")
def check_relu_heaviside(ctx):
    tests = TEST_FUNCTIONS[:2] if ctx.quick else TEST_FUNCTIONS
    for a, s in tests:
        t = GaussianTest(a, s)
        ctx.say(f"phi centred at {a:+.1f}, width {s}: <F[H], phi> = {heaviside_pairing(t):.12f}, "
                f"<H, F phi> = {t.pair_with(lambda x: 1.0, 0.0, t.reach()):.12f}")
        ctx.say(f"{'':30s}<F[ReLU], phi> = {relu_pairing(t):.12f}, "
                f"<ReLU, F phi> = {t.pair_with(lambda x: x, 0.0, t.reach()):.12f}")
    r2, closed2 = lorentzian_ratio(1e-2)
    r4, closed4 = lorentzian_ratio(1e-4)
    ctx.say(f"Lorentzian eps/(eps^2+w^2) paired with e^(-w^2/2), over pi phi(0): "
            f"{r2:.6f} at eps=1e-2, {r4:.6f} at eps=1e-4 -> pi delta")
    return [
        Measure("<pi delta - i pv 1/w, phi> = <H, F phi>", pairing_error(tests, lambda x: 1.0, heaviside_pairing), 1e-10),
        Measure("<i pi delta' - FP 1/w^2, phi> = <ReLU, F phi>", pairing_error(tests, lambda x: x, relu_pairing), 1e-10),
        Measure("Lorentzian pairing, quadrature vs erfcx closed form", max(relerr(r2, closed2), relerr(r4, closed4)), 1e-9),
        Measure("Lorentzian -> pi delta: |ratio - 1| at eps = 1e-4", abs(r4 - 1), 1e-4, headline=False),
        Measure("truncated ramp ((1+iwa)e^{-iwa}-1)/w^2, a = 5", truncated_ramp_error(5.0, (0.2, 1.0, 3.0)), 1e-12),
        Measure("true backward g H(x) through spectra: freqnet.gradcheck", relu_spectral_gradcheck(8, ctx.rng), 0.0, headline=False),
        Measure("WRONG: 'ReLU is linear': relu(x+y) vs relu(x)+relu(y)", relu_linearity_error(64, ctx.rng), 0.1, "large"),
        Measure("WRONG: F[H] without the pi delta (Lorentzian limit dropped)",
                pairing_error(tests, lambda x: 1.0, lambda t: heaviside_pairing(t) - np.pi * t.phi0), 0.1, "large"),
    ]
