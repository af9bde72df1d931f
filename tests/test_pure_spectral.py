"""The pure-spectral networks (THEORY.md §5b): 0 inverse transforms per
training step, where the count is checked against the FFTs that actually run
(every backend FFT call is counted here, outside the profiler), and a planted
round trip shows that both counts see it."""
import numpy as np
import pytest

import freqnet
from freqnet import backend, nn
from freqnet.domains.fourier.domain import FourierDomain
from freqnet.experiment import count_transforms
from freqnet.models import FrequencyCNN
from freqnet.nn.functional import cross_entropy

PURE = dict(activation="bandpoly", nonlinearity="gelu", poly_radius=3.0, pooling="spectral",
            conv="smooth")
CASES = [((1, 40), dict(width=4, pad=8, band_limit=True)),
         ((1, 12, 12), dict(width=2, depth=2, knots=3, pad=4, pool_first=True))]


@pytest.fixture
def fft_calls(monkeypatch):
    """Counts of the backend's FFT calls by direction, from their wrappers."""
    calls = {"forward": 0, "inverse": 0}
    for name, direction in (("rfftn", "forward"), ("fftn", "forward"),
                            ("irfftn", "inverse"), ("ifftn", "inverse")):
        def counted(*args, _run=getattr(backend, name), _direction=direction, **kwargs):
            calls[_direction] += 1
            return _run(*args, **kwargs)
        monkeypatch.setattr(backend, name, counted)
    return calls


def _batch(shape, n=4):
    rng = np.random.default_rng(11)
    return (freqnet.tensor(rng.standard_normal((n,) + shape).astype("float32")),
            freqnet.tensor(rng.integers(0, 10, n)))


@pytest.mark.parametrize("shape,options", CASES)
def test_zero_inverse_transforms_counted_from_the_ffts_that_run(shape, options, fft_calls):
    x, y = _batch(shape)
    model = FrequencyCNN(shape, **PURE, **options)
    fft_calls.update(forward=0, inverse=0)             # the head's init ran an rfft: not a step
    counts = count_transforms(model, cross_entropy, x, y)
    assert counts["inverse"] == 0 and fft_calls["inverse"] == 0
    assert counts["forward"] == 1 and fft_calls["forward"] == 1       # the input's rfft


@pytest.mark.parametrize("shape,options", CASES)
def test_a_planted_round_trip_is_counted_by_both(shape, options, fft_calls, monkeypatch):
    """The first polynomial of each network goes through space (irfft, the
    pointwise polynomial, rfft): the profiler's count and the FFTs run agree."""
    x, y = _batch(shape)
    model = FrequencyCNN(shape, **PURE, **options)
    real = FourierDomain.band_polynomial
    planted = next(m for m in model.modules() if isinstance(m, nn.BandPolynomial))

    def through_space(self, t, scaled, radius, modes_out, wrap, layer):
        if layer != "BandPolynomial" or freqnet.profiler.current_layer() is not planted:
            return real(self, t, scaled, radius, modes_out, wrap, layer)
        return self.to_spectrum(nn.GELU(mode="exact").spatial_op(self.to_spatial(t)),
                                len(t.spatial_shape))
    monkeypatch.setattr(FourierDomain, "band_polynomial", through_space)
    fft_calls.update(forward=0, inverse=0)
    counts = count_transforms(model, cross_entropy, x, y)
    # forward pass: irfft + rfft; backward: their adjoints, rfft + irfft
    assert counts["inverse"] == fft_calls["inverse"] == 2
    assert counts["forward"] == fft_calls["forward"] == 3


def test_the_2d_sibling_pools_before_each_activation():
    model = FrequencyCNN((1, 12, 12), **PURE, **CASES[1][1])
    kinds = [type(m).__name__ for m in model.net]
    assert kinds[3:5] == ["SpectralPool", "BandPolynomial"]
    assert kinds[7:9] == ["SpectralPool", "BandPolynomial"]


def test_band_limit_computes_the_bins_the_pooling_keeps():
    model = FrequencyCNN((1, 40), **PURE, **CASES[0][1])
    polys = [m for m in model.modules() if isinstance(m, nn.BandPolynomial)]
    assert [p.modes_out for p in polys] == [48 // 4 + 1, 24 // 4 + 1, 12 // 4 + 1]


@pytest.mark.parametrize("options,message", [
    (dict(activation="bandpoly", poly_radius="auto"), "numeric poly_radius"),
])
def test_bad_model_options_fail_clearly(options, message):
    with pytest.raises(ValueError, match=message):
        FrequencyCNN((1, 16), **options)
