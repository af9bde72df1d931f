"""Activations on spectra against spatial references computed in NumPy here
(pointwise functions with numpy.fft round trips), THEORY.md §0, §4c, §5."""
import numpy as np
import pytest
from scipy import special

import freqnet
from freqnet import nn
from freqnet.spectral.polynomial import least_squares_fit
from freqnet.tensor import Tensor
from _reference import half_spectrum, multiplicity, spatial_axes, spectrum_rel_err

SPATIAL = {
    "relu": (lambda x: np.maximum(x, 0), lambda x: (x > 0).astype(x.dtype)),
    "sigmoid": (special.expit, lambda x: special.expit(x) * (1 - special.expit(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "gelu": (lambda x: x * special.ndtr(x),
             lambda x: special.ndtr(x) + x * np.exp(-x * x / 2) / np.sqrt(2 * np.pi)),
}
LAYERS = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "gelu": nn.GELU}
CASES = [((2, 3), (6, 5)), ((3, 1), (5, 8)), ((2, 2), (8, 8)), ((3, 2), (9,)), ((2, 4), (12,))]


def _random_half(rng, lead, shape):
    half = lead + shape[:-1] + (shape[-1] // 2 + 1,)
    return rng.standard_normal(half) + 1j * rng.standard_normal(half)


def _poly(coefficients, x):
    return sum(a * x ** j for j, a in enumerate(coefficients))


def _dpoly(coefficients, x):
    return sum(j * a * x ** (j - 1) for j, a in enumerate(coefficients) if j)


def _reference_grad(x_half, g_half, shape, derivative):
    """THEORY §0: gy = N irfft(G/d); gx = f'(x) gy; grad_X = d rfft(gx) / N."""
    n = np.prod(shape)
    x = np.fft.irfftn(x_half, s=shape, axes=spatial_axes(shape))
    gy = n * np.fft.irfftn(g_half / multiplicity(shape), s=shape, axes=spatial_axes(shape))
    return multiplicity(shape) * np.fft.rfftn(derivative(x) * gy, axes=spatial_axes(shape)) / n


# -- exact mode -----------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("lead,shape", CASES)
@pytest.mark.parametrize("dtype,tol", [("complex64", 1e-5), ("complex128", 1e-10)])
def test_exact_mode_equals_pointwise_function(name, lead, shape, dtype, tol):
    rng = np.random.default_rng(0)
    x = rng.standard_normal(lead + shape) * 2
    y = LAYERS[name](mode="exact")(half_spectrum(x, shape, dtype))
    ref = np.fft.rfftn(SPATIAL[name][0](x), axes=spatial_axes(shape))
    assert y.dtype == np.dtype(dtype) and y.domain == "fourier" and y.spatial_shape == shape
    assert spectrum_rel_err(y.numpy(), ref) < tol


@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("shape", [(4, 5), (7,), (6,)])
def test_exact_mode_gradient_1d_and_2d(name, shape):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3) + shape) * 2
    X = half_spectrum(x, shape, requires_grad=True)
    g = _random_half(rng, (2, 3), shape)
    LAYERS[name](mode="exact")(X).backward(Tensor(g))
    ref = _reference_grad(X.numpy(), g, shape, SPATIAL[name][1])
    assert spectrum_rel_err(X.grad.numpy(), ref) < 1e-10


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_exact_mode_gradient(name):
    rng = np.random.default_rng(1)
    shape = (4, 5)
    x = rng.standard_normal((2, 2) + shape) * 2
    X = half_spectrum(x, shape, requires_grad=True)
    g = _random_half(rng, (2, 2), shape)
    LAYERS[name](mode="exact")(X).backward(Tensor(g))
    ref = _reference_grad(X.numpy(), g, shape, SPATIAL[name][1])
    assert spectrum_rel_err(X.grad.numpy(), ref) < 1e-10
    small = half_spectrum(x[:1, :1, :3], (3, 5), requires_grad=True)
    freqnet.gradcheck(lambda t: LAYERS[name](mode="exact")(t.as_spectrum("fourier", (3, 5))),
                      [small])


def test_exact_mode_counts_two_domain_switches_per_pass():
    X = half_spectrum(np.random.default_rng(2).standard_normal((2, 2, 6, 6)), (6, 6),
                      requires_grad=True)
    with freqnet.profile() as prof:
        y = nn.ReLU(mode="exact")(X)
        (y.real.sum()).backward()
    assert prof.transform_count("inverse", "forward") == 1
    assert prof.transform_count("forward", "forward") == 1
    assert prof.transform_count("inverse", "backward") == 1
    assert prof.transform_count("forward", "backward") == 1


# -- poly mode -------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(LAYERS))
@pytest.mark.parametrize("degree", [2, 3, 4])
@pytest.mark.parametrize("lead,shape", CASES)
def test_poly_mode_equals_spatial_polynomial_float64(name, degree, lead, shape):
    rng = np.random.default_rng(3)
    x = rng.standard_normal(lead + shape)
    r = 2.5
    coefficients = least_squares_fit(name, r, degree)
    y = LAYERS[name](mode="poly", degree=degree, r=r)(half_spectrum(x, shape))
    ref = np.fft.rfftn(_poly(coefficients, x), axes=spatial_axes(shape))
    assert spectrum_rel_err(y.numpy(), ref) < 1e-10
    assert y.domain == "fourier" and y.spatial_shape == shape


@pytest.mark.parametrize("lead,shape", CASES)
def test_poly_mode_float32(lead, shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal(lead + shape)
    coefficients = least_squares_fit("relu", 3.0, 4)
    y = nn.ReLU(mode="poly", degree=4, r=3.0)(half_spectrum(x, shape, "complex64"))
    assert y.dtype == np.complex64
    assert spectrum_rel_err(y.numpy(), np.fft.rfftn(_poly(coefficients, x), axes=spatial_axes(shape))) < 1e-5


def test_poly_fit_is_close_to_the_function_inside_its_range():
    x = np.random.default_rng(5).uniform(-1, 1, (2, 2, 8, 8))
    y = nn.Sigmoid(mode="poly", degree=3, r=1.0)(half_spectrum(x, (8, 8)))
    spatial = np.fft.irfftn(y.numpy(), s=(8, 8), axes=(-2, -1))
    assert np.abs(spatial - special.expit(x)).max() < 2.3e-4     # THEORY §5: 2.20e-4


@pytest.mark.parametrize("degree", [2, 3, 4])
@pytest.mark.parametrize("shape", [(4, 5), (3, 4), (7,), (6,)])
def test_poly_gradient_is_p_prime_times_g_in_space(degree, shape):
    # arbitrary complex input and output gradient, DC/Nyquist imaginary parts included
    rng = np.random.default_rng(6)
    x_half = _random_half(rng, (2, 3), shape)
    g = _random_half(rng, (2, 3), shape)
    X = Tensor(x_half, requires_grad=True).as_spectrum("fourier", shape)
    y = nn.GELU(mode="poly", degree=degree, r=2.0)(X)
    coefficients = least_squares_fit("gelu", 2.0, degree)
    ref_y = np.fft.rfftn(_poly(coefficients, np.fft.irfftn(x_half, s=shape, axes=spatial_axes(shape))),
                         axes=spatial_axes(shape))
    assert spectrum_rel_err(y.numpy(), ref_y) < 1e-10
    y.backward(Tensor(g))
    ref = _reference_grad(x_half, g, shape, lambda x: _dpoly(coefficients, x))
    assert spectrum_rel_err(X.grad.numpy(), ref) < 1e-10


@pytest.mark.parametrize("degree", [2, 3, 4])
@pytest.mark.parametrize("shape", [(3, 4), (4, 3), (5,), (4,)])
def test_poly_gradcheck(degree, shape):
    rng = np.random.default_rng(7)
    X = Tensor(_random_half(rng, (1, 2), shape) * 0.5, requires_grad=True)
    layer = nn.Tanh(mode="poly", degree=degree, r=1.5)
    freqnet.gradcheck(lambda t: layer(t.as_spectrum("fourier", shape)), [X])


def test_poly_auto_radius_is_the_batch_spectral_bound_and_constant_in_backward():
    rng = np.random.default_rng(8)
    shape = (6, 7)
    x = rng.standard_normal((3, 2) + shape) * rng.uniform(0.5, 3, (3, 2, 1, 1))
    r = (np.abs(np.fft.fftn(x, axes=(-2, -1))).sum(axis=(-2, -1)) / 42).max()
    assert r >= np.abs(x).max()
    X_auto = half_spectrum(x, shape, requires_grad=True)
    X_fixed = half_spectrum(x, shape, requires_grad=True)
    y_auto = nn.ReLU(mode="poly", degree=4, r="auto")(X_auto)
    y_fixed = nn.ReLU(mode="poly", degree=4, r=float(r))(X_fixed)
    coefficients = least_squares_fit("relu", r, 4)
    assert spectrum_rel_err(y_auto.numpy(), np.fft.rfftn(_poly(coefficients, x), axes=(-2, -1))) < 1e-10
    g = Tensor(_random_half(rng, (3, 2), shape))
    y_auto.backward(g)
    y_fixed.backward(g)
    np.testing.assert_allclose(X_auto.grad.numpy(), X_fixed.grad.numpy(), rtol=1e-12, atol=1e-12)
    bound = nn.functional.spectral_bound(X_fixed).numpy()
    np.testing.assert_allclose(bound.max(), r, rtol=1e-12)


def _batch_bound(x, shape):
    """THEORY §4c in NumPy: max over the batch of (1/N) sum_k |FFT x|_k."""
    axes = spatial_axes(shape)
    return (np.abs(np.fft.fftn(x, axes=axes)).sum(axis=axes) / np.prod(shape)).max()


def _input(x, shape, domain):
    """The Fourier half spectrum, or the Hartley spectrum Re F - Im F, of ``x``."""
    if domain == "fourier":
        return half_spectrum(x, shape)
    full = np.fft.fftn(x, axes=spatial_axes(shape))
    return Tensor(full.real - full.imag).as_spectrum("hartley", shape)


@pytest.mark.parametrize("domain", ["fourier", "hartley"])
@pytest.mark.parametrize("momentum", [0.1, 0.3])
@pytest.mark.parametrize("shape", [(5, 6), (9,)])
def test_poly_auto_running_radius_follows_the_momentum_rule(domain, momentum, shape):
    rng = np.random.default_rng(15)
    layer = nn.GELU(mode="poly", r="auto", momentum=momentum, domain=domain)
    assert float(layer.running_radius) == 0                      # no estimate yet
    running = None
    for scale in (1.0, 3.0, 0.5, 0.8, 2.0):                       # bounds above and below running
        x = rng.standard_normal((3, 2) + shape) * scale
        b = _batch_bound(x, shape)
        running = b if running is None else (1 - momentum) * running + momentum * b
        y = layer(_input(x, shape, domain))
        np.testing.assert_allclose(float(layer.running_radius), running, rtol=1e-12)
        if domain == "fourier":                                   # training fits on the running radius
            ref = _poly(least_squares_fit("gelu", running, 2), x)
            assert spectrum_rel_err(y.numpy(), np.fft.rfftn(ref, axes=spatial_axes(shape))) < 1e-10
    layer.eval()
    stored = float(layer.running_radius)
    x = rng.standard_normal((3, 2) + shape) * 4
    y = layer(_input(x, shape, domain))
    assert float(layer.running_radius) == stored                 # eval does not update it
    ref = np.fft.fftn(_poly(least_squares_fit("gelu", running, 2), x), axes=spatial_axes(shape))
    if domain == "fourier":
        assert spectrum_rel_err(y.numpy(), ref[..., : shape[-1] // 2 + 1]) < 1e-10
    else:
        assert spectrum_rel_err(y.numpy(), ref.real - ref.imag) < 1e-10


@pytest.mark.parametrize("domain", ["fourier", "hartley"])
@pytest.mark.parametrize("name", sorted(LAYERS))
def test_poly_auto_eval_output_is_independent_of_the_batch(domain, name):
    rng = np.random.default_rng(16)
    shape = (6, 5)
    x = rng.standard_normal((5, 2) + shape) * rng.uniform(0.3, 3, (5, 1, 1, 1))

    def alone_vs_batch(layer):
        whole = layer(_input(x, shape, domain)).numpy()[2:3]
        alone = layer(_input(x[2:3], shape, domain)).numpy()
        return spectrum_rel_err(whole, alone)

    layer = LAYERS[name](mode="poly", r="auto", domain=domain).eval()
    assert alone_vs_batch(layer) > 1e-3              # no running radius yet: the batch bound
    layer.train()
    for _ in range(3):
        layer(_input(rng.standard_normal((4, 2) + shape), shape, domain))
    layer.eval()
    assert alone_vs_batch(layer) < 1e-12


def test_poly_auto_running_radius_is_in_the_state_dict_and_round_trips():
    rng = np.random.default_rng(17)
    shape = (4, 6)
    model = nn.Sequential(nn.ReLU(mode="poly", r="auto"), nn.Tanh(mode="poly", r=2.0),
                          nn.Sigmoid(mode="poly", r="auto", momentum=0.5), nn.GELU())
    for _ in range(2):
        model(half_spectrum(rng.standard_normal((3, 2) + shape), shape))
    state = model.state_dict()
    assert sorted(state) == ["0.running_radius", "2.running_radius"]   # fixed r, exact: none
    assert state["0.running_radius"].shape == () and state["0.running_radius"] > 0
    fresh = nn.Sequential(nn.ReLU(mode="poly", r="auto"), nn.Tanh(mode="poly", r=2.0),
                          nn.Sigmoid(mode="poly", r="auto", momentum=0.5), nn.GELU())
    fresh.load_state_dict(state)
    for key in state:
        assert fresh.state_dict()[key] == state[key]
    X = half_spectrum(rng.standard_normal((2, 2) + shape) * 2, shape)
    model.eval(), fresh.eval()
    np.testing.assert_array_equal(fresh(X).numpy(), model(X).numpy())


def test_poly_auto_momentum_must_be_in_unit_interval():
    for bad in (0, 1.5, -0.1, "fast"):
        with pytest.raises(ValueError, match=r"momentum must be a number in \(0, 1\]"):
            nn.ReLU(mode="poly", momentum=bad)


def test_poly_mode_uses_no_transform():
    X = half_spectrum(np.random.default_rng(9).standard_normal((2, 3, 8, 8)), (8, 8),
                      requires_grad=True)
    with freqnet.profile() as prof:
        y = nn.Sigmoid(mode="poly", degree=4)(nn.ReLU(mode="poly")(X))
        y.real.sum().backward()
    assert prof.transform_count("inverse") == 0 and prof.transform_count("forward") == 0


def test_polynomial_activation_functional_matches_reference():
    rng = np.random.default_rng(10)
    x = rng.standard_normal((2, 2, 5, 6))
    coefficients = [0.3, -1.0, 0.5, 0.25, -0.125]
    y = nn.functional.polynomial_activation(half_spectrum(x, (5, 6)), coefficients)
    assert spectrum_rel_err(y.numpy(), np.fft.rfftn(_poly(coefficients, x), axes=(-2, -1))) < 1e-10


# -- spectral-native -------------------------------------------------------------------------

def _reference_crelu(x_half, shape):
    y = np.maximum(x_half.real, 0) + 1j * np.maximum(x_half.imag, 0)
    # irfftn drops the anti-Hermitian part of the self-conjugate bins; rfftn of the
    # result is that projection, computed independently of freqnet
    return np.fft.rfftn(np.fft.irfftn(y, s=shape, axes=spatial_axes(shape)), axes=spatial_axes(shape))


@pytest.mark.parametrize("lead,shape", CASES)
def test_crelu_is_relu_on_parts_and_stays_a_real_signal_spectrum(lead, shape):
    rng = np.random.default_rng(11)
    x_half = np.fft.rfftn(rng.standard_normal(lead + shape), axes=spatial_axes(shape))
    y = nn.CReLU()(Tensor(x_half).as_spectrum("fourier", shape)).numpy()
    assert spectrum_rel_err(y, _reference_crelu(x_half, shape)) < 1e-12
    # interior bins are plain CReLU of the coefficient
    interior = slice(1, (shape[-1] + 1) // 2)
    np.testing.assert_array_equal(y[..., interior].real, np.maximum(x_half[..., interior].real, 0))
    np.testing.assert_array_equal(y[..., interior].imag, np.maximum(x_half[..., interior].imag, 0))


def test_crelu_gradcheck_and_no_transform():
    rng = np.random.default_rng(12)
    for shape in [(4, 6), (3, 5), (6,)]:
        X = Tensor(_random_half(rng, (2, 2), shape), requires_grad=True)
        freqnet.gradcheck(lambda t: nn.CReLU()(t.as_spectrum("fourier", shape)), [X])
    with freqnet.profile() as prof:
        nn.CReLU()(X.as_spectrum("fourier", (6,))).real.sum().backward()
    assert prof.transform_count("inverse") == 0


def _reference_modrelu(z, b):
    m = np.abs(z)
    scale = np.maximum(m + b[None, :, None, None], 0) / np.where(m > 0, m, 1)
    return z * scale


def test_modrelu_matches_formula_and_gradcheck():
    rng = np.random.default_rng(13)
    shape = (4, 5)
    z = _random_half(rng, (2, 3), shape)
    layer = nn.ModReLU(3, dtype="float64")
    layer.bias.data = freqnet.tensor(np.array([-0.8, 0.3, -1.5])).data
    y = layer(Tensor(z).as_spectrum("fourier", shape))
    assert spectrum_rel_err(y.numpy(), _reference_modrelu(z, layer.bias.numpy())) < 1e-12
    assert np.any(y.numpy() == 0) and np.any(y.numpy() != 0)
    Z = Tensor(z[:, :, :2], requires_grad=True)
    freqnet.gradcheck(lambda t, b: nn.functional.modrelu(t.as_spectrum("fourier", (2, 5)), b),
                      [Z, layer.bias])


def test_modrelu_keeps_real_signal_spectra_real():
    rng = np.random.default_rng(14)
    x_half = np.fft.rfftn(rng.standard_normal((2, 2, 6, 8)), axes=(-2, -1))
    layer = nn.ModReLU(2, dtype="float64")
    layer.bias.data = freqnet.tensor(np.array([-3.0, -10.0])).data
    y = layer(Tensor(x_half).as_spectrum("fourier", (6, 8))).numpy()
    roundtrip = np.fft.rfftn(np.fft.irfftn(y, s=(6, 8), axes=(-2, -1)), axes=(-2, -1))
    assert spectrum_rel_err(roundtrip, y) < 1e-12


# -- errors ------------------------------------------------------------------------------------

def test_activation_errors_name_expected_and_given():
    spatial = Tensor(np.zeros((2, 3, 4, 4)))
    with pytest.raises(ValueError, match="expected a spectrum.*spatial"):
        nn.ReLU(mode="poly")(spatial)
    lost = Tensor(np.zeros((2, 3, 4, 3), dtype=complex))
    with pytest.raises(ValueError, match="lost its spatial size"):
        nn.Tanh()(lost)
    with pytest.raises(ValueError, match="mode must be one of"):
        nn.ReLU(mode="fast")
    with pytest.raises(ValueError, match="degree must be one of"):
        nn.ReLU(mode="poly", degree=7)
    with pytest.raises(ValueError, match="r must be 'auto' or a positive number"):
        nn.ReLU(mode="poly", r=-1)
    with pytest.raises(ValueError, match="unknown domain 'wavelet'"):
        nn.GELU(domain="wavelet")
    with pytest.raises(ValueError, match="expected 4 channels, got 3"):
        nn.ModReLU(4)(Tensor(np.zeros((2, 3, 4, 3), dtype=complex)).as_spectrum("fourier", (4, 4)))
