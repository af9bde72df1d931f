"""freqnet.summary and the per-layer profile: which layer causes each transform."""
import numpy as np

import freqnet
from freqnet import nn
from freqnet.experiment import DEFAULTS, build_model


def _demo_model(**changes):
    return build_model({**DEFAULTS, **changes}, (1, 40), 10)


def test_summary_rows_add_up_to_the_profiler_totals():
    model = _demo_model()
    s = freqnet.summary(model, (1, 40))
    prof = s.profile
    for direction in ("forward", "inverse"):
        for i, phase in enumerate(("forward", "backward")):
            assert sum(r[direction][i] for r in s.rows) == prof.transform_count(direction, phase)
    assert prof.transform_count("inverse") > 0
    assert abs(sum(r["time_share"] for r in s.rows) - 1) < 1e-9
    assert s.total("parameters") == sum(p.data.size * (2 if p.is_complex else 1)
                                        for p in model.parameters())


def test_summary_names_the_layer_of_every_inverse_transform():
    s = freqnet.summary(_demo_model(), (1, 40))
    by_type = {}
    for r in s.rows:
        if sum(r["inverse"]):
            by_type.setdefault(r["type"], []).append(r["inverse"])
    # exact ReLU: an inverse transform in the forward pass (to apply relu) and in the
    # backward pass (the gradient's forward transform turns into an inverse one)
    assert by_type["ReLU"] == [(1, 1)] * 3
    # spatial kernels: the kernel's rfft is inverted for its gradient, in backward only
    assert by_type["SpectralConv1d"] == [(0, 1)] * 3
    assert set(by_type) == {"ReLU", "SpectralConv1d", "SpectralLinear"}
    # a polynomial activation causes no transform at all
    poly = freqnet.summary(_demo_model(activation="poly"), (1, 40))
    assert all(r["inverse"] == (0, 0) for r in poly.rows if r["type"] == "ReLU")


def test_summary_shows_spatial_and_spectral_output_shapes():
    s = freqnet.summary(_demo_model(), (1, 40))
    first_conv = next(r for r in s.rows if r["type"] == "SpectralConv1d")
    assert first_conv["spatial"] == "(32, 48)" and first_conv["spectral"] == "(32, 25)"
    text = str(s)
    assert "SpectralConv1d" in text and "(32, 25)" in text and "inverse" in text


def test_summary_leaves_the_model_as_it_was():
    from freqnet.checkpoint import _generator_states
    model = _demo_model(dropout=0.2)
    model.eval()
    before = {k: v.copy() for k, v in model.state_dict().items()}
    generators = _generator_states(model)
    assert generators        # the dropout mask generator
    freqnet.summary(model, (1, 40))
    assert not model.training
    assert _generator_states(model) == generators
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    assert all(p.grad is None for p in model.parameters())


def test_layers_are_attributed_only_while_profiling():
    layer = nn.SpectralConv1d(1, 2, 3)
    spec = nn.ToSpectrum(ndim=1)
    x = freqnet.tensor(np.ones((1, 1, 8), np.float32))
    with freqnet.profile() as prof:
        layer(spec(x)).sum  # noqa: B018 (forward only)
    assert prof.layer_transform_count(layer, "forward") == 1     # the kernel's rfft
    assert prof.layer_transform_count(spec, "forward") == 1      # the input's rfft
    assert freqnet.profiler.current_layer() is None
