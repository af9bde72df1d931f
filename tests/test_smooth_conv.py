"""Smooth spectral conv weights (knots interpolated across the bins, THEORY.md
§5b) against np.interp, and the layer against a circular correlation written
as loops on the spatial signal with the kernel the interpolated weights imply."""
import numpy as np
import pytest

import freqnet
from freqnet import backend, nn
from freqnet.domains import DomainError
from freqnet.domains.fourier import maths
from freqnet.tensor import Tensor
from _band_reference import dft, half, rel


def _interp_complex(at, knots, values, period=None):
    return (np.interp(at, knots, values.real, period=period)
            + 1j * np.interp(at, knots, values.imag, period=period))


def test_knot_interpolation_is_linear_interpolation_and_its_adjoint_the_transpose():
    rng = np.random.default_rng(8)
    c = rng.standard_normal((2, 3, 4)) + 1j * rng.standard_normal((2, 3, 4))
    w = backend.to_numpy(maths.interpolate_knots(backend.asarray(c), (12,), (4,)))
    for o, i in np.ndindex(2, 3):
        assert rel(w[o, i], _interp_complex(np.arange(7), np.linspace(0, 6, 4), c[o, i])) < 1e-14
    c2 = rng.standard_normal((1, 1, 3, 4)) + 1j * rng.standard_normal((1, 1, 3, 4))
    w2 = backend.to_numpy(maths.interpolate_knots(backend.asarray(c2), (8, 10), (3, 4)))
    cols = np.array([_interp_complex(np.arange(6), np.linspace(0, 5, 4), r) for r in c2[0, 0]])
    for v in range(6):                        # periodic rows: knots at 0, 8/3, 16/3 of 8
        ref = _interp_complex(np.arange(8), np.arange(3) * 8 / 3, cols[:, v], period=8)
        assert rel(w2[0, 0, :, v], ref) < 1e-14
    g = rng.standard_normal(w2.shape) + 1j * rng.standard_normal(w2.shape)
    back = backend.to_numpy(maths.interpolate_knots_adjoint(backend.asarray(g), (8, 10), (3, 4)))
    assert abs(np.vdot(g, w2) - np.vdot(back, c2)) < 1e-12 * np.abs(g).sum() * np.abs(c2).sum()


@pytest.mark.parametrize("shape,knots", [((10,), 3), ((6, 8), (3, 4))])
def test_smooth_conv_gradcheck_and_no_transforms(shape, knots):
    rng = np.random.default_rng(9)
    ndim = len(shape)
    Conv = nn.SpectralConv1d if ndim == 1 else nn.SpectralConv2d
    conv = Conv(2, 3, None, parameterization="smooth", spatial_shape=shape, knots=knots,
                dtype="float64")
    X = Tensor(half(dft(rng.standard_normal((2, 2) + shape), ndim)), requires_grad=True)
    freqnet.gradcheck(lambda t, w, b: conv(t.as_spectrum("fourier", shape)),
                      [X, conv.weight, conv.bias])
    with freqnet.profile() as prof:
        conv(X.as_spectrum("fourier", shape)).real.sum().backward()
    assert prof.transform_count("inverse") == 0 and prof.transform_count("forward") == 0


def test_smooth_conv_is_the_circular_correlation_with_the_interpolated_kernel():
    rng = np.random.default_rng(10)
    n = 12
    conv = nn.SpectralConv1d(2, 1, None, parameterization="smooth", spatial_shape=(n,), knots=4,
                             dtype="float64")
    c = conv.weight.numpy()
    W = np.array([_interp_complex(np.arange(7), np.linspace(0, 6, 4), c[0, i]) for i in range(2)])
    kernel = np.fft.irfft(W, n=n)                     # a real kernel: irfft reads W's real part at DC/Nyquist
    x = rng.standard_normal((1, 2, n))
    y = conv(Tensor(half(dft(x, 1))).as_spectrum("fourier", (n,)))
    ref = np.zeros((1, 1, n))
    for m in range(n):
        for i in range(2):
            ref[0, 0, m] += sum(x[0, i, (m + t) % n] * kernel[i, t] for t in range(n))
    ref += conv.bias.numpy()[None, :, None]
    assert rel(y.numpy(), half(dft(ref, 1))) < 1e-12


def test_smooth_conv_options_fail_clearly():
    with pytest.raises(ValueError, match=r"SpectralConv1d: smooth spectral weights on a \(12,\) "
                                         r"map need 2\.\.7 knots on the half axis, got \(9,\)"):
        nn.SpectralConv1d(2, 1, None, parameterization="smooth", spatial_shape=(12,), knots=9)
    with pytest.raises(ValueError, match="SpectralConv2d: smooth .* and 2..6 on the full axis"):
        nn.SpectralConv2d(2, 1, None, parameterization="smooth", spatial_shape=(6, 8), knots=7)
    with pytest.raises(ValueError, match="knots= belongs to parameterization='smooth'"):
        nn.SpectralConv1d(2, 1, 3, knots=4)
    with pytest.raises(ValueError, match="knots= belongs to parameterization='smooth' and it needs"):
        nn.SpectralConv1d(2, 1, None, parameterization="smooth", spatial_shape=(12,))
    with pytest.raises(ValueError, match="needs spatial_shape="):
        nn.SpectralConv1d(2, 1, None, parameterization="smooth", knots=3)
    with pytest.raises(DomainError, match="SpectralConv1d: smooth spectral weights is not "
                                          "implemented for the 'hartley' domain"):
        nn.SpectralConv1d(2, 1, None, parameterization="smooth", spatial_shape=(12,), knots=3,
                          domain="hartley")
    conv = nn.SpectralConv1d(2, 1, None, parameterization="smooth", spatial_shape=(12,), knots=3)
    with pytest.raises(ValueError, match=r"built for \(12,\) maps .* spatial shape \(10,\)"):
        conv(Tensor(np.zeros((1, 2, 6), "complex64")).as_spectrum("fourier", (10,)))
