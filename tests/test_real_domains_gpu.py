"""Laplace (Toom-Cook) and Hartley layers on a GPU through CuPy equal their
NumPy runs. Skipped, with the reason, where cupy cannot be imported or sees
no GPU: that is the only reason these tests skip."""
import warnings

import numpy as np
import pytest

from _gpu import skip_module_without_gpu

skip_module_without_gpu()

import freqnet                           # noqa: E402
from freqnet import nn                   # noqa: E402

pytestmark = pytest.mark.gpu


def run(model, x, device):
    """Output and input/parameter gradients of sum(model(x) * g) on ``device``."""
    model.to(device)
    xt = freqnet.tensor(x).to(device).detach().requires_grad_(True)
    y = model(xt)
    g = np.random.default_rng(1).standard_normal(y.shape)
    (y * freqnet.tensor(g).to(device)).sum().backward()
    return ([y.numpy(), xt.grad.numpy()] + [p.grad.numpy() for p in model.parameters()])


def close(a, b, tol):
    return np.abs(a - b).max() <= tol * max(np.abs(b).max(), 1e-30)


@pytest.mark.parametrize("tile,padding", [(2, "same"), (4, "circular"), (6, "same")])
def test_laplace_conv2d_on_gpu_equals_cpu(tile, padding):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        layer = nn.LaplaceConv2d(3, 4, 3, padding=padding, tile=tile, dtype="float64")
    x = np.random.default_rng(0).standard_normal((2, 3, 9, 10))
    cpu = run(layer, x, "cpu")
    gpu = run(layer, x, "gpu")
    assert all(close(a, b, 1e-10) for a, b in zip(gpu, cpu))


def test_hartley_network_on_gpu_equals_cpu():
    model = nn.Sequential(nn.ToSpectrum(domain="hartley"),
                          nn.SpectralConv2d(2, 3, 3, domain="hartley", dtype="float64"),
                          nn.ReLU(mode="poly", r=3.0, domain="hartley"),
                          nn.AvgPool2d(2, domain="hartley"),
                          nn.Tanh(domain="hartley"),
                          nn.ToSpatial())
    x = np.random.default_rng(2).standard_normal((2, 2, 6, 8))
    cpu = run(model, x, "cpu")
    gpu = run(model, x, "gpu")
    assert all(close(a, b, 1e-10) for a, b in zip(gpu, cpu))
