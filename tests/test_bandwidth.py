"""Bandwidth and aliasing accounting of polynomial activations (THEORY.md §5b)
against the spectrum of the polynomial of the finely sampled interpolant
(_band_reference.py), and the report's plumbing (which input, which next layer)."""
import numpy as np
import pytest

import freqnet
from freqnet import backend, nn
from freqnet.domains.fourier import bands
from freqnet.models import FrequencyCNN
from freqnet.tensor import Tensor
from _band_reference import dft, fine_polynomial_spectrum, half, signed


def _reference_shares(x, coef, shape, modes_kept, factor=4):
    """(kept, dropped, aliased) of the energy of p on the interpolant, 4x finer grid."""
    ndim = len(shape)
    P = fine_polynomial_spectrum(x, coef, ndim, factor)
    k = np.meshgrid(*[np.array([signed(i, factor * n) for i in range(factor * n)])
                      for n in shape], indexing="ij")
    past = np.zeros(P.shape[-ndim:], bool)
    kept = np.ones(P.shape[-ndim:], bool)
    for ki, n in zip(k, shape):
        past |= np.abs(ki) > n // 2
        if modes_kept is not None:
            kept &= np.abs(ki) < modes_kept
    energy = np.abs(P) ** 2
    total = energy.sum()
    kept_share = energy[..., kept & ~past].sum() / total
    aliased = energy[..., past].sum() / total
    return kept_share, 1 - kept_share - aliased, aliased


@pytest.mark.parametrize("shape,modes_kept,degree", [((10,), 3, 2), ((9,), None, 3), ((6, 8), 2, 2)])
def test_energy_shares_against_the_interpolant_spectrum(shape, modes_kept, degree):
    rng = np.random.default_rng(6)
    ndim = len(shape)
    x = rng.standard_normal((2, 3) + shape)
    coef = rng.standard_normal((3, degree + 1))
    got = bands.energy_shares(backend.asarray(half(dft(x, ndim))), backend.asarray(coef), shape,
                              modes_kept)
    assert np.allclose(got, _reference_shares(x, coef, shape, modes_kept), rtol=1e-10, atol=1e-14)
    assert abs(sum(got) - 1) < 1e-12 and min(got) >= -1e-15


def test_a_band_limited_input_squared_stays_on_the_grid():
    rng = np.random.default_rng(7)
    X = half(dft(rng.standard_normal((1, 2, 10)), 1))
    X[..., 3:] = 0                                     # |k| < 3, so its square has |k| < 5
    _, _, aliased = bands.energy_shares(backend.asarray(X), backend.asarray(
        rng.standard_normal((2, 3))), (10,), None)
    assert aliased < 1e-28


def test_report_reads_each_layers_input_and_the_next_layers_band():
    rng = np.random.default_rng(8)
    shape = (16,)
    x = rng.standard_normal((3, 2) + shape)
    poly = nn.BandPolynomial(2, "gelu", 2, 2.0, dtype="float64")
    poly.coefficients.data = backend.asarray(rng.standard_normal((2, 3)))
    model = nn.Sequential(nn.ToSpectrum(ndim=1), poly, nn.SpectralPool(factor=2, ndim=1),
                          nn.GELU(mode="poly", r=3.0))
    (first, second) = nn.bandwidth_report(model, Tensor(x))
    ref = _reference_shares(x, poly.polynomial_coefficients(), shape, 16 // 4 + 1)
    assert first["layer"] == "1" and np.allclose([first[k] for k in ("kept", "dropped", "aliased")],
                                                 ref, rtol=1e-9)
    # the pointwise layer: its fixed fit, its input (the pooled map), nothing after it
    pooled = np.fft.irfft(model[2](model[1](model[0](Tensor(x)))).numpy(), n=8)
    from freqnet.spectral.polynomial import least_squares_fit
    ref2 = _reference_shares(pooled, np.tile(least_squares_fit("gelu", 3.0, 2), (2, 1)), (8,), None)
    assert second["layer"] == "3" and second["dropped"] < 1e-12
    assert np.allclose([second[k] for k in ("kept", "dropped", "aliased")], ref2, rtol=1e-8,
                       atol=1e-12)


@pytest.mark.parametrize("activation,pool_first", [("bandpoly", False), ("poly", False),
                                                   ("bandpoly", True)])
def test_report_covers_every_polynomial_layer_of_a_model(activation, pool_first):
    rng = np.random.default_rng(9)
    x = freqnet.tensor(rng.standard_normal((4, 1, 40)).astype("float32"))
    model = FrequencyCNN((1, 40), width=4, activation=activation, nonlinearity="gelu",
                         poly_radius=3.0, pooling="spectral", conv="smooth", pad=8,
                         pool_first=pool_first, band_limit=activation == "bandpoly" and not pool_first)
    model.train()
    report = nn.bandwidth_report(model, x)
    assert model.training
    assert [r["layer"] for r in report] == [f"net.{i}" for i in (3, 7, 11)] if not pool_first \
        else [f"net.{i}" for i in (4, 8, 12)]
    for r in report:
        assert abs(r["kept"] + r["dropped"] + r["aliased"] - 1) < 1e-5
        # a spectral pooling after the layer drops its upper band; a conv after it drops nothing
        assert (r["dropped"] > 1e-7) if not pool_first else (r["dropped"] == 0)
