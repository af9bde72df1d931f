"""SpectralDropout: bins dropped per sample (shared across channels), inverted
scaling, Hermitian consistency of the self-conjugate columns, eval identity."""
import numpy as np
import pytest

import freqnet
from freqnet import nn
from freqnet.tensor import Tensor
from _reference import half_spectrum


@pytest.mark.parametrize("shape", [(6, 8), (5, 7), (8, 5), (10,), (9,)])
def test_dropout_masks_bins_scales_and_keeps_real_signal_spectra(shape):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 3) + shape)
    X = half_spectrum(x, shape)
    p = 0.4
    y = nn.SpectralDropout(p, rng=np.random.default_rng(1))(X).numpy()
    ratio = y / X.numpy()
    kept = np.isclose(ratio, 1 / (1 - p), rtol=1e-12)
    dropped = y == 0
    assert np.all(kept | dropped)
    assert np.all(kept.real == kept[:, :1])               # one mask per sample, all channels
    assert 0.2 < dropped.mean() < 0.6
    axes = tuple(range(-len(shape), 0))
    roundtrip = np.fft.rfftn(np.fft.irfftn(y, s=shape, axes=axes), axes=axes)
    np.testing.assert_allclose(roundtrip, y, rtol=0, atol=1e-12 * np.abs(y).max())


def test_dropout_is_reproducible_identity_in_eval_and_unbiased():
    rng = np.random.default_rng(2)
    X = half_spectrum(rng.standard_normal((2, 2, 6, 6)), (6, 6))
    a = nn.SpectralDropout(0.5, rng=7)(X).numpy()
    b = nn.SpectralDropout(0.5, rng=7)(X).numpy()
    np.testing.assert_array_equal(a, b)
    np.random.seed(11)
    c = nn.SpectralDropout(0.5)(X).numpy()
    np.random.seed(11)
    np.testing.assert_array_equal(nn.SpectralDropout(0.5)(X).numpy(), c)
    layer = nn.SpectralDropout(0.5, rng=7).eval()
    assert layer(X) is X
    big = half_spectrum(np.ones((4000, 1, 1, 4)), (1, 4))
    mean = nn.SpectralDropout(0.3, rng=3)(big).numpy().mean(axis=0)
    np.testing.assert_allclose(mean.real, big.numpy()[0].real, rtol=0.05)


def test_dropout_gradient_is_the_mask():
    rng = np.random.default_rng(4)
    X = half_spectrum(rng.standard_normal((2, 3, 4, 5)), (4, 5), requires_grad=True)
    y = nn.functional.spectral_dropout(X, 0.5, True, np.random.default_rng(5))
    g = rng.standard_normal(y.shape) + 1j * rng.standard_normal(y.shape)
    y.backward(Tensor(g))
    mask = np.where(y.numpy() == 0, 0.0, 2.0)
    np.testing.assert_allclose(X.grad.numpy(), g * mask, rtol=1e-12)
    Xs = Tensor(X.numpy()[:1, :1], requires_grad=True)
    freqnet.gradcheck(lambda t: nn.functional.spectral_dropout(
        t.as_spectrum("fourier", (4, 5)), 0.5, True, np.random.default_rng(6)), [Xs])


def test_dropout_edge_probabilities_and_errors():
    X = half_spectrum(np.random.default_rng(8).standard_normal((2, 2, 4, 4)), (4, 4))
    np.testing.assert_array_equal(nn.SpectralDropout(1.0, rng=0)(X).numpy(), 0)
    np.testing.assert_array_equal(nn.SpectralDropout(0.0, rng=0)(X).numpy(), X.numpy())
    with pytest.raises(ValueError, match=r"p must be in \[0, 1\], got 1.5"):
        nn.SpectralDropout(1.5)
    with pytest.raises(ValueError, match="expected a spectrum.*spatial"):
        nn.SpectralDropout(0.5)(Tensor(np.zeros((2, 2, 4, 4))))
