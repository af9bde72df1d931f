"""End to end (THEORY.md §10): a CNN of two convolutions, batch norm,
polynomial activations and pooling, run entirely on spectra of even and odd
map sizes, equals the same network written spatially in plain NumPy here: the loss agrees, and
every parameter gradient (and the input's) agrees with central finite
differences of the NumPy network in float64."""
import numpy as np
import pytest

import freqnet
from freqnet import backend, nn
from freqnet.nn import functional as F
from freqnet.spectral.polynomial import least_squares_fit
from freqnet.tensor import Tensor

R1, R2 = 3.0, 4.0          # fixed fit radii: the NumPy twin uses the same polynomials


def _build(channels, classes, spatial, head, dtype="float64", stride=2):
    pooled = tuple(n // stride for n in spatial)
    head_layers = ([nn.GlobalAvgPool(), nn.Linear(3, classes, dtype=dtype)] if head == "gap"
                   else [nn.SpectralLinear(3, pooled, classes, dtype=dtype)])
    return nn.Sequential(
        nn.SpectralConv2d(channels, 4, 3, dtype=dtype),
        nn.BatchNorm2d(4, dtype=dtype),
        nn.ReLU(mode="poly", degree=2, r=R1),
        nn.AvgPool2d(stride),
        nn.SpectralConv2d(4, 3, 3, dtype=dtype),
        nn.Tanh(mode="poly", degree=3, r=R2),
        *head_layers,
    )


def _np_conv(x, w, b):
    """Circular cross-correlation, odd k: y[o,n] = b_o + sum x[c, n+i-k//2] w[o,c,i]."""
    k = w.shape[-1]
    y = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:])
    for i in range(k):
        for j in range(k):
            shifted = np.roll(x, (-(i - k // 2), -(j - k // 2)), axis=(2, 3))
            y += np.einsum("bchw,oc->bohw", shifted, w[:, :, i, j])
    return y + b[None, :, None, None]


def _np_poly(coefficients, x):
    return sum(a * x ** j for j, a in enumerate(coefficients))


def _np_network(params, x, labels, head, stride=2):
    """The same network in NumPy, spatially; returns the mean cross-entropy."""
    p = dict(params)
    y = _np_conv(x, p["0.weight"], p["0.bias"])
    mean = y.mean(axis=(0, 2, 3), keepdims=True)
    var = y.var(axis=(0, 2, 3), keepdims=True)
    y = ((y - mean) / np.sqrt(var + 1e-5) * p["1.weight"][None, :, None, None]
         + p["1.bias"][None, :, None, None])
    y = _np_poly(least_squares_fit("relu", R1, 2), y)
    b, c, h, w = y.shape
    s = stride
    y = y.reshape(b, c, h // s, s, w // s, s).mean(axis=(3, 5))
    y = _np_conv(y, p["4.weight"], p["4.bias"])
    y = _np_poly(least_squares_fit("tanh", R2, 3), y)
    if head == "gap":
        logits = y.mean(axis=(2, 3)) @ p["7.weight"].T + p["7.bias"]
    else:
        logits = y.reshape(b, -1) @ p["6.weight"].T + p["6.bias"]
    top = logits.max(axis=1, keepdims=True)
    log_p = logits - top - np.log(np.exp(logits - top).sum(axis=1, keepdims=True))
    return -log_p[np.arange(b), labels].mean()


def _finite_differences(f, arrays, eps=1e-5):
    grads = {}
    for name, a in arrays.items():
        g = np.zeros_like(a)
        flat, gflat = a.reshape(-1), g.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + eps
            plus = f()
            flat[i] = keep - eps
            minus = f()
            flat[i] = keep
            gflat[i] = (plus - minus) / (2 * eps)
        grads[name] = g
    return grads


def _randomize(model, rng):
    for _, p in model.named_parameters():
        p.data = freqnet.tensor(rng.uniform(-0.6, 0.6, p.shape).astype(p.dtype)).data
    model[1].weight.data = freqnet.tensor(rng.uniform(0.5, 1.0, 4)).data


@pytest.mark.parametrize("head,spatial,stride", [("gap", (8, 6), 2), ("spectral_linear", (6, 10), 2),
                                                ("gap", (9, 9), 3), ("spectral_linear", (12, 9), 3)])
def test_spectral_network_equals_spatial_numpy_network(head, spatial, stride):
    rng = np.random.default_rng(0)
    batch, channels, classes = 3, 2, 5
    model = _build(channels, classes, spatial, head, stride=stride)
    _randomize(model, rng)
    x = rng.standard_normal((batch, channels) + spatial)
    labels = rng.integers(0, classes, batch)

    X = Tensor(x, requires_grad=True)
    with freqnet.profile() as prof:
        loss = F.cross_entropy(model(nn.ToSpectrum()(X)), freqnet.tensor(labels))
        loss.backward()
    # one forward transform at the input, its adjoint in backward; no activation
    # ever goes back to space (conv kernels' own transforms are "weight" transforms)
    assert prof.transform_count("forward", "forward", role="activation") == 1
    assert prof.transform_count("inverse", role="activation") == 1     # input's adjoint only
    assert prof.transform_count("inverse", "forward") == 0

    params = {k: p.numpy().copy() for k, p in model.named_parameters()}
    reference = _np_network(params, x, labels, head, stride)
    assert abs(loss.item() - reference) <= 1e-10 * abs(reference)

    arrays = dict(params, x=x.copy())

    def f():
        return _np_network({k: v for k, v in arrays.items() if k != "x"}, arrays["x"],
                           labels, head, stride)

    numeric = _finite_differences(f, arrays)
    analytic = {k: p.grad.numpy() for k, p in model.named_parameters()}
    analytic["x"] = X.grad.numpy()
    assert set(analytic) == set(numeric)
    overall = max(np.abs(g).max() for g in numeric.values())
    # batch norm in training removes the first conv's bias: its gradient is exactly 0
    assert np.abs(analytic.pop("0.bias")).max() < 1e-12 * overall
    assert np.abs(numeric.pop("0.bias")).max() < 1e-7 * overall
    for name in numeric:
        scale = np.abs(numeric[name]).max()
        assert scale > 1e-3 * overall, name
        err = np.abs(analytic[name] - numeric[name]).max() / scale
        assert err < 1e-7, (name, err)


def test_spectral_network_float32_forward_and_eval_mode():
    rng = np.random.default_rng(1)
    spatial = (8, 8)
    model64 = _build(2, 4, spatial, "gap")
    _randomize(model64, rng)
    model32 = _build(2, 4, spatial, "gap", dtype="float32")
    model32.load_state_dict(model64.state_dict())
    x = rng.standard_normal((4, 2) + spatial)
    labels = rng.integers(0, 4, 4)
    params = {k: v for k, v in model64.state_dict().items() if not k.startswith("1.running")
              and k != "1.num_batches_tracked"}
    reference = _np_network(params, x, labels, "gap")
    X32 = nn.ToSpectrum()(Tensor(x.astype(np.float32)))
    loss32 = F.cross_entropy(model32(X32), freqnet.tensor(labels))
    assert loss32.dtype == np.float32
    assert abs(loss32.item() - reference) <= 1e-5 * abs(reference)
    # eval mode uses the running statistics the training pass left behind
    model64(nn.ToSpectrum()(Tensor(x)))
    model64.eval()
    logits = model64(nn.ToSpectrum()(Tensor(x))).numpy()
    bn = model64[1]
    running_mean, running_var = backend.to_numpy(bn.running_mean), backend.to_numpy(bn.running_var)
    y = _np_conv(x, params["0.weight"], params["0.bias"])
    y = ((y - running_mean[None, :, None, None]) / np.sqrt(running_var[None, :, None, None] + 1e-5)
         * params["1.weight"][None, :, None, None] + params["1.bias"][None, :, None, None])
    y = _np_poly(least_squares_fit("relu", R1, 2), y)
    y = y.reshape(4, 4, 4, 2, 4, 2).mean(axis=(3, 5))
    y = _np_poly(least_squares_fit("tanh", R2, 3), _np_conv(y, params["4.weight"],
                                                            params["4.bias"]))
    expected = y.mean(axis=(2, 3)) @ params["7.weight"].T + params["7.bias"]
    assert np.abs(logits - expected).max() <= 1e-10 * np.abs(expected).max()
