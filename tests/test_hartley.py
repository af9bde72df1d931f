"""The Hartley domain (THEORY §9(c)(ii)): DHT, its theorems and adjoints, the
Hartley domain registration; references are plain NumPy loops / numpy.fft."""
import os
import sys

import numpy as np
import pytest

import freqnet
import freqnet.optim
from freqnet import backend
from freqnet.domains.hartley import functions as hops
from freqnet.domains.hartley import maths as hartley


def rel(a, b):
    return np.abs(np.asarray(a, float) - b).max() / np.abs(b).max()


def dht_loop(x):
    """True DHT over the last 1 or 2 axes of a 1D/2D array, by the definition."""
    if x.ndim == 1:
        n = len(x)
        return np.array([sum(x[j] * (np.cos(2 * np.pi * k * j / n) + np.sin(2 * np.pi * k * j / n))
                             for j in range(n)) for k in range(n)])
    h, w = x.shape
    u, v = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    out = np.zeros((h, w))
    for k in range(h):
        for l in range(w):
            t = 2 * np.pi * (k * u / h + l * v / w)
            out[k, l] = (x * (np.cos(t) + np.sin(t))).sum()
    return out


def circular_correlate_loop(x, w):
    """y[n] = sum_m x[(n + m) mod N] w[m] over the last two axes."""
    h, wd = x.shape[-2:]
    y = np.zeros_like(x)
    for a in range(h):
        for b in range(wd):
            y += np.roll(x, (-a, -b), axis=(-2, -1)) * w[..., a:a + 1, b:b + 1]
    return y


def circular_convolve_loop(x, w):
    h, wd = x.shape[-2:]
    y = np.zeros_like(x)
    for a in range(h):
        for b in range(wd):
            y += np.roll(x, (a, b), axis=(-2, -1)) * w[..., a:a + 1, b:b + 1]
    return y


# ---------------------------------------------------------------- the transform
@pytest.mark.parametrize("n", [1, 2, 7, 8, 15])
@pytest.mark.parametrize("method", ["matrix", "fft"])
def test_dht_1d_matches_definition(n, method):
    x = np.random.default_rng(n).standard_normal(n)
    assert rel(hartley.dht(x, 1, method), dht_loop(x)) < 1e-12
    assert rel(hartley.dht(x.astype(np.float32), 1, method), dht_loop(x)) < 1e-5


@pytest.mark.parametrize("shape", [(5, 6), (4, 4), (7, 3), (1, 5)])
@pytest.mark.parametrize("method", ["matrix", "fft"])
def test_dht_2d_is_the_true_transform(shape, method):
    x = np.random.default_rng(sum(shape)).standard_normal((2, 3) + shape)
    ref = np.stack([np.stack([dht_loop(c) for c in b]) for b in x])
    y = hartley.dht(x, 2, method)
    assert y.dtype == np.float64 and rel(y, ref) < 1e-12
    assert rel(hartley.dht(x.astype(np.float32), 2, method), ref) < 1e-5


@pytest.mark.parametrize("method", ["matrix", "fft", "fht"])
def test_dht_of_integer_input_is_promoted_like_the_fft(method):
    """Integer maps (e.g. raw pixels) transform in float64, as the FFT does;
    tables in the input's integer dtype would truncate cos/sin to 0, +-1."""
    x = np.random.default_rng(6).integers(0, 256, (2, 4, 8))
    ref = np.stack([dht_loop(c.astype(float)) for c in x])
    y = hartley.dht(x, 2, method)
    assert y.dtype == np.float64 and rel(y, ref) < 1e-12
    assert rel(hartley.dht(x[0, 0] > 100, 1, method), dht_loop((x[0, 0] > 100).astype(float))) < 1e-12
    t = freqnet.nn.ToSpectrum(domain="hartley")(freqnet.tensor(x[:, None]))
    assert t.dtype == np.float64
    assert np.array_equal(np.round(freqnet.nn.ToSpatial()(t).numpy()), x[:, None])


@pytest.mark.parametrize("shape", [(16,), (8, 4), (2, 32)])
def test_fast_hartley_transform(shape):
    x = np.random.default_rng(1).standard_normal((3,) + shape)
    spec = np.fft.fftn(x, axes=tuple(range(-len(shape), 0)))
    assert rel(hartley.dht(x, len(shape), "fht"), spec.real - spec.imag) < 1e-12
    with pytest.raises(ValueError, match="power-of-2 length, got 6"):
        hartley.dht(np.zeros(6), 1, "fht")


def test_separable_transform_is_not_the_true_2d_dht():
    x = np.random.default_rng(2).standard_normal((4, 6))
    separable = hartley.dht(hartley.dht(x, 1).T, 1).T
    assert rel(separable, dht_loop(x)) > 0.1


@pytest.mark.parametrize("ndim,shape", [(1, (3, 2, 8)), (2, (3, 2, 5, 6)), (2, (2, 4, 32, 32))])
def test_dht_of_frequency_major_arrays(ndim, shape):
    """A spectrum the channel mixing left frequency-major is transformed in that layout."""
    x = np.random.default_rng(5).standard_normal(shape)
    lead = len(shape) - ndim
    fmajor = np.ascontiguousarray(np.moveaxis(x, tuple(range(lead)), tuple(range(ndim, len(shape)))))
    view = np.moveaxis(fmajor, tuple(range(ndim, len(shape))), tuple(range(lead)))
    from freqnet.domains import layout
    from freqnet.domains.hartley import fast
    assert np.array_equal(view, x) and fast.is_frequency_major(view, ndim)
    assert not fast.is_frequency_major(x, ndim)
    y = fast.dht(view, ndim)                        # the speed route keeps the layout
    assert fast.is_frequency_major(y, ndim)
    assert rel(y, hartley.dht(x, ndim)) < 1e-13
    flat = x.reshape(shape[0], shape[1], -1)
    assert np.array_equal(layout.frequency_major(flat), flat.transpose(2, 0, 1))


def test_inverse_and_bad_arguments():
    x = np.random.default_rng(3).standard_normal((2, 5, 6))
    assert rel(hartley.idht(hartley.dht(x, 2), 2), x) < 1e-13
    with pytest.raises(ValueError, match="method must be one of"):
        hartley.dht(x, 2, "dct")
    with pytest.raises(ValueError, match="takes real arrays, got dtype complex128"):
        hartley.dht(x + 0j, 2)
    with pytest.raises(ValueError, match="1 or 2 trailing axes, got ndim=3"):
        hartley.dht(x, 3)


def test_matrix_method_uses_no_fft(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("an FFT (complex) was used")
    for name in ("fftn", "ifftn", "rfftn", "irfftn"):
        monkeypatch.setattr(backend, name, refuse)
    x = np.random.default_rng(4).standard_normal((2, 5, 6))
    assert hartley.dht(x, 2).dtype == np.float64


# ---------------------------------------------------------------- theorems
@pytest.mark.parametrize("shape", [(7, 6), (4, 5)])
def test_correlation_convolution_and_product_theorems(shape):
    rng = np.random.default_rng(shape[0])
    x = rng.standard_normal((2, 3) + shape)
    w = rng.standard_normal((2, 3) + shape)
    hx, hw = hartley.dht(x, 2), hartley.dht(w, 2)
    assert rel(hartley.correlate(hx, hw, 2), dht_of(circular_correlate_loop(x, w))) < 1e-12
    assert rel(hartley.convolve(hx, hw, 2), dht_of(circular_convolve_loop(x, w))) < 1e-12
    assert rel(hartley.product(hx, hw, shape), dht_of(x * w)) < 1e-12


def dht_of(a):
    return np.stack([np.stack([dht_loop(c) for c in b]) for b in a])


def test_1d_correlation_theorem():
    rng = np.random.default_rng(9)
    x, w = rng.standard_normal(9), rng.standard_normal(9)
    y = np.array([sum(x[(n + m) % 9] * w[m] for m in range(9)) for n in range(9)])
    assert rel(hartley.correlate(dht_loop(x), dht_loop(w), 1), dht_loop(y)) < 1e-12


def test_correlation_adjoints_by_inner_products():
    rng = np.random.default_rng(10)
    hx, hw, g = (rng.standard_normal((2, 5, 6)) for _ in range(3))
    lhs = (hartley.correlate(hx, hw, 2) * g).sum()
    assert lhs == pytest.approx((hx * hartley.correlate_adjoint_input(g, hw, 2)).sum(), rel=1e-12)
    assert lhs == pytest.approx((hw * hartley.correlate_adjoint_kernel(g, hx, 2)).sum(), rel=1e-12)


def test_avg_pool_and_parseval():
    rng = np.random.default_rng(11)
    x = rng.standard_normal((2, 3, 8, 6))
    ref = x.reshape(2, 3, 4, 2, 3, 2).mean(axis=(3, 5))
    assert rel(hartley.avg_pool(hartley.dht(x, 2), (8, 6), 2), dht_of(ref)) < 1e-12
    y = rng.standard_normal((2, 3, 8, 6))
    parseval = (hartley.dht(x, 2) * hartley.dht(y, 2)).sum() / 48
    assert parseval == pytest.approx((x * y).sum(), rel=1e-12)


# ---------------------------------------------------------------- ops and domain
def test_ops_gradcheck():
    rng = np.random.default_rng(12)
    t = lambda *s: freqnet.tensor(rng.standard_normal(s), requires_grad=True)   # noqa: E731
    x, w, b = t(2, 3, 5, 4), t(2, 3, 5, 4), t(2)
    freqnet.gradcheck(lambda x: hops.dht(x, 2), (x,))
    freqnet.gradcheck(lambda x: hops.idht(x, 1), (x,))
    wm = t(5, 4, 3, 2)                                     # mixing layout (*freq, C, O)
    freqnet.gradcheck(lambda x, w, b: hops.HartleyMix()(x, w, b, 20), (x, wm, b))
    freqnet.gradcheck(lambda w: hops.MixingLayout()(w), (w,))
    for kshape, spatial in (((3, 3), (5, 4)), ((2, 4), (3, 5)), ((3,), (7,)), ((4,), (4,))):
        k = t(2, 3, *kshape)
        freqnet.gradcheck(lambda k: hops.HartleyKernelSpectrum()(k, spatial), (k,))
    p = t(1, 2, 4, 6)
    freqnet.gradcheck(lambda p: hops.HartleyAvgPool()(p, (4, 6), 2), (p,))
    a = t(3, 2 * 20)
    freqnet.gradcheck(lambda a: hops.HartleyParsevalDual()(a, 2, (5, 4)), (a,))


@pytest.mark.parametrize("kshape,spatial", [((3, 3), (6, 5)), ((2, 4), (5, 7)), ((5,), (9,))])
def test_kernel_spectrum_from_taps_is_the_dht_of_the_placed_kernel(kshape, spatial):
    w = np.random.default_rng(15).standard_normal((2, 3) + kshape)
    placed = np.zeros((2, 3) + spatial)
    index = np.ix_(*[(np.arange(k) - k // 2) % n for k, n in zip(kshape, spatial)])
    placed[(Ellipsis,) + index] = w
    want = dht_of(placed) if len(spatial) == 2 else np.apply_along_axis(dht_loop, -1, placed)
    got = hartley.kernel_mixing_weights(w, spatial)               # (*freq, C, O)
    assert rel(np.moveaxis(got, (-1, -2), (0, 1)), want) < 1e-12
    g = np.random.default_rng(16).standard_normal(got.shape)     # adjoint by inner products
    assert (got * g).sum() == pytest.approx(
        (w * hartley.kernel_mixing_weights_adjoint(g, kshape)).sum(), rel=1e-12)


def test_hartley_mix_equals_spatial_multichannel_correlation():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, 2, 6, 5))
    w = rng.standard_normal((4, 2, 6, 5))
    bias = rng.standard_normal(4)
    y = hops.HartleyMix()(freqnet.tensor(hartley.dht(x, 2)),
                          freqnet.tensor(np.moveaxis(hartley.dht(w, 2), (0, 1), (-1, -2))),
                          freqnet.tensor(bias), 30).numpy()
    ref = np.stack([np.stack([sum(circular_correlate_loop(x[b, c], w[o, c]) for c in range(2)) + bias[o]
                              for o in range(4)]) for b in range(3)])
    assert rel(y, dht_of(ref)) < 1e-12


def test_hartley_domain_round_trip_and_errors():
    x = freqnet.tensor(np.random.default_rng(14).standard_normal((2, 3, 5, 6)).astype(np.float32))
    h = freqnet.nn.ToSpectrum(domain="hartley")(x)
    assert h.domain == "hartley" and h.spatial_shape == (5, 6) and h.shape == (2, 3, 5, 6)
    assert h.dtype == np.float32
    assert rel(h.numpy(), dht_of(x.numpy().astype(float))) < 1e-5
    back = freqnet.nn.ToSpatial(domain="hartley")(h)
    assert back.domain is None and rel(back.numpy(), x.numpy()) < 1e-5
    h1 = freqnet.nn.ToSpectrum1d(domain="hartley")(freqnet.tensor(np.ones((1, 1, 7))))
    assert h1.shape == (1, 1, 7) and h1.numpy()[0, 0, 0] == pytest.approx(7)
    with pytest.raises(ValueError, match="expected a fourier spectrum, got a hartley spectrum"):
        freqnet.nn.ToSpatial(domain="fourier")(h)
    with pytest.raises(ValueError, match="must have trailing shape"):
        freqnet.nn.ToSpatial()(freqnet.tensor(np.zeros((1, 1, 5, 4))).as_spectrum("hartley", (5, 6)))


# ---------------------------------------------------------------- layers, domain="hartley"
nn = freqnet.nn


def to_h(x, ndim=2):
    return nn.ToSpectrum(domain="hartley", ndim=ndim)(freqnet.tensor(x))


def to_f(x, ndim=2):
    return nn.ToSpectrum(domain="fourier", ndim=ndim)(freqnet.tensor(x))


def space(spec):
    return nn.ToSpatial(ndim=len(spec.spatial_shape))(spec).numpy()


def placed_correlation(x, w, bias):
    """Circular CNN correlation with taps at offsets i - k//2 (plain loops over taps)."""
    kh, kw = w.shape[-2:]
    y = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:])
    for i in range(kh):
        for j in range(kw):
            shifted = np.roll(x, (-(i - kh // 2), -(j - kw // 2)), axis=(-2, -1))
            y += np.einsum("bchw,oc->bohw", shifted, w[:, :, i, j])
    return y + bias[None, :, None, None]


def copy_params(src, dst):
    for (_, a), (_, b) in zip(src.named_parameters(), dst.named_parameters()):
        b.data[...] = a.data


@pytest.mark.parametrize("b,ci,co,shape,k", [(2, 3, 4, (8, 8), 3), (3, 1, 2, (7, 5), 3),
                                             (2, 2, 3, (6, 9), 2), (2, 4, 1, (5, 5), 5)])
def test_spectral_conv2d_hartley_equals_fourier_twin_and_space(b, ci, co, shape, k):
    rng = np.random.default_rng(sum(shape) + k)
    x = rng.standard_normal((b, ci) + shape).astype(np.float32)
    conv_h = nn.SpectralConv2d(ci, co, k, domain="hartley")
    conv_f = nn.SpectralConv2d(ci, co, k)
    copy_params(conv_h, conv_f)
    yh = conv_h(to_h(x))
    assert yh.domain == "hartley" and yh.dtype == np.float32 and yh.shape == (b, co) + shape
    ref = placed_correlation(x.astype(float), conv_h.weight.numpy().astype(float),
                             conv_h.bias.numpy().astype(float))
    assert rel(space(yh), ref) < 1e-5
    assert rel(space(yh), space(conv_f(to_f(x)))) < 1e-5
    assert rel(yh.numpy(), dht_of(ref)) < 1e-5


def test_spectral_conv1d_hartley_and_full_size_spectral_weights():
    rng = np.random.default_rng(20)
    x = rng.standard_normal((3, 2, 9))
    conv = nn.SpectralConv1d(2, 3, 3, domain="hartley", dtype="float64")
    w, bias = conv.weight.numpy(), conv.bias.numpy()
    ref = sum(np.einsum("bcl,oc->bol", np.roll(x, -(i - 1), axis=-1), w[:, :, i]) for i in range(3))
    assert rel(space(conv(to_h(x, 1))), ref + bias[None, :, None]) < 1e-12
    # spectral parameterization: the weight is the DHT of a full-size kernel
    full = nn.SpectralConv2d(2, 3, None, parameterization="spectral", spatial_shape=(5, 6),
                             domain="hartley", dtype="float64")
    kernel = rng.standard_normal((3, 2, 5, 6))
    full.weight.data[...] = freqnet.tensor(dht_of(kernel)).data
    x2 = rng.standard_normal((2, 2, 5, 6))
    ref2 = np.stack([np.stack([sum(circular_correlate_loop(x2[i, c], kernel[o, c]) for c in range(2))
                               for o in range(3)]) for i in range(2)])
    ref2 += full.bias.numpy()[None, :, None, None]
    assert rel(space(full(to_h(x2))), ref2) < 1e-12
    with pytest.raises(ValueError, match="modes= truncation .* not implemented for the .hartley. domain"):
        nn.SpectralConv2d(2, 3, None, parameterization="spectral", modes=2, domain="hartley")


def test_pools_batchnorm_and_linear_head_equal_space_and_fourier():
    rng = np.random.default_rng(21)
    x = rng.standard_normal((4, 3, 8, 6)).astype(np.float32)
    xd = x.astype(float)
    # average pooling
    pooled = nn.AvgPool2d(2, domain="hartley")(to_h(x))
    assert pooled.domain == "hartley" and pooled.spatial_shape == (4, 3)
    assert rel(space(pooled), xd.reshape(4, 3, 4, 2, 3, 2).mean(axis=(3, 5))) < 1e-5
    assert rel(space(pooled), space(nn.AvgPool2d(2)(to_f(x)))) < 1e-5
    p1 = nn.AvgPool1d(3, domain="hartley")(to_h(x[:, :, 0], 1))
    assert rel(space(p1), xd[:, :, 0].reshape(4, 3, 2, 3).mean(axis=-1)) < 1e-5
    # global average pooling
    gap = nn.GlobalAvgPool(domain="hartley")(to_h(x))
    assert gap.domain is None and rel(gap.numpy(), xd.mean(axis=(2, 3))) < 1e-5
    # batch norm, training then eval
    bn_h, bn_f = nn.BatchNorm2d(3, domain="hartley"), nn.BatchNorm2d(3)
    for bn in (bn_h, bn_f):
        bn.weight.data[...] = [0.5, 1.5, -1.0]
        bn.bias.data[...] = [0.1, -0.2, 0.3]
    mean, var = xd.mean(axis=(0, 2, 3)), xd.var(axis=(0, 2, 3))
    ref = (xd - mean[:, None, None]) / np.sqrt(var[:, None, None] + 1e-5)
    ref = ref * np.array([0.5, 1.5, -1.0])[:, None, None] + np.array([0.1, -0.2, 0.3])[:, None, None]
    yh = bn_h(to_h(x))
    assert rel(space(yh), ref) < 1e-5 and rel(space(yh), space(bn_f(to_f(x)))) < 1e-5
    n = xd.size / 3
    assert rel(backend.to_numpy(bn_h.running_var), 0.9 + 0.1 * var * n / (n - 1)) < 1e-5
    bn_h.eval()
    bn_f.eval()
    assert rel(space(bn_h(to_h(x))), space(bn_f(to_f(x)))) < 1e-5
    x1 = x[:, :, 0].astype(float)
    bn1 = nn.BatchNorm1d(3, domain="hartley", dtype="float64")
    ref1 = (x1 - x1.mean(axis=(0, 2))[:, None]) / np.sqrt(x1.var(axis=(0, 2))[:, None] + 1e-5)
    assert rel(space(bn1(to_h(x1, 1))), ref1) < 1e-12
    # linear head on the spectrum = Linear on the flattened map
    for parameterization in ("spatial", "spectral"):
        head = nn.SpectralLinear(3, (8, 6), 5, parameterization=parameterization, domain="hartley")
        a = rng.uniform(-0.1, 0.1, (5, 3 * 48))
        if parameterization == "spatial":
            head.weight.data[...] = freqnet.tensor(a).data
        else:
            head.weight.data[...] = freqnet.tensor(dht_of(a.reshape(5, 3, 8, 6)) / 48).data
        out = head(to_h(x))
        assert out.dtype == np.float32
        assert rel(out.numpy(), xd.reshape(4, -1) @ a.T + head.bias.numpy()) < 1e-5


@pytest.mark.parametrize("name,fn", [("ReLU", lambda v: np.maximum(v, 0)),
                                     ("Sigmoid", lambda v: 1 / (1 + np.exp(-v))),
                                     ("Tanh", np.tanh)])
def test_activations_exact_and_poly(name, fn):
    rng = np.random.default_rng(22)
    x = rng.standard_normal((2, 3, 5, 6)).astype(np.float32)
    exact = getattr(nn, name)(domain="hartley")(to_h(x))
    assert exact.domain == "hartley" and rel(space(exact), fn(x.astype(float))) < 1e-5
    poly_h = getattr(nn, name)(mode="poly", domain="hartley")(to_h(x))
    poly_f = getattr(nn, name)(mode="poly")(to_f(x))
    assert rel(space(poly_h), space(poly_f)) < 1e-5
    # independent: r = max_b,c (1/N) sum |FFT x|, then the fixed polynomial in space
    from freqnet.spectral.polynomial import least_squares_fit
    r = (np.abs(np.fft.fft2(x.astype(float))).sum(axis=(2, 3)) / 30).max()
    a = least_squares_fit(name.lower(), r, poly_h_degree(name))
    ref = sum(c * x.astype(float) ** j for j, c in enumerate(a))
    assert rel(space(poly_h), ref) < 1e-5


def poly_h_degree(name):
    return getattr(nn, name)(mode="poly").degree


def test_spectral_native_activations_on_real_coefficients():
    h = to_h(np.random.default_rng(23).standard_normal((2, 3, 4, 5)))
    assert np.array_equal(nn.CReLU(domain="hartley")(h).numpy(), np.maximum(h.numpy(), 0))
    m = nn.ModReLU(3, domain="hartley", dtype="float64")
    m.bias.data[...] = -0.5
    v = h.numpy()
    assert rel(m(h).numpy(), np.sign(v) * np.maximum(np.abs(v) - 0.5, 0)) < 1e-12


def test_hartley_layers_gradcheck():
    rng = np.random.default_rng(24)

    def spectrum(*shape):
        t = freqnet.tensor(dht_of(rng.standard_normal(shape)), requires_grad=True)
        return t

    x = spectrum(2, 2, 4, 5)
    conv = nn.SpectralConv2d(2, 2, 3, domain="hartley", dtype="float64")
    tagged = lambda t, s=(4, 5): t.as_spectrum("hartley", s)       # noqa: E731
    freqnet.gradcheck(lambda x, w, b: freqnet.nn.conv.spectral_conv(tagged(x * 1.0), w, b),
                      (x, conv.weight, conv.bias))
    bn = nn.BatchNorm2d(2, domain="hartley", dtype="float64")
    freqnet.gradcheck(lambda x, w, b: (bn.train(), freqnet.nn.normalization.batch_norm(
        tagged(x * 1.0), None, None, w, b, True))[1], (x, bn.weight, bn.bias))
    head = nn.SpectralLinear(2, (4, 5), 3, domain="hartley", dtype="float64")
    freqnet.gradcheck(lambda x, a, b: freqnet.nn.linear.spectral_linear(tagged(x * 1.0), a, b),
                      (x, head.weight, head.bias))
    relu = nn.ReLU(mode="poly", r=2.0, degree=4, domain="hartley")
    freqnet.gradcheck(lambda x: relu(tagged(x * 1.0)), (x,))
    pool = nn.AvgPool2d(2, domain="hartley")
    x2 = spectrum(1, 2, 4, 6)
    freqnet.gradcheck(lambda x: pool(tagged(x * 1.0, (4, 6))), (x2,))
    freqnet.gradcheck(lambda x: nn.GlobalAvgPool(domain="hartley")(tagged(x * 1.0)), (x,))
    tanh = nn.Tanh(domain="hartley")                                # exact: DHT round trip
    freqnet.gradcheck(lambda x: tanh(tagged(x * 1.0)), (x,))
    modrelu = nn.ModReLU(2, domain="hartley", dtype="float64")
    modrelu.bias.data[...] = [0.3, -0.4]
    freqnet.gradcheck(lambda x, b: freqnet.nn.functional.modrelu(tagged(x * 1.0), b),
                      (x, modrelu.bias))
    full = nn.SpectralLinear(2, (4, 5), 3, parameterization="spectral", domain="hartley",
                             dtype="float64")
    freqnet.gradcheck(lambda x, v: freqnet.nn.linear.spectral_linear(
        tagged(x * 1.0), v, None, "spectral"), (x, full.weight))
    conv1 = nn.SpectralConv1d(2, 3, 3, domain="hartley", dtype="float64")
    x1 = freqnet.tensor(rng.standard_normal((2, 2, 7)), requires_grad=True)
    freqnet.gradcheck(lambda x, w, b: freqnet.nn.conv.spectral_conv(x.__mul__(1.0).as_spectrum(
        "hartley", (7,)), w, b), (x1, conv1.weight, conv1.bias))
    spec = nn.SpectralConv2d(2, 2, None, parameterization="spectral", spatial_shape=(4, 5),
                             domain="hartley", dtype="float64")
    freqnet.gradcheck(lambda x, w: freqnet.nn.conv.spectral_conv(tagged(x * 1.0), w, None,
                                                                 "spectral"), (x, spec.weight))


def test_poly_activation_gradient_equals_the_spatial_rule():
    rng = np.random.default_rng(25)
    x = rng.standard_normal((2, 2, 5, 4))
    h = to_h(x)
    h.requires_grad = True
    g = rng.standard_normal((2, 2, 5, 4))
    act = nn.Tanh(mode="poly", r=2.5, domain="hartley")
    (act(h) * freqnet.tensor(dht_of(g))).sum().backward()
    from freqnet.spectral.polynomial import least_squares_fit
    a = least_squares_fit("tanh", 2.5, 3)
    dp = sum(j * c * x ** (j - 1) for j, c in enumerate(a) if j)
    # L = sum_k DHT(p(x))_k DHT(g)_k = N sum_n p(x) g  ->  dL/dX = DHT(p'(x) N g) / N = DHT(p'(x) g)
    assert rel(h.grad.numpy(), dht_of(dp * g)) < 1e-12


class ComplexWatch:
    """sys.settrace hook that records every complex array (or complex Tensor)
    bound to a local variable, or returned, in any freqnet frame: the arrays
    an op makes internally and never wraps as a Tensor. (A temporary that
    lives only inside one expression, never named, is not seen.)"""

    root = os.path.dirname(os.path.abspath(freqnet.__file__))

    def __init__(self):
        self.found, self.frames = [], 0

    def _check(self, frame, name, value):
        for v in value if isinstance(value, (tuple, list)) else (value,):
            dtype = getattr(v, "dtype", None)
            if getattr(dtype, "kind", None) == "c":
                self.found.append(f"{frame.f_code.co_filename}:{frame.f_lineno} {name} {dtype}")

    def _local(self, frame, event, arg):
        for name, value in list(frame.f_locals.items()):
            self._check(frame, name, value)
        if event == "return":
            self._check(frame, "<return>", arg)
        return self._local

    def _call(self, frame, event, arg):
        if frame.f_code.co_filename.startswith(self.root):
            self.frames += 1
            return self._local
        return None

    def __enter__(self):
        self._previous = sys.gettrace()
        sys.settrace(self._call)
        return self

    def __exit__(self, *exc):
        sys.settrace(self._previous)


def test_complex_watch_sees_complex_arrays_inside_freqnet():
    """The watch used below can fail: the FFT route of the DHT makes a complex
    temporary that no Tensor, saved array or gradient ever holds."""
    x = np.random.default_rng(27).standard_normal((2, 4, 5))
    with ComplexWatch() as watch:
        hartley.dht(x, 2, "matrix")
    assert watch.frames > 0 and watch.found == []
    with ComplexWatch() as watch:
        hartley.dht(x, 2, "fft")
    assert any("domains/hartley/maths.py" in f and " spec complex128" in f for f in watch.found)


def test_a_hartley_training_step_creates_no_complex_tensor(monkeypatch):
    """Forward, backward and an SGD step of a small all-Hartley CNN (conv, BN,
    poly ReLU, avg pool, conv, exact tanh, linear head + GAP/dense, cross
    entropy): every Tensor made, every array saved for backward and every
    gradient passed between ops is real, no FFT runs at all, and no local
    variable or return value of any freqnet function (the arrays inside the
    ops, never wrapped as Tensors) is ever complex."""
    from freqnet.autograd import Function
    from freqnet.tensor import Tensor

    rng = np.random.default_rng(26)
    model = nn.Sequential(
        nn.SpectralConv2d(1, 4, 3, bias=False, domain="hartley"),   # BN follows
        nn.BatchNorm2d(4, domain="hartley"),
        nn.ReLU(mode="poly", domain="hartley"),
        nn.AvgPool2d(2, domain="hartley"),
        nn.SpectralConv2d(4, 4, 3, domain="hartley"),
        nn.Tanh(domain="hartley"),                       # exact: DHT round trip
    )
    head = nn.SpectralLinear(4, (4, 4), 3, domain="hartley")
    dense = nn.Linear(4, 3)
    params = list(model.parameters()) + list(head.parameters()) + list(dense.parameters())
    optimizer = freqnet.optim.SGD(params, lr=0.1)
    x = rng.standard_normal((5, 1, 8, 8)).astype(np.float32)
    y = freqnet.tensor(rng.integers(0, 3, 5))
    before = [p.numpy().copy() for p in params]

    made, saved, grads = [], [], []
    original_make, original_init, original_save = Tensor._make.__func__, Tensor.__init__, Function.save
    original_conform = freqnet.autograd.conform_grad

    def conform(grad, like):          # every gradient a backward rule returns passes here
        grads.append(grad.dtype)
        return original_conform(grad, like)

    def make(cls, data, requires_grad):
        made.append(data.dtype)
        return original_make(cls, data, requires_grad)

    def init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        made.append(self.data.dtype)

    def save(self, *arrays):
        saved.extend(a.dtype for a in arrays if hasattr(a, "dtype"))
        original_save(self, *arrays)

    def refuse(*args, **kwargs):
        raise AssertionError("an FFT ran inside a Hartley-domain training step")

    monkeypatch.setattr(Tensor, "_make", classmethod(make))
    monkeypatch.setattr(Tensor, "__init__", init)
    monkeypatch.setattr(Function, "save", save)
    monkeypatch.setattr(freqnet.autograd, "conform_grad", conform)
    for name in ("fftn", "ifftn", "rfftn", "irfftn"):
        monkeypatch.setattr(backend, name, refuse)

    with ComplexWatch() as watch:
        h = model(nn.ToSpectrum(domain="hartley")(freqnet.tensor(x)))
        logits = head(h) + dense(nn.GlobalAvgPool(domain="hartley")(h))
        loss = freqnet.nn.CrossEntropyLoss()(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
    monkeypatch.undo()

    assert watch.frames > 500 and watch.found == []
    assert len(made) > 20 and len(saved) > 10 and len(grads) > 20
    for kind, dtypes in (("tensor", made), ("saved array", saved), ("gradient", grads)):
        assert all(dt.kind != "c" for dt in dtypes), (kind, sorted({dt.name for dt in dtypes}))
    assert all(p.grad is not None and p.grad.dtype.kind == "f" for p in params)
    assert all(not np.array_equal(b, p.numpy()) for b, p in zip(before, params))


def test_spectral_dropout_ties_k_and_minus_k():
    h = freqnet.tensor(np.ones((3, 2, 5, 6))).as_spectrum("hartley", (5, 6))
    drop = nn.SpectralDropout(0.5, rng=0, domain="hartley")
    y = drop(h).numpy()
    assert set(np.unique(y)) == {0.0, 2.0}
    assert np.array_equal(y, hartley.reverse(y, 2))              # bin -k kept iff bin k kept
    assert np.array_equal(y[:, 0], y[:, 1])                      # one mask across channels
    assert drop(h).domain == "hartley"
    drop.eval()
    assert np.array_equal(drop(h).numpy(), h.numpy())


@pytest.mark.parametrize("shape,out", [((8, 6), (4, 3)), ((7, 9), (3, 4)), ((6, 6), (6, 2))])
def test_spectral_pool_equals_the_fourier_twin(shape, out):
    x = np.random.default_rng(sum(shape)).standard_normal((2, 3) + shape).astype(np.float32)
    yh = nn.SpectralPool(output_size=out, domain="hartley")(to_h(x))
    yf = nn.SpectralPool(output_size=out)(to_f(x))
    assert yh.domain == "hartley" and yh.spatial_shape == out
    assert rel(space(yh), space(yf)) < 1e-5
    assert abs(space(yh).mean() - x.mean()) < 1e-5                # the mean is kept
    p1 = nn.SpectralPool1d(factor=2, domain="hartley")(to_h(x[:, :, 0], 1))
    assert rel(space(p1), space(nn.SpectralPool1d(factor=2)(to_f(x[:, :, 0], 1)))) < 1e-5
    g = freqnet.tensor(dht_of(np.random.default_rng(1).standard_normal((1, 2) + shape)),
                       requires_grad=True)
    freqnet.gradcheck(lambda g: nn.SpectralPool(output_size=out, domain="hartley")(
        g.__mul__(1.0).as_spectrum("hartley", shape)), (g,))


def test_profiler_counts_hartley_domain_switches():
    """Exact activations cost an inverse and a forward DHT each; poly ones none,
    so a poly Hartley network trains with zero inverse transforms of data."""
    x = freqnet.tensor(np.random.default_rng(30).standard_normal((2, 1, 8, 8)).astype(np.float32))
    for mode, inverse in (("exact", 1), ("poly", 0)):
        model = nn.Sequential(nn.ToSpectrum(domain="hartley"),
                              nn.SpectralConv2d(1, 2, 3, domain="hartley"),
                              nn.ReLU(mode=mode, domain="hartley"),
                              nn.GlobalAvgPool(domain="hartley"))
        with freqnet.profile() as prof:
            model(x).sum().backward()
        assert prof.transform_count("inverse", "forward", role="activation") == inverse
        assert prof.transform_count("forward", "forward", role="activation") == 1 + inverse
        # backward runs each DHT's adjoint (the input needs no gradient: ToSpectrum's is skipped)
        assert prof.transform_count("inverse", "backward", role="activation") == inverse
        assert prof.transform_count("forward", "backward", role="activation") == inverse


@pytest.mark.parametrize("length,k", [(9, 3), (8, 3), (10, 2), (7, 4)])
def test_1d_hartley_layers_float32_equal_fourier_twins_and_space(length, k):
    """SpectralConv1d, poly ReLU, BatchNorm1d on 1D Hartley spectra (the H = 1
    case of the 2D maths) in float32, odd and even lengths and kernels."""
    rng = np.random.default_rng(length * 10 + k)
    x = rng.standard_normal((3, 2, length)).astype(np.float32)
    xd = x.astype(float)
    conv_h, conv_f = nn.SpectralConv1d(2, 3, k, domain="hartley"), nn.SpectralConv1d(2, 3, k)
    copy_params(conv_h, conv_f)
    w, bias = conv_h.weight.numpy().astype(float), conv_h.bias.numpy().astype(float)
    ref = sum(np.einsum("bcl,oc->bol", np.roll(xd, -(i - k // 2), axis=-1), w[:, :, i])
              for i in range(k)) + bias[None, :, None]
    yh = conv_h(to_h(x, 1))
    assert yh.dtype == np.float32 and yh.domain == "hartley" and yh.spatial_shape == (length,)
    assert rel(space(yh), ref) < 1e-5 and rel(space(yh), space(conv_f(to_f(x, 1)))) < 1e-5
    relu = nn.ReLU(mode="poly", r=3.0, degree=4, domain="hartley")
    from freqnet.spectral.polynomial import least_squares_fit
    a = least_squares_fit("relu", 3.0, 4)
    yp = relu(to_h(x, 1))
    assert yp.dtype == np.float32
    assert rel(space(yp), sum(c * xd ** j for j, c in enumerate(a))) < 1e-5
    assert rel(space(yp), space(nn.ReLU(mode="poly", r=3.0, degree=4)(to_f(x, 1)))) < 1e-5
    bn = nn.BatchNorm1d(2, domain="hartley")
    ref_bn = (xd - xd.mean(axis=(0, 2))[:, None]) / np.sqrt(xd.var(axis=(0, 2))[:, None] + 1e-5)
    assert rel(space(bn(to_h(x, 1))), ref_bn) < 1e-5


def test_1d_hartley_layers_gradcheck():
    rng = np.random.default_rng(31)
    x = freqnet.tensor(np.apply_along_axis(dht_loop, -1, rng.standard_normal((2, 2, 6))),
                       requires_grad=True)
    tagged = lambda t: t.as_spectrum("hartley", (6,))          # noqa: E731
    relu = nn.ReLU(mode="poly", r=2.0, degree=4, domain="hartley")
    freqnet.gradcheck(lambda x: relu(tagged(x * 1.0)), (x,))
    pool = nn.AvgPool1d(2, domain="hartley")
    freqnet.gradcheck(lambda x: pool(tagged(x * 1.0)), (x,))
    bn = nn.BatchNorm1d(2, domain="hartley", dtype="float64")
    freqnet.gradcheck(lambda x, w, b: freqnet.nn.normalization.batch_norm(
        tagged(x * 1.0), None, None, w, b, True), (x, bn.weight, bn.bias))
    head = nn.SpectralLinear(2, (6,), 3, domain="hartley", dtype="float64")
    freqnet.gradcheck(lambda x, a, b: freqnet.nn.linear.spectral_linear(tagged(x * 1.0), a, b, ndim=1),
                      (x, head.weight, head.bias))
