"""SpectralConv1d/2d against spatial references written here with NumPy loops
(THEORY.md §1): circular cross-correlation y[n] = b + sum x[(n + i - k//2) mod N] w[i]."""
import numpy as np
import pytest
import scipy.ndimage

import freqnet
from freqnet import nn
from freqnet.nn import functional as F
from _reference import multiplicity, spectrum_rel_err

TOL = {"float32": 1e-5, "float64": 1e-10}


# -- independent references -------------------------------------------------------------

def ref_corr2d(x, w, b):
    """Circular cross-correlation, one kernel tap at a time."""
    bsz, cin, h, wd = x.shape
    cout, _, kh, kw = w.shape
    y = np.zeros((bsz, cout, h, wd))
    for i in range(kh):
        rows = (np.arange(h) + i - kh // 2) % h
        for j in range(kw):
            cols = (np.arange(wd) + j - kw // 2) % wd
            shifted = x[:, :, rows][:, :, :, cols]
            for o in range(cout):
                for c in range(cin):
                    y[:, o] += shifted[:, c] * w[o, c, i, j]
    if b is not None:
        y += b[None, :, None, None]
    return y


def ref_corr2d_grads(x, w, gy):
    """Hand-derived gradients of ref_corr2d for the upstream gradient gy."""
    bsz, cin, h, wd = x.shape
    cout, _, kh, kw = w.shape
    gx = np.zeros_like(x, dtype=np.float64)
    gw = np.zeros(w.shape)
    for i in range(kh):
        rows = (np.arange(h) + i - kh // 2) % h
        for j in range(kw):
            cols = (np.arange(wd) + j - kw // 2) % wd
            shifted = x[:, :, rows][:, :, :, cols]
            for o in range(cout):
                for c in range(cin):
                    gw[o, c, i, j] = np.sum(gy[:, o] * shifted[:, c])
                    # y[n] uses x[rows[n]]: scatter gy back to those positions
                    back = np.zeros((bsz, h, wd))
                    back[:, rows[:, None], cols[None, :]] = gy[:, o] * w[o, c, i, j]
                    gx[:, c] += back
    return gx, gw, gy.sum(axis=(0, 2, 3))


def ref_corr1d(x, w, b):
    bsz, cin, n = x.shape
    cout, _, k = w.shape
    y = np.zeros((bsz, cout, n))
    for i in range(k):
        idx = (np.arange(n) + i - k // 2) % n
        for o in range(cout):
            for c in range(cin):
                y[:, o] += x[:, c, idx] * w[o, c, i]
    return y + (0 if b is None else b[None, :, None])


def ref_full_corr2d(x, kern):
    """y[b,o,n] = sum_c sum_m x[b,c,(n+m) mod N] kern[o,c,m] with full-size kernels."""
    bsz, cin, h, wd = x.shape
    y = np.zeros((bsz, kern.shape[0], h, wd))
    for m1 in range(h):
        for m2 in range(wd):
            shifted = np.roll(x, (-m1, -m2), axis=(2, 3))
            y += np.einsum("bchw,oc->bohw", shifted, kern[:, :, m1, m2])
    return y


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a, np.float64) - b)) / max(np.max(np.abs(b)), 1e-300)


def spectral_layer_output(layer, x, dtype, ndim=2):
    xt = freqnet.tensor(x.astype(dtype), requires_grad=True)
    y = nn.ToSpatial(ndim=ndim)(layer(nn.ToSpectrum(ndim=ndim)(xt)))
    return xt, y


def make_conv2d(cin, cout, k, dtype, bias=True, seed=0):
    np.random.seed(seed)
    return nn.SpectralConv2d(cin, cout, k, bias=bias, dtype=dtype)


# -- the reference itself is torch's circular padding ------------------------------------

@pytest.mark.parametrize("k", [1, 3, 5])
def test_reference_matches_scipy_wrap_correlation(k):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((1, 1, 7, 6))
    w = rng.standard_normal((1, 1, k, k))
    expect = scipy.ndimage.correlate(x[0, 0], w[0, 0], mode="wrap")
    assert np.allclose(ref_corr2d(x, w, None)[0, 0], expect, atol=1e-12)


# -- forward ------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,cin,cout,k", [
    ((7, 6), 3, 4, 3),     # odd x even map
    ((8, 9), 1, 2, 5),     # even x odd map
    ((6, 6), 2, 1, 1),
    ((5, 5), 2, 3, 5),     # kernel as large as the map
    ((8, 7), 3, 2, 2),     # even kernel
    ((6, 7), 2, 2, 4),
])
def test_conv2d_spatial_forward(dtype, shape, cin, cout, k):
    rng = np.random.default_rng(2)
    x = rng.standard_normal((3, cin) + shape)
    layer = make_conv2d(cin, cout, k, dtype)
    _, y = spectral_layer_output(layer, x, dtype)
    expect = ref_corr2d(x.astype(dtype), layer.weight.numpy(), layer.bias.numpy())
    assert y.dtype == np.dtype(dtype)
    assert rel_err(y.numpy(), expect) < TOL[dtype]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n,k", [(9, 3), (10, 5), (8, 2), (7, 7)])
def test_conv1d_spatial_forward(dtype, n, k):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((2, 3, n))
    np.random.seed(1)
    layer = nn.SpectralConv1d(3, 2, k, dtype=dtype)
    _, y = spectral_layer_output(layer, x, dtype, ndim=1)
    expect = ref_corr1d(x.astype(dtype), layer.weight.numpy(), layer.bias.numpy())
    assert rel_err(y.numpy(), expect) < TOL[dtype]


def test_output_is_spectrum_of_same_spatial_shape():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 3, 7, 6))))
    y = make_conv2d(3, 5, 3, "float64")(x)
    assert y.domain == "fourier" and y.spatial_shape == (7, 6) and y.shape == (2, 5, 7, 4)


def test_state_dict_names_shapes_and_torch_init_bounds():
    np.random.seed(0)
    layer = nn.SpectralConv2d(16, 8, 3)
    state = layer.state_dict()
    assert list(state) == ["weight", "bias"]
    assert state["weight"].shape == (8, 16, 3, 3) and state["bias"].shape == (8,)
    assert state["weight"].dtype == np.float32
    bound = 1 / np.sqrt(16 * 9)      # kaiming_uniform(a=sqrt(5)) and bias bound of torch
    for v in state.values():
        assert np.abs(v).max() <= bound and np.abs(v).max() > 0.8 * bound
    other = nn.SpectralConv2d(16, 8, 3)
    other.load_state_dict(state)
    assert np.array_equal(other.weight.numpy(), state["weight"])


# -- spectral parameterization --------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 5), (5, 8)])
def test_conv2d_spectral_full_size_is_correlation_with_real_kernel(dtype, shape):
    rng = np.random.default_rng(4)
    x = rng.standard_normal((2, 3) + shape)
    np.random.seed(2)
    layer = nn.SpectralConv2d(3, 2, None, parameterization="spectral", spatial_shape=shape, dtype=dtype)
    # Y = X conj(W): the correlation with the real kernel whose spectrum is W
    # (numpy's irfft2 keeps the Hermitian part of W, as the layer does).
    kern = np.fft.irfft2(layer.weight.numpy().astype(np.complex128), s=shape)
    _, y = spectral_layer_output(layer, x, dtype)
    expect = ref_full_corr2d(x, kern) + layer.bias.numpy()[None, :, None, None]
    assert rel_err(y.numpy(), expect) < TOL[dtype]


def embed_modes(w, shape, m):
    """The (out, in, 2m, m) FNO weights placed in a zero (H, W//2+1) half spectrum."""
    h = shape[0]
    full = np.zeros(w.shape[:2] + (h, shape[1] // 2 + 1), complex)
    for r in range(m):
        full[:, :, r, :m] = w[:, :, r]
        full[:, :, h - m + r, :m] = w[:, :, m + r]
    # a kept bin of a self-paired column (0, and W/2 for even W) whose partner
    # row (-u) mod H is not kept cannot belong to a real kernel: it is dropped
    for r in unpaired_rows(shape, m):
        full[:, :, r, self_paired_columns(shape, m)] = 0
    return full


def self_paired_columns(shape, m):
    return [c for c in ({0, shape[1] // 2} if shape[1] % 2 == 0 else {0}) if c < m]


def unpaired_rows(shape, m):
    h = shape[0]
    kept_rows = set(range(m)) | set(range(h - m, h))
    return sorted(r for r in kept_rows if (-r) % h not in kept_rows)


@pytest.mark.parametrize("shape,m", [((8, 6), 2), ((7, 9), 3), ((6, 6), 3), ((8, 4), 3)])
def test_conv2d_spectral_modes_is_band_limited_correlation(shape, m):
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 2) + shape)
    np.random.seed(3)
    layer = nn.SpectralConv2d(2, 3, 3, parameterization="spectral", modes=m, dtype="float64")
    assert layer.weight.shape == (3, 2, 2 * m, m)
    kern = np.fft.irfft2(embed_modes(layer.weight.numpy(), shape, m), s=shape)
    _, y = spectral_layer_output(layer, x, "float64")
    expect = ref_full_corr2d(x, kern) + layer.bias.numpy()[None, :, None, None]
    assert rel_err(y.numpy(), expect) < 1e-10


def test_conv1d_spectral_modes():
    rng = np.random.default_rng(6)
    x = rng.standard_normal((3, 2, 10))
    np.random.seed(4)
    layer = nn.SpectralConv1d(2, 2, None, parameterization="spectral", modes=4, dtype="float64")
    full = np.zeros((2, 2, 6), complex)
    full[..., :4] = layer.weight.numpy()
    kern = np.fft.irfft(full, n=10)
    expect = np.zeros((3, 2, 10))
    for m in range(10):
        expect += np.einsum("bcn,oc->bon", np.roll(x, -m, axis=2), kern[:, :, m])
    expect += layer.bias.numpy()[None, :, None]
    _, y = spectral_layer_output(layer, x, "float64", ndim=1)
    assert rel_err(y.numpy(), expect) < 1e-10


def test_spectral_output_stays_a_real_spectrum():
    """Non-Hermitian weight parts are projected out: the DC bin stays real."""
    np.random.seed(5)
    layer = nn.SpectralConv2d(2, 2, None, parameterization="spectral", spatial_shape=(4, 4),
                              dtype="float64")
    x = nn.ToSpectrum()(freqnet.tensor(np.random.default_rng(0).standard_normal((1, 2, 4, 4))))
    y = layer(x).numpy()
    assert np.abs(y[..., 0, 0].imag).max() < 1e-12
    assert np.abs(y[..., 2, 0].imag).max() < 1e-12 and np.abs(y[..., 0, 2].imag).max() < 1e-12
    assert np.allclose(y[..., 1, 0], np.conj(y[..., 3, 0]))


# -- gradients --------------------------------------------------------------------------------

@pytest.mark.parametrize("shape,k", [((5, 4), 3), ((4, 5), 2)])
def test_conv2d_spatial_gradcheck(shape, k):
    rng = np.random.default_rng(7)
    x = freqnet.tensor(rng.standard_normal((2, 2) + shape), requires_grad=True)
    w = freqnet.tensor(rng.standard_normal((2, 2, k, k)), requires_grad=True)
    b = freqnet.tensor(rng.standard_normal(2), requires_grad=True)
    freqnet.gradcheck(lambda x, w, b: F.spectral_conv(nn.ToSpectrum()(x), w, b), (x, w, b))


def test_conv2d_gradcheck_on_spectrum_input():
    rng = np.random.default_rng(8)
    xs = rng.standard_normal((2, 2, 4, 2)) + 1j * rng.standard_normal((2, 2, 4, 2))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", (4, 3))
    w = freqnet.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    freqnet.gradcheck(lambda x, w: F.spectral_conv(x, w, None), (x, w))


@pytest.mark.parametrize("modes,spatial", [(None, (4, 4)), (1, None), (2, None)])
def test_conv2d_spectral_gradcheck(modes, spatial):
    rng = np.random.default_rng(9)
    x = freqnet.tensor(rng.standard_normal((2, 2, 4, 5)), requires_grad=True)
    np.random.seed(6)
    shape = (4, 5) if spatial is not None else None
    layer = nn.SpectralConv2d(2, 2, 3, parameterization="spectral", modes=modes,
                              spatial_shape=shape, dtype="float64")
    freqnet.gradcheck(lambda x, w, b: F.spectral_conv(nn.ToSpectrum()(x), w, b, "spectral", modes),
                      (x, layer.weight, layer.bias))


def test_conv1d_gradcheck():
    rng = np.random.default_rng(10)
    x = freqnet.tensor(rng.standard_normal((2, 2, 6)), requires_grad=True)
    w = freqnet.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    b = freqnet.tensor(rng.standard_normal(2), requires_grad=True)
    freqnet.gradcheck(lambda x, w, b: F.spectral_conv(nn.ToSpectrum(ndim=1)(x), w, b), (x, w, b))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,cin,cout,k", [((7, 6), 3, 2, 3), ((6, 9), 2, 3, 4)])
def test_conv2d_gradients_match_reference(dtype, shape, cin, cout, k):
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, cin) + shape)
    gy = rng.standard_normal((3, cout) + shape)
    layer = make_conv2d(cin, cout, k, dtype)
    xt, y = spectral_layer_output(layer, x, dtype)
    (y * freqnet.tensor(gy.astype(dtype))).sum().backward()
    gx, gw, gb = ref_corr2d_grads(x.astype(dtype).astype(np.float64),
                                  layer.weight.numpy().astype(np.float64), gy.astype(dtype))
    assert rel_err(xt.grad.numpy(), gx) < TOL[dtype]
    assert rel_err(layer.weight.grad.numpy(), gw) < TOL[dtype]
    assert rel_err(layer.bias.grad.numpy(), gb) < TOL[dtype]


# -- bad input --------------------------------------------------------------------------------

def test_wrong_channel_count_names_both():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 4, 6, 6))))
    with pytest.raises(ValueError, match="expected 3 input channels, got 4"):
        make_conv2d(3, 2, 3, "float64")(x)


def test_spatial_tensor_where_spectrum_expected():
    with pytest.raises(ValueError, match="expected a spectrum"):
        make_conv2d(3, 2, 3, "float64")(freqnet.tensor(np.ones((2, 3, 6, 6))))


def test_complex_tensor_that_lost_its_spatial_size():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 3, 6, 6))))
    lost = freqnet.tensor(x.numpy())
    with pytest.raises(ValueError, match="lost its spatial size"):
        make_conv2d(3, 2, 3, "float64")(lost)


def test_spectrum_where_spatial_expected():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 3, 6, 6))))
    with pytest.raises(ValueError, match="expected a spatial tensor, got a fourier spectrum"):
        nn.ToSpectrum()(x)


def test_kernel_larger_than_map():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((1, 1, 4, 6))))
    with pytest.raises(ValueError, match=r"kernel of size \(5, 5\) is larger than the \(4, 6\) map"):
        make_conv2d(1, 1, 5, "float64")(x)


def test_bad_constructor_arguments():
    with pytest.raises(ValueError, match="unknown domain 'laplas'"):
        nn.SpectralConv2d(1, 1, 3, domain="laplas")
    with pytest.raises(ValueError, match="needs modes= .* or spatial_shape="):
        nn.SpectralConv2d(1, 1, 3, parameterization="spectral")
    with pytest.raises(ValueError, match="parameterization must be one of"):
        nn.SpectralConv2d(1, 1, 3, parameterization="fourier")
    with pytest.raises(ValueError, match="modes=5 does not fit"):
        nn.SpectralConv2d(1, 1, 3, parameterization="spectral", modes=5, spatial_shape=(8, 8))


def test_spectral_weights_for_another_map_size():
    layer = nn.SpectralConv2d(1, 1, None, parameterization="spectral", spatial_shape=(8, 8))
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((1, 1, 6, 6), np.float32)))
    with pytest.raises(ValueError, match=r"built for \(8, 8\) maps .* spatial shape \(6, 6\)"):
        layer(x)


# -- both routes of the kernel transform (direct DFT of the taps, rfftn of the placed kernel)

@pytest.fixture(params=["direct", "fft"])
def kernel_route(request, monkeypatch):
    from freqnet.domains.fourier import fast
    monkeypatch.setattr(fast, "direct_dft_is_cheaper", lambda k, s: request.param == "direct")
    return request.param


@pytest.mark.parametrize("shape,k", [((7, 6), 3), ((6, 9), 4), ((5, 5), 5)])
def test_conv2d_both_kernel_routes_match_reference(kernel_route, shape, k):
    rng = np.random.default_rng(12)
    x = rng.standard_normal((2, 3) + shape)
    gy = rng.standard_normal((2, 2) + shape)
    layer = make_conv2d(3, 2, k, "float64")
    xt, y = spectral_layer_output(layer, x, "float64")
    assert rel_err(y.numpy(), ref_corr2d(x, layer.weight.numpy(), layer.bias.numpy())) < 1e-10
    (y * freqnet.tensor(gy)).sum().backward()
    gx, gw, _ = ref_corr2d_grads(x, layer.weight.numpy(), gy)
    assert rel_err(xt.grad.numpy(), gx) < 1e-10 and rel_err(layer.weight.grad.numpy(), gw) < 1e-10


@pytest.mark.parametrize("n,k", [(64, 3), (9, 4)])
def test_conv1d_both_kernel_routes(kernel_route, n, k):
    rng = np.random.default_rng(13)
    x = rng.standard_normal((2, 2, n))
    np.random.seed(7)
    layer = nn.SpectralConv1d(2, 3, k, dtype="float64")
    _, y = spectral_layer_output(layer, x, "float64", ndim=1)
    assert rel_err(y.numpy(), ref_corr1d(x, layer.weight.numpy(), layer.bias.numpy())) < 1e-10
    w = freqnet.tensor(rng.standard_normal((2, 2, k)), requires_grad=True)
    xs = freqnet.tensor(rng.standard_normal((2, 2, 6)), requires_grad=True)
    freqnet.gradcheck(lambda x, w: F.spectral_conv(nn.ToSpectrum(ndim=1)(x), w, None), (xs, w))


def test_conv2d_gradcheck_both_routes(kernel_route):
    rng = np.random.default_rng(14)
    x = freqnet.tensor(rng.standard_normal((2, 2, 4, 5)), requires_grad=True)
    w = freqnet.tensor(rng.standard_normal((2, 2, 3, 2)), requires_grad=True)
    freqnet.gradcheck(lambda x, w: F.spectral_conv(nn.ToSpectrum()(x), w, None), (x, w))


def test_conv_chain_on_frequency_major_views():
    """Mixing outputs are frequency-major views; a second conv and the
    transforms take them as they are."""
    rng = np.random.default_rng(15)
    x = rng.standard_normal((2, 2, 6, 7))
    np.random.seed(8)
    c1, c2 = nn.SpectralConv2d(2, 3, 3, dtype="float64"), nn.SpectralConv2d(3, 2, 3, dtype="float64")
    y = nn.ToSpatial()(c2(c1(nn.ToSpectrum()(freqnet.tensor(x)))))
    mid = ref_corr2d(x, c1.weight.numpy(), c1.bias.numpy())
    assert rel_err(y.numpy(), ref_corr2d(mid, c2.weight.numpy(), c2.bias.numpy())) < 1e-10


def ref_corr1d_grads(x, w, gy):
    """Hand-derived gradients of ref_corr1d: y[n] uses x[(n + i - k//2) mod N]."""
    n, k = x.shape[-1], w.shape[-1]
    gx = np.zeros(x.shape)
    gw = np.zeros(w.shape)
    for i in range(k):
        idx = (np.arange(n) + i - k // 2) % n
        for o in range(w.shape[0]):
            for c in range(w.shape[1]):
                gw[o, c, i] = np.sum(gy[:, o] * x[:, c, idx])
                np.add.at(gx[:, c], (slice(None), idx), gy[:, o] * w[o, c, i])
    return gx, gw, gy.sum(axis=(0, 2))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n,k", [(9, 3), (8, 4)])
def test_conv1d_gradients_match_reference(dtype, n, k):
    rng = np.random.default_rng(16)
    x = rng.standard_normal((3, 2, n))
    gy = rng.standard_normal((3, 3, n))
    np.random.seed(9)
    layer = nn.SpectralConv1d(2, 3, k, dtype=dtype)
    xt, y = spectral_layer_output(layer, x, dtype, ndim=1)
    (y * freqnet.tensor(gy.astype(dtype))).sum().backward()
    gx, gw, gb = ref_corr1d_grads(x.astype(dtype).astype(np.float64),
                                  layer.weight.numpy().astype(np.float64), gy.astype(dtype))
    assert rel_err(xt.grad.numpy(), gx) < TOL[dtype]
    assert rel_err(layer.weight.grad.numpy(), gw) < TOL[dtype]
    assert rel_err(layer.bias.grad.numpy(), gb) < TOL[dtype]


# -- output spectra compared without an inverse transform -------------------------------------
# irfftn keeps only the Hermitian part of a half spectrum, so a layer whose output is not the
# spectrum of a real map would pass every check made after ToSpatial; the next spectral layer
# (batch norm's Parseval energy, CReLU, dropout) would not. These compare the output spectrum
# itself with numpy's rfft of the spatial reference.

def ref_full_corr1d(x, kern):
    y = np.zeros((x.shape[0], kern.shape[0], x.shape[-1]))
    for m in range(x.shape[-1]):
        y += np.einsum("bcn,oc->bon", np.roll(x, -m, axis=2), kern[:, :, m])
    return y


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(6, 8), (7, 5), (5, 6)])
def test_conv2d_output_spectra_equal_rfft2_of_reference(dtype, shape):
    rng = np.random.default_rng(17)
    x = rng.standard_normal((2, 3) + shape).astype(dtype)
    spectrum = nn.ToSpectrum()(freqnet.tensor(x))
    np.random.seed(10)
    spatial = nn.SpectralConv2d(3, 2, 3, dtype=dtype)
    full = nn.SpectralConv2d(3, 2, None, parameterization="spectral", spatial_shape=shape, dtype=dtype)
    modes = nn.SpectralConv2d(3, 2, None, parameterization="spectral", modes=2, dtype=dtype)
    kernels = {
        "full": np.fft.irfft2(full.weight.numpy().astype(np.complex128), s=shape),
        "modes": np.fft.irfft2(embed_modes(modes.weight.numpy().astype(np.complex128), shape, 2), s=shape),
    }
    bias = lambda layer: layer.bias.numpy()[None, :, None, None]  # noqa: E731
    cases = [(spatial, ref_corr2d(x, spatial.weight.numpy(), spatial.bias.numpy())),
             (full, ref_full_corr2d(x, kernels["full"]) + bias(full)),
             (modes, ref_full_corr2d(x, kernels["modes"]) + bias(modes))]
    for layer, expect in cases:
        y = layer(spectrum).numpy()
        assert y.dtype == np.result_type(dtype, np.complex64)
        assert spectrum_rel_err(y, np.fft.rfft2(expect)) < TOL[dtype], layer


@pytest.mark.parametrize("n", [8, 9])
def test_conv1d_output_spectra_equal_rfft_of_reference(n):
    rng = np.random.default_rng(18)
    x = rng.standard_normal((3, 2, n))
    spectrum = nn.ToSpectrum(ndim=1)(freqnet.tensor(x))
    np.random.seed(11)
    spatial = nn.SpectralConv1d(2, 3, 3, dtype="float64")
    full = nn.SpectralConv1d(2, 3, None, parameterization="spectral", spatial_shape=(n,), dtype="float64")
    modes = nn.SpectralConv1d(2, 3, None, parameterization="spectral", modes=n // 2 + 1, dtype="float64")
    for layer in (full, modes):             # Im W at DC (and Nyquist) is not a real kernel's
        assert np.abs(layer.weight.numpy()[..., 0].imag).max() > 0.1
    bias = lambda layer: layer.bias.numpy()[None, :, None]  # noqa: E731
    cases = [(spatial, ref_corr1d(x, spatial.weight.numpy(), spatial.bias.numpy())),
             (full, ref_full_corr1d(x, np.fft.irfft(full.weight.numpy(), n=n)) + bias(full)),
             (modes, ref_full_corr1d(x, np.fft.irfft(modes.weight.numpy(), n=n)) + bias(modes))]
    for layer, expect in cases:
        assert spectrum_rel_err(layer(spectrum).numpy(), np.fft.rfft(expect)) < 1e-10, layer


# -- spectral parameterization: gradients against the full-size-kernel reference ----------------

def ref_full_corr2d_grads(x, kern, gy):
    """Gradients of y = ref_full_corr2d(x, kern) for the upstream gradient gy:
    y[n] uses x[n + m], so x[p] receives gy[p - m] kern[m]."""
    h, w = x.shape[2:]
    gx = np.zeros(x.shape)
    gkern = np.zeros(kern.shape)
    for m1 in range(h):
        for m2 in range(w):
            shifted = np.roll(x, (-m1, -m2), axis=(2, 3))
            gkern[:, :, m1, m2] = np.einsum("bohw,bchw->oc", gy, shifted)
            gx += np.roll(np.einsum("bohw,oc->bchw", gy, kern[:, :, m1, m2]), (m1, m2), axis=(2, 3))
    return gx, gkern


def irfft2_adjoint(g, shape):
    """THEORY §0: the gradient of W in kern = irfft2(W, s) is d * rfft2(grad_kern) / N."""
    return multiplicity(shape) * np.fft.rfft2(g) / np.prod(shape)


@pytest.mark.parametrize("shape,m", [((6, 5), None), ((5, 8), None), ((8, 6), 2), ((7, 9), 3)])
def test_conv2d_spectral_gradients_match_reference(shape, m):
    rng = np.random.default_rng(19)
    x = rng.standard_normal((3, 2) + shape)
    gy = rng.standard_normal((3, 3) + shape)
    np.random.seed(12)
    layer = nn.SpectralConv2d(2, 3, None, parameterization="spectral", modes=m,
                              spatial_shape=shape if m is None else None, dtype="float64")
    w = layer.weight.numpy()
    kern = np.fft.irfft2(w if m is None else embed_modes(w, shape, m), s=shape)
    xt, y = spectral_layer_output(layer, x, "float64")
    (y * freqnet.tensor(gy)).sum().backward()
    gx, gkern = ref_full_corr2d_grads(x, kern, gy)
    gw = irfft2_adjoint(gkern, shape)
    if m is not None:                 # the kept modes; dead ones (see embed_modes) get 0
        rows = list(range(m)) + list(range(shape[0] - m, shape[0]))
        gw = gw[:, :, rows, :m]
        for r in unpaired_rows(shape, m):
            gw[:, :, rows.index(r), self_paired_columns(shape, m)] = 0
    assert rel_err(xt.grad.numpy(), gx) < 1e-10
    assert spectrum_rel_err(layer.weight.grad.numpy(), gw) < 1e-10
    assert rel_err(layer.bias.grad.numpy(), gy.sum(axis=(0, 2, 3))) < 1e-10


def test_functional_conv_bias_of_wrong_length_names_both():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((2, 3, 6, 6))))
    w = freqnet.tensor(np.ones((2, 3, 3, 3)))
    with pytest.raises(ValueError, match=r"bias must have shape \(2,\) .*got \(5,\)"):
        F.spectral_conv(x, w, freqnet.tensor(np.ones(5)))
