"""Least-squares polynomial surrogates of activations (THEORY.md §4c, §5).

:func:`least_squares_fit` gives the degree-d polynomial closest to ReLU,
sigmoid, tanh or GELU in L2 on [-r, r] (uniform weight). The Legendre
projection is integrated by Gauss-Legendre quadrature on [-r, 0] and [0, r]
separately, so the ReLU kink sits on a panel edge and its fit is exact
(THEORY §5 table). Domain-free: each domain evaluates the polynomial on its
own spectra (``polynomial`` of :mod:`freqnet.domains`).
"""
import functools

from .. import backend

FUNCTIONS = ("relu", "sigmoid", "tanh", "gelu")
DEGREES = (2, 3, 4)
#: Fits are taken on [-r, r] with r at least this (an all-zero input has r = 0).
MIN_RADIUS = 1e-6


# -- least-squares fits ------------------------------------------------------------

def _reference(name, x):
    np = backend.numpy
    if name == "relu":
        return np.maximum(x, 0.0)
    if name == "sigmoid":
        return 0.5 + 0.5 * np.tanh(0.5 * x)
    if name == "tanh":
        return np.tanh(x)
    if name == "gelu":
        return 0.5 * x * (1.0 + backend.special.erf(x / np.sqrt(2.0)))
    raise ValueError(f"no polynomial fit for {name!r}; expected one of {FUNCTIONS}")


@functools.lru_cache(maxsize=None)
def _half_panel_rule(nodes):
    """Gauss-Legendre nodes/weights on [0, 1] (one panel of the split rule)."""
    t, w = backend.numpy.polynomial.legendre.leggauss(nodes)
    return (t + 1) / 2, w / 2


def least_squares_fit(name, r, degree):
    """Coefficients a_0..a_degree (float64 numpy) of the L2-best polynomial
    fit of ``name`` on [-r, r] (THEORY.md §4c, §5 table).

    Computed as the Legendre projection of f(r t) on [-1, 1], converted to
    monomials and rescaled by r^-k. Quadrature: Gauss-Legendre on each half;
    exact for ReLU, and for the smooth functions the node count grows with r
    so that the error stays at rounding level.
    """
    np = backend.numpy
    if name not in FUNCTIONS:
        raise ValueError(f"no polynomial fit for {name!r}; expected one of {FUNCTIONS}")
    if degree not in DEGREES:
        raise ValueError(f"polynomial degree must be one of {DEGREES}, got {degree!r}")
    r = float(r)
    if not (r > 0 and np.isfinite(r)):
        raise ValueError(f"fit radius r must be a positive finite number, got {r!r}")
    leg = np.polynomial.legendre
    smooth_nodes = int(min(max(48, 16 * r), 200_000))    # analytic f: error ~ exp(-2 pi n / r)
    t0, w0 = _half_panel_rule(48 if name == "relu" else smooth_nodes)
    t = np.concatenate([-t0, t0])            # [-1, 0] and [0, 1]
    w = np.concatenate([w0, w0])
    f = _reference(name, r * t)
    basis = leg.legvander(t, degree)         # P_0..P_degree at the nodes
    legendre = (basis * (w * f)[:, None]).sum(axis=0) * (2 * np.arange(degree + 1) + 1) / 2
    monomial_t = leg.leg2poly(legendre)      # coefficients in t = x / r
    monomial_t = np.pad(monomial_t, (0, degree + 1 - len(monomial_t)))
    return monomial_t / r ** np.arange(degree + 1)
