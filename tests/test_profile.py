"""Domain-switch accounting (DESIGN.md §4): which layers transform what."""
import numpy as np

import freqnet
from freqnet import nn


def train_step(model, x, prof_steps=1):
    with freqnet.profile() as prof:
        for _ in range(prof_steps):
            model.zero_grad()
            y = model(freqnet.tensor(x))
            (y * y).mean().backward()
            prof.step()
    return prof


def test_all_spectral_model_has_no_inverse_transform_after_the_input():
    np.random.seed(0)
    model = nn.Sequential(
        nn.ToSpectrum(),
        nn.SpectralConv2d(2, 4, 3, parameterization="spectral", modes=3),
        nn.ReLU(mode="poly"),
        nn.SpectralPool(factor=2),
        nn.SpectralConv2d(4, 4, 3, parameterization="spectral", spatial_shape=(4, 4)),
        nn.CReLU(),
        nn.AvgPool2d(2),
        nn.SpectralLinear(4, (2, 2), 3, parameterization="spectral"),
    )
    x = np.random.default_rng(0).standard_normal((5, 2, 8, 8)).astype(np.float32)
    prof = train_step(model, x, prof_steps=2)
    assert prof.transform_count("inverse") == 0
    assert prof.transform_count("forward", phase="forward") == 2          # the input, per step
    assert prof.transform_count("forward", phase="backward") == 0
    assert prof.transform_count("forward", role="weight") == 0
    assert all(p.grad is not None for p in model.parameters())


def test_spatial_kernels_count_as_weight_transforms_only():
    np.random.seed(1)
    model = nn.Sequential(
        nn.ToSpectrum(),
        nn.SpectralConv2d(2, 3, 3),
        nn.AvgPool2d(2),
        nn.SpectralConv2d(3, 3, 3),
        nn.GlobalAvgPool(),
        nn.Linear(3, 2),
    )
    x = np.random.default_rng(1).standard_normal((4, 2, 8, 6)).astype(np.float32)
    prof = train_step(model, x)
    # the input's transform, then one rfft2 per conv weight; its gradient one irfft2
    assert prof.transform_count("forward", phase="forward", role="activation") == 1
    assert prof.transform_count("forward", phase="forward", role="weight") == 2
    assert prof.transform_count("inverse", phase="backward", role="weight") == 2
    assert prof.transform_count("inverse", role="activation") == 0
    assert prof.transform_count("inverse") == 2
    summary = prof.summary()["transforms_by_role"]
    assert summary == {"forward/forward/activation": 1, "forward/forward/weight": 2,
                       "backward/inverse/weight": 2}
    assert "inverse transforms of weights in backward pass: 2" in prof.table()


def test_spatial_head_counts_its_weight_transform():
    np.random.seed(2)
    model = nn.Sequential(nn.ToSpectrum(), nn.SpectralLinear(2, (4, 4), 3))
    x = np.random.default_rng(2).standard_normal((2, 2, 4, 4)).astype(np.float32)
    prof = train_step(model, x)
    assert prof.transform_count("forward", role="weight") == 1
    assert prof.transform_count("inverse", role="weight") == 1
    assert prof.transform_count("inverse", role="activation") == 0


def test_exact_activation_is_counted_as_two_switches():
    np.random.seed(3)
    model = nn.Sequential(nn.ToSpectrum(), nn.SpectralConv2d(2, 2, None, parameterization="spectral", modes=2),
                          nn.ReLU(mode="exact"), nn.GlobalAvgPool())
    x = np.random.default_rng(3).standard_normal((2, 2, 6, 6)).astype(np.float32)
    prof = train_step(model, x)
    assert prof.transform_count("inverse", phase="forward", role="activation") == 1
    assert prof.transform_count("forward", phase="forward", role="activation") == 2
