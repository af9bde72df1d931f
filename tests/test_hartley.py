"""The Hartley domain (THEORY §9(c)(ii)): DHT, its theorems and adjoints, the
Hartley domain registration; references are plain NumPy loops / numpy.fft."""
import numpy as np
import pytest

import freqnet
from freqnet import backend
from freqnet.ops import hartley as hops
from freqnet.spectral import hartley


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
    weights = hartley.parseval_weights((8, 6), np, "float64")
    assert (weights * hartley.dht(x, 2) * hartley.dht(y, 2)).sum() == pytest.approx((x * y).sum(), rel=1e-12)


# ---------------------------------------------------------------- ops and domain
def test_ops_gradcheck():
    rng = np.random.default_rng(12)
    t = lambda *s: freqnet.tensor(rng.standard_normal(s), requires_grad=True)   # noqa: E731
    x, w, b = t(2, 3, 5, 4), t(2, 3, 5, 4), t(2)
    freqnet.gradcheck(lambda x: hops.dht(x, 2), (x,))
    freqnet.gradcheck(lambda x: hops.idht(x, 1), (x,))
    freqnet.gradcheck(lambda x, w, b: hops.HartleyMix()(x, w, b, 20), (x, w, b))
    k = t(2, 3, 3, 3)
    freqnet.gradcheck(lambda k: hops.HartleyKernelSpectrum()(k, (5, 4)), (k,))
    p = t(1, 2, 4, 6)
    freqnet.gradcheck(lambda p: hops.HartleyAvgPool()(p, (4, 6), 2), (p,))
    a = t(3, 2 * 20)
    freqnet.gradcheck(lambda a: hops.HartleyParsevalDual()(a, 2, (5, 4)), (a,))


def test_hartley_mix_equals_spatial_multichannel_correlation():
    rng = np.random.default_rng(13)
    x = rng.standard_normal((3, 2, 6, 5))
    w = rng.standard_normal((4, 2, 6, 5))
    bias = rng.standard_normal(4)
    y = hops.HartleyMix()(freqnet.tensor(hartley.dht(x, 2)), freqnet.tensor(hartley.dht(w, 2)),
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
