"""Least-squares fits, the spectral bound, the Hermitian extension and the
direct spectral convolution (THEORY.md §4c, §5) against independent
references: the THEORY §5 table, closed forms, scipy quadrature, numpy FFTs
and a brute-force circular convolution."""
import numpy as np
import pytest
from scipy import integrate, special

from freqnet.domains.fourier import maths as fourier
from freqnet.domains.fourier import products
from freqnet.spectral import polynomial as P

# THEORY.md §5 table: (function, r, degree, a0..a_d), as printed (4-5 significant digits).
TABLE = [
    ("relu", 1, 2, [0.09375, 0.5, 0.46875]),
    ("relu", 1, 3, [0.09375, 0.5, 0.46875, 0.0]),
    ("relu", 1, 4, [0.05859, 0.5, 0.8203, 0, -0.4102]),
    ("relu", 4, 2, [0.375, 0.5, 0.1172]),
    ("relu", 4, 4, [0.2344, 0.5, 0.2051, 0, -0.00641]),
    ("sigmoid", 1, 2, [0.5, 0.23833, 0]),
    ("sigmoid", 1, 3, [0.5, 0.24956, 0, -0.018723]),
    ("sigmoid", 1, 4, [0.5, 0.24956, 0, -0.018723, 0]),
    ("sigmoid", 2, 2, [0.5, 0.21090, 0]),
    ("sigmoid", 2, 3, [0.5, 0.24492, 0, -0.014176]),
    ("sigmoid", 4, 2, [0.5, 0.15321, 0]),
    ("sigmoid", 4, 3, [0.5, 0.21661, 0, -0.006605]),
    ("sigmoid", 8, 2, [0.5, 0.08895, 0]),
    ("sigmoid", 8, 3, [0.5, 0.15012, 0, -0.001593]),
]


def _printed_digits(value):
    """One unit in the last printed digit of a table entry. (Half a unit would
    fail one entry: sigmoid r=4 deg 2 prints a1 = 0.15321, but the integral
    (3/(2 r^3)) int x sigmoid(x) dx is 0.1532046 by both scipy and mpmath.)"""
    text = repr(float(value)).rstrip("0")
    decimals = len(text.split(".")[1]) if "." in text else 0
    return 10.0 ** (-decimals) + 1e-12


@pytest.mark.parametrize("name,r,degree,expected", TABLE)
def test_fit_reproduces_theory_table(name, r, degree, expected):
    got = P.least_squares_fit(name, r, degree)
    assert got.shape == (degree + 1,)
    for a, e in zip(got, expected):
        assert abs(a - e) <= _printed_digits(e), (name, r, degree, got, expected)


@pytest.mark.parametrize("r", [0.3, 1.0, 2.5, 40.0])
def test_relu_fit_matches_closed_forms(r):
    # THEORY §4c: degree 2 (= 3) and degree 4 closed forms.
    deg2 = [3 * r / 32, 0.5, 15 / (32 * r)]
    deg4 = [15 * r / 256, 0.5, 105 / (128 * r), 0.0, -105 / (256 * r ** 3)]
    for degree, expected in ((2, deg2), (3, deg2 + [0.0]), (4, deg4)):
        got = P.least_squares_fit("relu", r, degree)
        scale = r ** (1.0 - np.arange(degree + 1))       # a_k(r) = a_k(1) r^(1-k)
        np.testing.assert_allclose(got / scale, np.array(expected) / scale, rtol=0, atol=1e-13)


def _quad_fit(f, r, degree):
    """Independent L2 fit: normal equations in t = x/r with scipy.quad moments."""
    gram = np.array([[(1 + (-1) ** (i + j)) / (i + j + 1) for j in range(degree + 1)]
                     for i in range(degree + 1)])
    rhs = np.array([integrate.quad(lambda t: f(r * t) * t ** i, -1, 1, points=[0.0],
                                   epsabs=1e-14, epsrel=1e-13, limit=200)[0]
                    for i in range(degree + 1)])
    return np.linalg.solve(gram, rhs) / r ** np.arange(degree + 1)


FUNCTIONS = {
    "relu": lambda x: max(x, 0.0),
    "sigmoid": special.expit,
    "tanh": np.tanh,
    "gelu": lambda x: x * special.ndtr(x),
}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
@pytest.mark.parametrize("r,degree", [(0.5, 2), (3.0, 3), (3.0, 4), (25.0, 4)])
def test_fit_matches_scipy_quadrature(name, r, degree):
    ref = _quad_fit(FUNCTIONS[name], r, degree)
    got = P.least_squares_fit(name, r, degree)
    np.testing.assert_allclose(got, ref, rtol=1e-8, atol=1e-10 * np.abs(ref).max())


def test_fit_rejects_bad_arguments():
    with pytest.raises(ValueError, match="degree must be one of"):
        P.least_squares_fit("relu", 1.0, 5)
    with pytest.raises(ValueError, match="no polynomial fit for 'softsign'"):
        P.least_squares_fit("softsign", 1.0, 2)
    with pytest.raises(ValueError, match="positive finite"):
        P.least_squares_fit("tanh", 0.0, 3)


@pytest.mark.parametrize("shape", [(8, 8), (7, 9), (6, 5), (16,), (15,)])
def test_spectral_bound_is_the_full_spectrum_l1_and_bounds_the_signal(shape):
    rng = np.random.default_rng(1)
    axes = tuple(range(-len(shape), 0))
    x = rng.standard_normal((3, 2) + shape) * rng.uniform(0.1, 10, (3, 2) + (1,) * len(shape))
    bound = products.spectral_bound(np.fft.rfftn(x, axes=axes), shape)
    full_l1 = np.abs(np.fft.fftn(x, axes=axes)).sum(axis=axes) / np.prod(shape)
    np.testing.assert_allclose(bound, full_l1, rtol=1e-12)
    assert np.all(bound >= np.abs(x).max(axis=axes))


@pytest.mark.parametrize("shape", [(8, 8), (7, 9), (6, 5), (5, 1), (1, 6), (16,), (15,)])
def test_hermitian_extend_is_the_spectrum_irfftn_inverts(shape):
    rng = np.random.default_rng(2)
    axes = tuple(range(-len(shape), 0))
    half = np.fft.rfftn(rng.standard_normal((2, 3) + shape), axes=axes).shape
    # arbitrary complex half spectrum, Im of DC/Nyquist included
    x_half = rng.standard_normal(half) + 1j * rng.standard_normal(half)
    signal = np.fft.irfftn(x_half, s=shape, axes=axes)
    full = np.fft.fftn(signal, axes=axes).reshape((6,) + ((1,) if len(shape) == 1 else ())
                                                  + shape)
    np.testing.assert_allclose(fourier.hermitian_extend(x_half, shape), full.reshape(6, -1, shape[-1]),
                               rtol=0, atol=1e-12 * np.abs(full).max())
    projected = np.fft.rfftn(signal, axes=axes)
    np.testing.assert_allclose(fourier.hermitian_project(x_half, shape), projected,
                               rtol=0, atol=1e-12 * np.abs(projected).max())


def _brute_circular(a, b):
    h, w = a.shape
    out = np.zeros_like(a)
    for ku in range(h):
        for kv in range(w):
            for mu in range(h):
                for mv in range(w):
                    out[ku, kv] += a[mu, mv] * b[(ku - mu) % h, (kv - mv) % w]
    return out


@pytest.mark.parametrize("shape", [(4, 5), (3, 4), (1, 7), (6,), (7,), (12,), (16,)])
def test_spectral_convolve_matches_brute_force(shape):
    rng = np.random.default_rng(3)
    axes = tuple(range(-len(shape), 0))
    a = rng.standard_normal((2,) + shape)
    b = rng.standard_normal((2,) + shape)
    got = products.spectral_convolve(np.fft.rfftn(a, axes=axes), np.fft.rfftn(b, axes=axes), shape)
    grid = shape if len(shape) == 2 else (1,) + shape
    for i in range(2):
        af = np.fft.fftn(a[i]).reshape(grid)
        bf = np.fft.fftn(b[i]).reshape(grid)
        ref = _brute_circular(af, bf)[:, : shape[-1] // 2 + 1].reshape(got.shape[1:])
        np.testing.assert_allclose(got[i], ref, rtol=0, atol=1e-12 * np.abs(ref).max())
    # the product theorem, as a second independent reference: A (*) B = N DFT(a b)
    np.testing.assert_allclose(got, np.prod(shape) * np.fft.rfftn(a * b, axes=axes),
                               rtol=0, atol=1e-12 * np.abs(got).max())
