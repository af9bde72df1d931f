"""Linear, Flatten and SpectralLinear against an explicit flattened matmul
(THEORY.md §7: Parseval with the d_v weights)."""
import numpy as np
import pytest

import freqnet
from freqnet import nn
from freqnet.nn import functional as F
from _reference import multiplicity, spatial_axes

TOL = {"float32": 1e-5, "float64": 1e-10}


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a, np.float64) - b)) / max(np.max(np.abs(b)), 1e-300)


def ref_linear(xflat, a, b):
    """out[n, j] = sum_p a[j, p] x[n, p] + b[j], written as loops over outputs."""
    out = np.zeros((xflat.shape[0], a.shape[0]))
    for j in range(a.shape[0]):
        out[:, j] = (xflat * a[j]).sum(axis=1) + (0 if b is None else b[j])
    return out


def test_linear_names_init_forward_and_grads():
    np.random.seed(0)
    layer = nn.Linear(12, 5, dtype="float64")
    assert list(layer.state_dict()) == ["weight", "bias"]
    assert layer.weight.shape == (5, 12) and layer.bias.shape == (5,)
    assert np.abs(layer.weight.numpy()).max() <= 1 / np.sqrt(12)
    rng = np.random.default_rng(1)
    x = freqnet.tensor(rng.standard_normal((4, 12)), requires_grad=True)
    gy = rng.standard_normal((4, 5))
    y = layer(x)
    a, b = layer.weight.numpy(), layer.bias.numpy()
    assert rel_err(y.numpy(), ref_linear(x.numpy(), a, b)) < 1e-12
    (y * freqnet.tensor(gy)).sum().backward()
    assert rel_err(x.grad.numpy(), gy @ a) < 1e-12
    assert rel_err(layer.weight.grad.numpy(), gy.T @ x.numpy()) < 1e-12
    assert rel_err(layer.bias.grad.numpy(), gy.sum(0)) < 1e-12
    freqnet.gradcheck(lambda x, w, b: F.linear(x, w, b), (x, layer.weight, layer.bias))


def test_linear_wrong_feature_count():
    with pytest.raises(ValueError, match="expected 12 input features, got 10"):
        nn.Linear(12, 3)(freqnet.tensor(np.ones((2, 10), np.float32)))


def test_linear_rejects_a_spectrum():
    """A half spectrum's last axis is not a feature axis: Linear must not mix it."""
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 3, 6, 6), np.float32)))   # (2, 3, 6, 4)
    with pytest.raises(ValueError, match=r"expected a spatial .*got a fourier spectrum of shape "
                                         r"\(2, 3, 6, 4\) \(spatial shape \(6, 6\)\).*SpectralLinear"):
        nn.Linear(4, 3)(x)


def test_flatten():
    x = freqnet.tensor(np.arange(2 * 3 * 4 * 5, dtype=np.float64).reshape(2, 3, 4, 5), requires_grad=True)
    y = nn.Flatten()(x)
    assert y.shape == (2, 60) and np.array_equal(y.numpy(), x.numpy().reshape(2, 60))
    assert nn.Flatten(1, 2)(x).shape == (2, 12, 5)
    y.sum().backward()
    assert np.array_equal(x.grad.numpy(), np.ones(x.shape))


# -- SpectralLinear ---------------------------------------------------------------------------

def spectral_head(x, layer, dtype, gy=None):
    xt = freqnet.tensor(x.astype(dtype), requires_grad=True)
    y = layer(nn.ToSpectrum(ndim=x.ndim - 2)(xt))
    if gy is not None:
        (y * freqnet.tensor(gy.astype(dtype))).sum().backward()
    return xt, y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,c,j", [((7, 6), 3, 4), ((6, 5), 1, 2), ((8, 8), 2, 10),
                                        ((9,), 3, 5), ((10,), 2, 3)])
def test_spectral_linear_spatial_weights_equal_linear_on_flattened_map(dtype, shape, c, j):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, c) + shape)
    gy = rng.standard_normal((3, j))
    np.random.seed(3)
    layer = nn.SpectralLinear(c, shape, j, dtype=dtype)
    a, b = layer.weight.numpy().astype(np.float64), layer.bias.numpy()
    assert a.shape == (j, c * np.prod(shape))
    xt, y = spectral_head(x, layer, dtype, gy)
    xflat = x.astype(dtype).reshape(3, -1)
    assert y.dtype == np.dtype(dtype)
    assert rel_err(y.numpy(), ref_linear(xflat, a, b)) < TOL[dtype]
    gyd = gy.astype(dtype).astype(np.float64)
    assert rel_err(xt.grad.numpy(), (gyd @ a).reshape(x.shape)) < TOL[dtype]
    assert rel_err(layer.weight.grad.numpy(), gyd.T @ xflat) < TOL[dtype]
    assert rel_err(layer.bias.grad.numpy(), gyd.sum(0)) < TOL[dtype]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 4), (5, 7), (8,), (9,)])
def test_spectral_linear_spectral_weights_equal_linear(shape, dtype):
    """V = d conj(rfft(A)) / N (computed here with numpy) reads out sum A x."""
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3) + shape).astype(dtype)
    a = rng.standard_normal((4, 3 * int(np.prod(shape))))
    d = multiplicity(shape)
    axes = spatial_axes(shape)
    v = d * np.conj(np.fft.rfftn(a.reshape((4, 3) + shape), axes=axes)) / np.prod(shape)
    layer = nn.SpectralLinear(3, shape, 4, parameterization="spectral", dtype=dtype)
    assert layer.weight.shape == v.shape
    assert layer.weight.dtype == np.result_type(dtype, np.complex64)
    layer.weight.data = freqnet.tensor(v.astype(layer.weight.dtype)).data
    _, y = spectral_head(x, layer, dtype)
    assert y.dtype == np.dtype(dtype)
    assert rel_err(y.numpy(), ref_linear(x.reshape(2, -1), a, layer.bias.numpy())) < TOL[dtype]


def test_spectral_linear_spectral_init_is_a_torch_initialised_linear():
    np.random.seed(5)
    spatial = nn.SpectralLinear(2, (6, 5), 3, dtype="float64")
    np.random.seed(5)
    spectral = nn.SpectralLinear(2, (6, 5), 3, parameterization="spectral", dtype="float64")
    x = nn.ToSpectrum()(freqnet.tensor(np.random.default_rng(6).standard_normal((4, 2, 6, 5))))
    assert rel_err(spectral(x).numpy(), spatial(x).numpy()) < 1e-12


def test_spectral_linear_dead_parameters_get_zero_gradient():
    """Im V at the self-conjugate bins multiplies a real X: its gradient is 0."""
    layer = nn.SpectralLinear(2, (4, 6), 3, parameterization="spectral", dtype="float64")
    x = nn.ToSpectrum()(freqnet.tensor(np.random.default_rng(7).standard_normal((5, 2, 4, 6))))
    layer(x).sum().backward()
    g = layer.weight.grad.numpy()
    for u in (0, 2):
        for v in (0, 3):
            assert np.abs(g[:, :, u, v].imag).max() < 1e-12
    assert np.abs(g[:, :, 1, 1].imag).max() > 1e-3


@pytest.mark.parametrize("parameterization", ["spatial", "spectral"])
def test_spectral_linear_gradcheck(parameterization):
    rng = np.random.default_rng(8)
    x = freqnet.tensor(rng.standard_normal((2, 2, 4, 3)), requires_grad=True)
    layer = nn.SpectralLinear(2, (4, 3), 3, parameterization=parameterization, dtype="float64")
    freqnet.gradcheck(
        lambda x, w, b: F.spectral_linear(nn.ToSpectrum()(x), w, b, parameterization),
        (x, layer.weight, layer.bias))


def test_spectral_linear_gradcheck_on_complex_spectrum():
    rng = np.random.default_rng(9)
    xs = rng.standard_normal((2, 2, 4, 3)) + 1j * rng.standard_normal((2, 2, 4, 3))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", (4, 4))
    w = freqnet.tensor(rng.standard_normal((3, 2 * 16)), requires_grad=True)
    freqnet.gradcheck(lambda x, w: F.spectral_linear(x, w, None), (x, w))


def test_spectral_linear_state_dict_carries_over_from_torch_linear_shapes():
    rng = np.random.default_rng(10)
    state = {"weight": rng.standard_normal((10, 2 * 4 * 4)).astype(np.float32),
             "bias": rng.standard_normal(10).astype(np.float32)}
    layer = nn.SpectralLinear(2, (4, 4), 10)
    layer.load_state_dict(state)
    x = rng.standard_normal((3, 2, 4, 4)).astype(np.float32)
    y = layer(nn.ToSpectrum()(freqnet.tensor(x)))
    assert rel_err(y.numpy(), ref_linear(x.reshape(3, -1), state["weight"].astype(np.float64),
                                         state["bias"])) < 1e-5


def test_spectral_linear_bad_input():
    layer = nn.SpectralLinear(2, (4, 4), 3)
    with pytest.raises(ValueError, match=r"expected 2 channels of \(4, 4\) maps, got 3 channels"):
        layer(nn.ToSpectrum()(freqnet.tensor(np.ones((1, 3, 4, 4), np.float32))))
    with pytest.raises(ValueError, match=r"got 2 channels of \(6, 6\) maps"):
        layer(nn.ToSpectrum()(freqnet.tensor(np.ones((1, 2, 6, 6), np.float32))))
    with pytest.raises(ValueError, match="expected a spectrum"):
        layer(freqnet.tensor(np.ones((1, 2, 4, 4), np.float32)))
    with pytest.raises(ValueError, match="lost its spatial size"):
        layer(freqnet.tensor(np.ones((1, 2, 4, 3), np.complex64)))


def test_functional_heads_bias_of_wrong_length_names_both():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 2, 4, 4))))
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\) .*got \(4,\)"):
        F.spectral_linear(x, freqnet.tensor(np.ones((3, 32))), freqnet.tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"bias must have shape \(3,\) .*got \(4,\)"):
        F.linear(freqnet.tensor(np.ones((2, 5))), freqnet.tensor(np.ones((3, 5))),
                 freqnet.tensor(np.ones(4)))
