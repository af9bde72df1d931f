"""Claims 8 and 9: Laplace transforms of sigmoid and ReLU, and the Laplace
convolution theorem (paper §4, Definition 3-4, Theorems 4.1-4.3; THEORY.md §9).
"""
from .common import np, special, quad, mpmath_or_none
from .distributions import laplace_sigmoid
from .record import Measure, claim, relerr


def laplace_quad(f, p, upper=np.inf):
    """int_0^upper f(x) e^{-px} dx for real p > 0."""
    return quad(lambda x: f(x) * np.exp(-p * x), 0.0, upper)


def sigmoid_laplace_errors(ps):
    """Quadrature vs the digamma form vs the paper's 2F1(1,p;p+1;-1)/p, and the derivative
    -int x sigma e^{-px} vs (psi'((p+1)/2) - psi'(p/2))/4."""
    ps = np.asarray(ps, dtype=float)
    by_quad = np.array([laplace_quad(special.expit, p) for p in ps])
    by_2f1 = special.hyp2f1(1.0, ps, ps + 1.0, -1.0) / ps
    by_digamma = laplace_sigmoid(ps)
    d_quad = np.array([-laplace_quad(lambda x: x * special.expit(x), p) for p in ps])
    d_form = 0.25 * (special.polygamma(1, (ps + 1) / 2) - special.polygamma(1, ps / 2))
    return relerr(by_digamma, by_quad), relerr(by_2f1, by_quad), relerr(d_form, d_quad)


def bilateral_sigmoid_error(ps):
    """int_R sigma(x) e^{-px} dx = pi / sin(pi p) on the strip 0 < p < 1."""
    integrand = lambda x, p: np.exp(-p * x - np.logaddexp(0.0, -x))   # sigma(x) e^{-px}, no overflow
    got = np.array([quad(integrand, -np.inf, 0.0, args=(p,)) + quad(integrand, 0.0, np.inf, args=(p,))
                    for p in ps])
    return relerr(got, np.pi / np.sin(np.pi * np.asarray(ps)))


def complex_p_error(ps):
    """L[sigma] at complex p (mpmath quadrature) against the digamma form; None without mpmath."""
    mp = mpmath_or_none()
    if mp is None:
        return None
    mp.mp.dps = 30
    got = np.array([complex(mp.quad(lambda x, p=p: mp.exp(-p * x) / (1 + mp.exp(-x)),
                                    mp.linspace(0, 120, 61))) for p in ps])   # tail < e^{-120 Re p}
    return relerr(laplace_sigmoid(np.asarray(ps)), got)


def relu_laplace_errors(ps, a):
    """1/p^2 and -2/p^3 for ReLU, and the truncated (1 - (1+pa) e^{-pa})/p^2, by quadrature."""
    ps = np.asarray(ps, dtype=float)
    full = np.array([laplace_quad(lambda x: x, p) for p in ps])
    deriv = np.array([-laplace_quad(lambda x: x * x, p) for p in ps])
    trunc = np.array([laplace_quad(lambda x: x, p, upper=a) for p in ps])
    return (relerr(1 / ps ** 2, full), relerr(-2 / ps ** 3, deriv),
            relerr((1 - (1 + ps * a) * np.exp(-ps * a)) / ps ** 2, trunc))


@claim(8, "Laplace transforms of sigmoid and ReLU", paper="Thm 4.2, 4.3", theory="§9",
       verdict="right",
       truth="L[sigma] = (psi((p+1)/2) - psi(p/2))/2 = 2F1(1,p;p+1;-1)/p, L[ReLU] = 1/p^2 (no "
             "truncation needed); sigma need only be bounded")
def check_laplace_transforms(ctx):
    ps = (0.5, 2.5) if ctx.quick else (0.25, 0.5, 1.0, 2.5, 4.0)
    dig, hyp, der = sigmoid_laplace_errors(ps)
    relu_full, relu_der, relu_trunc = relu_laplace_errors(ps, a=5.0)
    for p in ps:
        ctx.say(f"p={p:5.2f}  L[sigma] quad={laplace_quad(special.expit, p):.15f}  "
                f"digamma={float(laplace_sigmoid(p)):.15f}")
    measures = [
        Measure("L[sigma]: digamma form vs quadrature", dig, 1e-12),
        Measure("L[sigma]: 2F1(1,p;p+1;-1)/p vs quadrature", hyp, 1e-12),
        Measure("d/dp L[sigma]: trigamma form vs quadrature", der, 1e-12),
        Measure("bilateral int sigma e^{-px} = pi/sin(pi p), 0<p<1", bilateral_sigmoid_error((0.3, 0.5, 0.7)), 1e-10),
        Measure("L[ReLU] = 1/p^2 vs quadrature", relu_full, 1e-12),
        Measure("d/dp L[ReLU] = -2/p^3 vs quadrature", relu_der, 1e-12),
        Measure("truncated ramp (1-(1+pa)e^{-pa})/p^2, a = 5", relu_trunc, 1e-12),
    ]
    cp = None if ctx.quick else complex_p_error((1 + 2j, 2 - 3j))
    if cp is not None:
        measures.append(Measure("L[sigma] at complex p (mpmath) vs digamma", cp, 1e-12))
    p = 0.5
    truncated = (1 - (1 + p * 5.0) * np.exp(-p * 5.0)) / p ** 2
    measures.append(Measure("WRONG: Thm 4.3's truncated ReLU (a=5) as L[ReLU], p=0.5",
                            relerr(truncated, 1 / p ** 2), 0.1, "large"))
    return measures


# -- claim 9 ---------------------------------------------------------------

def one_sided_convolution(f, g, x):
    """(f*g)(x) = int_0^x f(t) g(x-t) dt."""
    return quad(lambda t: f(t) * g(x - t), 0.0, x) if x > 0 else 0.0


def full_line_convolution(f, g, x):
    """int_{-inf}^{x} f(t) g(x-t) dt for causal g (f taken on the whole line)."""
    return quad(lambda t: f(t) * g(x - t), -np.inf, x)


def laplace_convolution_error(ps, convolution):
    """L[f*g](p) against L[f](p) L[g](p) for f = sigma, g = e^{-2x} (L[g] = 1/(p+2))."""
    g = lambda x: np.exp(-2 * x)
    got = np.array([quad(lambda x, p=p: convolution(special.expit, g, x) * np.exp(-p * x), 0.0, 60.0)
                    for p in ps])
    return relerr(got, laplace_sigmoid(np.asarray(ps)) / (np.asarray(ps) + 2))


def z_transform_product_error(n, k, points, rng):
    """Discrete Theorem 4.1: the z-transform at real points t, X(t) = sum x[n] t^n, turns
    linear convolution into a product: C(t) = X(t) H(t)."""
    x, h = rng.standard_normal(n), rng.standard_normal(k)
    t = np.asarray(points, dtype=float)[:, None]
    ev = lambda c: (c[None, :] * t ** np.arange(len(c))[None, :]).sum(axis=1)
    return relerr(ev(np.convolve(x, h)), ev(x) * ev(h))


@claim(9, "Laplace convolution theorem", paper="Thm 4.1, Def. 4", theory="§9", verdict="right",
       truth="L[f*g] = L[f]L[g] for the one-sided conv int_0^x f(t)g(x-t)dt, Re p > max abscissa; "
             "Def. 4 is vague")
def check_laplace_convolution(ctx):
    ps = (1.0,) if ctx.quick else (0.5, 1.0, 2.0)
    for p in ps:
        ctx.say(f"p={p}: L[sigma](p) L[g](p) = {float(laplace_sigmoid(p)) / (p + 2):.15f}")
    one_sided = laplace_convolution_error(ps, one_sided_convolution)
    full_line = laplace_convolution_error((1.0,), full_line_convolution)
    ctx.say(f"f = sigma, g = e^(-2x): one-sided {one_sided:.3g}, full-line convolution {full_line:.3g}")
    return [
        Measure("L[f*g] = L[f] L[g], f = sigma, g = e^{-2x} (nested quad)", one_sided, 1e-9),
        Measure("z-transform at real t: C(t) = X(t) H(t)",
                z_transform_product_error(16, 5, (-1.0, -0.5, 0.3, 0.9, 1.0), ctx.rng), 1e-13),
        Measure("WRONG: full-line convolution (f = sigma on R) in Thm 4.1", full_line, 0.1, "large"),
    ]
