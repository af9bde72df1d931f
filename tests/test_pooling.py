"""Pooling on spectra against spatial references written here (THEORY.md §6, §7)."""
import numpy as np
import pytest

import freqnet
from freqnet import nn
from freqnet.nn import functional as F
from _reference import spectrum_rel_err

TOL = {"float32": 1e-5, "float64": 1e-10}


def rel_err(a, b):
    return np.max(np.abs(np.asarray(a, np.float64) - b)) / max(np.max(np.abs(b)), 1e-300)


def ref_block_average_2d(x, s):
    bsz, c, h, w = x.shape
    y = np.zeros((bsz, c, h // s, w // s))
    for i in range(h // s):
        for j in range(w // s):
            y[:, :, i, j] = x[:, :, i * s:(i + 1) * s, j * s:(j + 1) * s].mean(axis=(2, 3))
    return y


def ref_block_average_2d_grad(gy, s):
    """Each input pixel receives 1/s^2 of its block's upstream gradient."""
    bsz, c, ho, wo = gy.shape
    gx = np.zeros((bsz, c, ho * s, wo * s))
    for i in range(ho * s):
        for j in range(wo * s):
            gx[:, :, i, j] = gy[:, :, i // s, j // s] / s ** 2
    return gx


def ref_block_average_1d(x, s):
    n = x.shape[-1]
    return np.stack([x[..., i * s:(i + 1) * s].mean(axis=-1) for i in range(n // s)], axis=-1)


def run(layer, x, dtype, ndim=2, gy=None):
    xt = freqnet.tensor(x.astype(dtype), requires_grad=True)
    out = layer(nn.ToSpectrum(ndim=ndim)(xt))
    y = nn.ToSpatial(ndim=ndim)(out) if out.domain is not None else out
    if gy is not None:
        (y * freqnet.tensor(gy.astype(dtype))).sum().backward()
    return out, y, xt


# -- average pooling ---------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,s,c", [((8, 6), 2, 3), ((9, 6), 3, 1), ((12, 8), 4, 2),
                                        ((10, 10), 5, 2), ((6, 4), 1, 2), ((4, 8), 4, 3)])
def test_avg_pool2d_forward_and_gradient_match_block_average(dtype, shape, s, c):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, c) + shape)
    gy = rng.standard_normal((3, c, shape[0] // s, shape[1] // s))
    out, y, xt = run(nn.AvgPool2d(s), x, dtype, gy=gy)
    assert out.domain == "fourier" and out.spatial_shape == (shape[0] // s, shape[1] // s)
    assert rel_err(y.numpy(), ref_block_average_2d(x.astype(dtype), s)) < TOL[dtype]
    assert rel_err(xt.grad.numpy(), ref_block_average_2d_grad(gy.astype(dtype), s)) < TOL[dtype]


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("n,s", [(8, 2), (9, 3), (12, 4), (10, 5)])
def test_avg_pool1d_matches_block_average(dtype, n, s):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((2, 3, n))
    gy = rng.standard_normal((2, 3, n // s))
    out, y, xt = run(nn.AvgPool1d(s), x, dtype, ndim=1, gy=gy)
    assert out.spatial_shape == (n // s,)
    assert rel_err(y.numpy(), ref_block_average_1d(x.astype(dtype), s)) < TOL[dtype]
    expect = np.zeros(x.shape)
    for i in range(n):                      # each pixel gets 1/s of its block's gradient
        expect[..., i] = gy.astype(dtype)[..., i // s] / s
    assert rel_err(xt.grad.numpy(), expect) < TOL[dtype]


@pytest.mark.parametrize("shape,s", [((4, 6), 2), ((6, 3), 3), ((4, 4), 4)])
def test_avg_pool2d_gradcheck_on_spectrum(shape, s):
    rng = np.random.default_rng(2)
    m = shape[1] // 2 + 1
    xs = rng.standard_normal((2, 1, shape[0], m)) + 1j * rng.standard_normal((2, 1, shape[0], m))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", shape)
    freqnet.gradcheck(lambda x: F.avg_pool(x, s), (x,))


def test_avg_pool1d_gradcheck():
    rng = np.random.default_rng(3)
    xs = rng.standard_normal((2, 2, 5)) + 1j * rng.standard_normal((2, 2, 5))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", (8,))
    freqnet.gradcheck(lambda x: F.avg_pool(x, 2), (x,))


def test_avg_pool_non_divisible_size_names_size_and_stride():
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((1, 1, 7, 6))))
    with pytest.raises(ValueError, match=r"spatial size \(7, 6\) is not divisible by the pooling stride 2"):
        nn.AvgPool2d(2)(x)
    with pytest.raises(ValueError, match="only window = stride"):
        nn.AvgPool2d(3, stride=2)


def test_pool_rejects_spatial_input_and_lost_size():
    with pytest.raises(ValueError, match="expected a spectrum"):
        nn.AvgPool2d(2)(freqnet.tensor(np.ones((1, 1, 4, 4))))
    lost = freqnet.tensor(np.ones((1, 1, 4, 3), complex))
    for layer in (nn.AvgPool2d(2), nn.SpectralPool(factor=2), nn.GlobalAvgPool()):
        with pytest.raises(ValueError, match="lost its spatial size"):
            layer(lost)


# -- spectral pooling -----------------------------------------------------------------------------

def ref_spectral_pool(x, s):
    """THEORY §6: fold of X*R, R = 1 for |q| < N'/2, 1/2 at |q| = N'/2, 0 beyond,
    on the full 2D DFT; one output frequency at a time."""
    bsz, c, h, w = x.shape
    ho, wo = h // s, w // s
    big = np.fft.fft2(x)

    def r(q, n, n_out):
        signed = q if q <= n // 2 else q - n
        a = abs(signed)
        return 1.0 if 2 * a < n_out else (0.5 if 2 * a == n_out else 0.0)

    small = np.zeros((bsz, c, ho, wo), complex)
    for u in range(h):
        for v in range(w):
            weight = r(u, h, ho) * r(v, w, wo)
            if weight:
                small[:, :, u % ho, v % wo] += weight * big[:, :, u, v] / s ** 2
    return np.fft.ifft2(small).real


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,s", [((8, 8), 2), ((9, 6), 3), ((12, 10), 2), ((6, 9), 3)])
def test_spectral_pool_matches_its_definition(dtype, shape, s):
    x = np.random.default_rng(4).standard_normal((2, 3) + shape)
    out, y, _ = run(nn.SpectralPool(factor=s), x, dtype)
    assert out.spatial_shape == (shape[0] // s, shape[1] // s)
    assert rel_err(y.numpy(), ref_spectral_pool(x.astype(dtype), s)) < TOL[dtype]


@pytest.mark.parametrize("shape,s", [((12, 8), 2), ((9, 9), 3)])
def test_spectral_pool_of_band_limited_map_is_subsampling(shape, s):
    rng = np.random.default_rng(5)
    h, w = shape
    ho, wo = h // s, w // s
    big = np.zeros((1, 2, h, w), complex)
    for u in range(-((ho - 1) // 2), (ho - 1) // 2 + 1):       # strictly below the new Nyquist
        for v in range(-((wo - 1) // 2), (wo - 1) // 2 + 1):
            big[:, :, u % h, v % w] = rng.standard_normal(2) + 1j * rng.standard_normal(2)
    x = np.fft.ifft2(big).real
    _, y, _ = run(nn.SpectralPool(output_size=(ho, wo)), x, "float64")
    assert rel_err(y.numpy(), x[:, :, ::s, ::s]) < 1e-10
    assert abs(y.numpy().mean() - x.mean()) < 1e-12


def test_spectral_pool_removes_aliasing_that_avg_pool_lets_through():
    n, s = 16, 2
    t = np.arange(n)
    x = np.cos(2 * np.pi * (n // s + 1) * t / n)[None, None, :]       # above the new Nyquist
    _, spectral, _ = run(nn.SpectralPool1d(factor=s), x, "float64", ndim=1)
    _, average, _ = run(nn.AvgPool1d(s), x, "float64", ndim=1)
    assert np.abs(spectral.numpy()).max() < 1e-12
    assert np.abs(average.numpy()).max() > 0.05


def test_spectral_pool_arbitrary_output_size_1d():
    x = np.random.default_rng(6).standard_normal((2, 1, 10))
    _, y, _ = run(nn.SpectralPool1d(output_size=7), x, "float64", ndim=1)
    spec = np.fft.fft(x)
    small = np.zeros((2, 1, 7), complex)
    for q in range(-3, 4):
        small[..., q % 7] = spec[..., q % 10] * 7 / 10
    assert rel_err(y.numpy(), np.fft.ifft(small).real) < 1e-10


@pytest.mark.parametrize("shape,out", [((6, 4), (3, 2)), ((5, 6), (4, 3)), ((4, 4), (4, 4))])
def test_spectral_pool_gradcheck(shape, out):
    rng = np.random.default_rng(7)
    m = shape[1] // 2 + 1
    xs = rng.standard_normal((2, 1, shape[0], m)) + 1j * rng.standard_normal((2, 1, shape[0], m))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", shape)
    freqnet.gradcheck(lambda x: F.spectral_pool(x, output_size=out), (x,))


def test_spectral_pool_gradient_matches_reference_adjoint():
    """The spatial gradient of the pooled map: the adjoint of ref_spectral_pool."""
    rng = np.random.default_rng(8)
    shape, s = (8, 6), 2
    x = rng.standard_normal((2, 2) + shape)
    gy = rng.standard_normal((2, 2, 4, 3))
    _, _, xt = run(nn.SpectralPool(factor=s), x, "float64", gy=gy)
    # ref_spectral_pool is linear in x: its gradient is its matrix transposed
    basis = np.eye(np.prod(shape)).reshape((-1, 1, 1) + shape)
    columns = np.stack([ref_spectral_pool(e, s)[0, 0].ravel() for e in basis], axis=1)
    expect = np.einsum("bcp,pq->bcq", gy.reshape(2, 2, -1), columns).reshape(x.shape)
    assert rel_err(xt.grad.numpy(), expect) < 1e-10


def test_spectral_pool_bad_arguments():
    with pytest.raises(ValueError, match="exactly one of factor= or output_size="):
        nn.SpectralPool()
    x = nn.ToSpectrum()(freqnet.tensor(np.ones((1, 1, 4, 4))))
    with pytest.raises(ValueError, match=r"output size \(5, 2\)"):
        nn.SpectralPool(output_size=(5, 2))(x)


# -- global average pooling --------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape", [(7, 6), (5, 5), (9,), (8,)])
def test_global_avg_pool_matches_mean(dtype, shape):
    rng = np.random.default_rng(9)
    x = rng.standard_normal((3, 4) + shape)
    gy = rng.standard_normal((3, 4))
    out, y, xt = run(nn.GlobalAvgPool(), x, dtype, ndim=len(shape), gy=gy)
    axes = tuple(range(2, x.ndim))
    assert out.domain is None and y.shape == (3, 4) and y.dtype == np.dtype(dtype)
    assert rel_err(y.numpy(), x.astype(dtype).mean(axis=axes)) < TOL[dtype]
    expect = np.broadcast_to(gy.reshape(gy.shape + (1,) * len(shape)), x.shape) / np.prod(shape)
    assert rel_err(xt.grad.numpy(), expect) < TOL[dtype]


def test_global_avg_pool_gradcheck():
    rng = np.random.default_rng(10)
    xs = rng.standard_normal((2, 3, 4, 3)) + 1j * rng.standard_normal((2, 3, 4, 3))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", (4, 5))
    freqnet.gradcheck(lambda x: F.global_avg_pool(x), (x,))


# -- output spectra compared without an inverse transform ---------------------------------------
# irfftn keeps only the Hermitian part of a half spectrum (the new Nyquist bins of a crop are
# exactly such a part), so these compare the pooled spectrum itself with numpy's rfftn of the
# spatial reference.

def ref_spectral_crop(x, out_shape):
    """Rippel's crop to any output size, one input frequency at a time: bins with signed
    |q| < n'/2 go to q mod n', bins with |q| = n'/2 (n' < n) add half to it, the rest are
    cut; then scale by N'/N. Returns the spatial map."""
    nd = len(out_shape)
    in_shape = x.shape[-nd:]
    axes = tuple(range(-nd, 0))
    big = np.fft.fftn(x, axes=axes)
    small = np.zeros(x.shape[:-nd] + tuple(out_shape), complex)
    for index in np.ndindex(*in_shape):
        weight, target = 1.0, []
        for q, n, n_out in zip(index, in_shape, out_shape):
            signed = q if q <= n // 2 else q - n
            if n_out < n and 2 * abs(signed) == n_out:
                weight *= 0.5
            elif n_out < n and 2 * abs(signed) > n_out:
                weight = 0.0
            target.append(signed % n_out)
        if weight:
            small[(Ellipsis,) + tuple(target)] += weight * big[(Ellipsis,) + index]
    return np.fft.ifftn(small, axes=axes).real * (np.prod(out_shape) / np.prod(in_shape))


def test_ref_spectral_crop_is_ref_spectral_pool_for_divisors():
    x = np.random.default_rng(11).standard_normal((2, 2, 9, 6))
    assert rel_err(ref_spectral_crop(x, (3, 2)), ref_spectral_pool(x, 3)) < 1e-12


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,out", [((8, 8), (4, 4)), ((9, 7), (4, 4)), ((7, 9), (6, 2)),
                                       ((8, 8), (3, 5)), ((6, 6), (6, 5)), ((5, 8), (5, 6)),
                                       ((6, 6), (1, 1)), ((8, 9), (8, 9))])
def test_spectral_pool_output_spectrum_equals_rfft2_of_reference(dtype, shape, out):
    x = np.random.default_rng(12).standard_normal((2, 3) + shape).astype(dtype)
    y = nn.SpectralPool(output_size=out)(nn.ToSpectrum()(freqnet.tensor(x)))
    assert y.spatial_shape == out and y.dtype == np.result_type(dtype, np.complex64)
    expect = np.fft.rfft2(ref_spectral_crop(x.astype(np.float64), out))
    assert spectrum_rel_err(y.numpy(), expect) < TOL[dtype]


@pytest.mark.parametrize("n,out", [(10, 4), (9, 4), (9, 3), (8, 1), (8, 8), (7, 6), (11, 2)])
def test_spectral_pool1d_output_spectrum_equals_rfft_of_reference(n, out):
    x = np.random.default_rng(13).standard_normal((2, 2, n))
    y = nn.SpectralPool1d(output_size=out)(nn.ToSpectrum(ndim=1)(freqnet.tensor(x)))
    assert spectrum_rel_err(y.numpy(), np.fft.rfft(ref_spectral_crop(x, (out,)))) < 1e-10


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("shape,s", [((8, 6), 2), ((9, 6), 3), ((12, 8), 4), ((15, 10), 5), ((4, 8), 4)])
def test_avg_pool2d_output_spectrum_equals_rfft2_of_block_average(dtype, shape, s):
    x = np.random.default_rng(14).standard_normal((2, 3) + shape).astype(dtype)
    y = nn.AvgPool2d(s)(nn.ToSpectrum()(freqnet.tensor(x)))
    expect = np.fft.rfft2(ref_block_average_2d(x.astype(np.float64), s))
    assert spectrum_rel_err(y.numpy(), expect) < TOL[dtype]


@pytest.mark.parametrize("n,s", [(8, 2), (9, 3), (12, 4), (10, 5)])
def test_avg_pool1d_output_spectrum_equals_rfft_of_block_average(n, s):
    x = np.random.default_rng(15).standard_normal((2, 3, n))
    y = nn.AvgPool1d(s)(nn.ToSpectrum(ndim=1)(freqnet.tensor(x)))
    assert spectrum_rel_err(y.numpy(), np.fft.rfft(ref_block_average_1d(x, s))) < 1e-10


@pytest.mark.parametrize("n,out", [(8, 4), (9, 4), (7, 3), (6, 6), (5, 1)])
def test_spectral_pool1d_gradcheck_and_reference_adjoint(n, out):
    rng = np.random.default_rng(16)
    xs = rng.standard_normal((2, 2, n // 2 + 1)) + 1j * rng.standard_normal((2, 2, n // 2 + 1))
    x = freqnet.tensor(xs, requires_grad=True).as_spectrum("fourier", (n,))
    freqnet.gradcheck(lambda x: F.spectral_pool(x, output_size=out), (x,))
    # spatial gradient through the crop: the transpose of the (linear) reference
    xt = freqnet.tensor(rng.standard_normal((2, 2, n)), requires_grad=True)
    gy = rng.standard_normal((2, 2, out))
    y = nn.ToSpatial(ndim=1)(nn.SpectralPool1d(output_size=out)(nn.ToSpectrum(ndim=1)(xt)))
    (y * freqnet.tensor(gy)).sum().backward()
    columns = np.stack([ref_spectral_crop(e, (out,)) for e in np.eye(n)], axis=1)   # (out, n)
    assert rel_err(xt.grad.numpy(), gy @ columns) < 1e-10


@pytest.mark.parametrize("shape,out", [((9, 7), (4, 4)), ((7, 9), (6, 2)), ((6, 8), (3, 5))])
def test_spectral_pool_gradient_matches_reference_adjoint_any_size(shape, out):
    rng = np.random.default_rng(17)
    xt = freqnet.tensor(rng.standard_normal((2, 3) + shape), requires_grad=True)
    gy = rng.standard_normal((2, 3) + out)
    y = nn.ToSpatial()(nn.SpectralPool(output_size=out)(nn.ToSpectrum()(xt)))
    (y * freqnet.tensor(gy)).sum().backward()
    basis = np.eye(np.prod(shape)).reshape((-1,) + shape)
    columns = np.stack([ref_spectral_crop(e, out).ravel() for e in basis], axis=1)
    expect = (gy.reshape(2, 3, -1) @ columns).reshape(xt.shape)
    assert rel_err(xt.grad.numpy(), expect) < 1e-10
