"""Learned, band-limited polynomial activations (THEORY.md §5b) against the
independent references of _band_reference.py (direct DFT sums of the
polynomial on the spatial signal, or on its finely sampled interpolant),
finite differences of those references, and freqnet.gradcheck in
float64/complex128. Inputs are built on the session's backend."""
import numpy as np
import pytest

import freqnet
from freqnet import backend, nn
from freqnet.domains import DomainError
from freqnet.domains.fourier import bands
from freqnet.tensor import Tensor
from _band_reference import alias_free_reference, dft, half, rel, signed, wrap_reference

SHAPES = [(12,), (11,), (6, 8), (5, 7)]


def _forward(xh, coef, shape, degree, modes_out=None, wrap=True):
    plan = bands.band_plan(shape, degree, modes_out, wrap)
    y, _ = bands.band_polynomial_forward(backend.asarray(xh), backend.asarray(coef), plan)
    return backend.to_numpy(y)


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("wrap,degree", [(True, 2), (True, 3), (True, 4), (False, 2), (False, 3)])
def test_forward_equals_the_reference_of_its_rule(shape, wrap, degree):
    """wrap: the DFT of p on the samples; alias-free: p of the interpolant on
    a 4x finer grid (it holds p's whole spectrum for degree <= 3), cut to
    |k| < n/2; both then cut to |k| < modes_out."""
    rng = np.random.default_rng(0)
    ndim = len(shape)
    x = rng.standard_normal((2, 3) + shape)
    coef = rng.standard_normal((3, degree + 1))
    reference = wrap_reference if wrap else alias_free_reference
    for modes_out in (None, 2, 3):
        got = _forward(half(dft(x, ndim)), coef, shape, degree, modes_out, wrap)
        assert rel(got, reference(x, coef, ndim, modes_out)) < 1e-12


def test_both_rules_agree_where_nothing_reaches_past_the_grid():
    rng = np.random.default_rng(2)
    x = rng.standard_normal((1, 2, 10))
    X = dft(x, 1)
    for k in range(10):
        if abs(signed(k, 10)) >= 3:                # |k| < 3: the square stays below 5
            X[..., k] = 0
    coef = rng.standard_normal((2, 3))
    a = _forward(half(X), coef, (10,), 2, wrap=True)
    b = _forward(half(X), coef, (10,), 2, wrap=False)
    assert rel(a, b) < 1e-12
    assert rel(a, wrap_reference(np.real(np.fft.ifft(X)), coef, 1)) < 1e-12


def _reference_loss(xh, shape, coef, C, wrap, modes_out):
    """Re sum conj(C) y from the references, y read off irfftn(xh) as freqnet reads it."""
    ndim = len(shape)
    x = np.fft.irfftn(xh, s=shape, axes=tuple(range(-ndim, 0)))
    ref = wrap_reference(x, coef, ndim, modes_out) if wrap else \
        alias_free_reference(x, coef, ndim, modes_out)
    return (np.conj(C) * ref).real.sum()


@pytest.mark.parametrize("shape,wrap,modes_out,degree", [
    ((8,), True, None, 2), ((7,), False, 3, 2), ((4, 6), True, 2, 2), ((4, 5), False, None, 2),
    ((6,), True, None, 3), ((3, 4), True, 2, 3)])
def test_backward_equals_finite_differences_of_the_reference(shape, wrap, modes_out, degree):
    rng = np.random.default_rng(3)
    ndim = len(shape)
    xh = half(dft(rng.standard_normal((1, 2) + shape), ndim))
    xh = xh + 0.3j * rng.standard_normal(xh.shape)      # Im of DC/Nyquist too: ignored as irfftn does
    coef = rng.standard_normal((2, degree + 1))
    plan = bands.band_plan(shape, degree, modes_out, wrap)
    y, saved = bands.band_polynomial_forward(backend.asarray(xh), backend.asarray(coef), plan)
    C = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    gx, ga = bands.band_polynomial_backward(backend.asarray(C), saved, plan)
    gx, ga = backend.to_numpy(gx), backend.to_numpy(ga)
    eps = 1e-6
    fd = np.zeros_like(xh)
    for idx in np.ndindex(xh.shape):
        for unit in (1, 1j):
            d = np.zeros_like(xh)
            d[idx] = eps * unit
            diff = (_reference_loss(xh + d, shape, coef, C, wrap, modes_out)
                    - _reference_loss(xh - d, shape, coef, C, wrap, modes_out)) / (2 * eps)
            fd[idx] += diff * unit                     # grad = dL/dRe + i dL/dIm (THEORY §0)
    assert rel(gx, fd) < 1e-7
    fa = np.zeros_like(coef)
    for idx in np.ndindex(coef.shape):
        d = np.zeros_like(coef)
        d[idx] = eps
        fa[idx] = (_reference_loss(xh, shape, coef + d, C, wrap, modes_out)
                   - _reference_loss(xh, shape, coef - d, C, wrap, modes_out)) / (2 * eps)
    assert rel(ga, fa) < 1e-7


def _spectrum(rng, lead, shape, dtype="complex128", requires_grad=False):
    xh = half(dft(rng.standard_normal(lead + shape), len(shape))).astype(dtype)
    return Tensor(xh, requires_grad=requires_grad)


@pytest.mark.parametrize("shape,wrap,modes_out,degree", [
    ((6,), True, None, 3), ((5,), False, 2, 2), ((4, 4), True, 2, 2), ((3, 4), False, None, 4)])
def test_layer_gradcheck_input_and_coefficients(shape, wrap, modes_out, degree):
    rng = np.random.default_rng(4)
    X = _spectrum(rng, (2, 2), shape, requires_grad=True)
    layer = nn.BandPolynomial(2, "gelu", degree, 2.5, modes_out=modes_out, wrap=wrap,
                              dtype="float64")
    layer.coefficients.data = backend.asarray(rng.standard_normal((2, degree + 1)))
    freqnet.gradcheck(lambda t, c: layer(t.as_spectrum("fourier", shape)), [X, layer.coefficients])


def test_layer_applies_q_of_x_over_r_per_channel():
    """b_cj are the coefficients of q_c(t), t = x / r: the layer equals the
    reference with a_cj = b_cj r^-j, in float32 too."""
    rng = np.random.default_rng(5)
    shape = (16,)
    x = rng.standard_normal((3, 4) + shape)
    b = rng.standard_normal((4, 3))
    r = 3.0
    a = b / r ** np.arange(3)
    for dtype, tol in (("complex128", 1e-12), ("complex64", 1e-5)):
        layer = nn.BandPolynomial(4, "gelu", 2, r, modes_out=5,
                                  dtype="float64" if dtype == "complex128" else "float32")
        layer.coefficients.data = backend.asarray(b, dtype=layer.coefficients.dtype)
        X = Tensor(half(dft(x, 1)).astype(dtype)).as_spectrum("fourier", shape)
        y = layer(X)
        assert y.dtype == dtype and y.spatial_shape == shape
        assert rel(y.numpy(), wrap_reference(x, a, 1, 5)) < tol
        assert rel(layer.polynomial_coefficients(), a) < 1e-6


def test_init_is_the_least_squares_fit_of_the_function():
    from freqnet.spectral.polynomial import least_squares_fit
    for function, degree, r in (("gelu", 2, 3.0), ("relu", 4, 2.0)):
        layer = nn.BandPolynomial(3, function, degree, r, dtype="float64")
        fit = least_squares_fit(function, r, degree)
        assert np.allclose(layer.polynomial_coefficients(), np.tile(fit, (3, 1)), atol=1e-15)


def test_fixed_coefficients_are_a_buffer_and_get_no_gradient():
    rng = np.random.default_rng(6)
    layer = nn.BandPolynomial(2, "gelu", 2, 3.0, learn=False, dtype="float64")
    assert not list(layer.parameters()) and "coefficients" in layer.state_dict()
    X = _spectrum(rng, (2, 2), (8,), requires_grad=True)
    layer(X.as_spectrum("fourier", (8,))).real.sum().backward()
    assert X.grad is not None


def test_learned_coefficients_move_under_training():
    rng = np.random.default_rng(7)
    layer = nn.BandPolynomial(2, "gelu", 2, 3.0, dtype="float64")
    before = layer.polynomial_coefficients()
    opt = freqnet.optim.SGD(layer.named_parameters(), lr=0.1)
    X = _spectrum(rng, (4, 2), (8,)).as_spectrum("fourier", (8,))
    (layer(X).real ** 2).sum().backward()
    opt.step()
    assert np.abs(layer.polynomial_coefficients() - before).min() > 0


def test_bad_options_and_inputs_fail_clearly():
    with pytest.raises(ValueError, match="BandPolynomial: degree must be one of"):
        nn.BandPolynomial(2, degree=5)
    with pytest.raises(ValueError, match="BandPolynomial: function must be one of"):
        nn.BandPolynomial(2, function="softplus")
    with pytest.raises(ValueError, match="BandPolynomial: modes_out must be None or a positive int, got 0"):
        nn.BandPolynomial(2, modes_out=0)
    with pytest.raises(ValueError, match="BandPolynomial: radius must be a positive number"):
        nn.BandPolynomial(2, radius="auto")
    layer = nn.BandPolynomial(3)
    with pytest.raises(ValueError, match="BandPolynomial: expected 3 channels, got 2"):
        layer(Tensor(np.zeros((1, 2, 5), complex)).as_spectrum("fourier", (8,)))
    with pytest.raises(ValueError, match="BandPolynomial: expected a spectrum"):
        layer(Tensor(np.zeros((1, 3, 8))))
    hartley = nn.BandPolynomial(3, domain="hartley")
    with pytest.raises(DomainError, match="BandPolynomial: band-limited polynomial activations "
                                          "is not implemented for the 'hartley' domain"):
        hartley(Tensor(np.zeros((1, 3, 8))).as_spectrum("hartley", (8,)))
