"""BatchNorm1d/2d on spectra against torch.nn.BatchNorm's formulas written in
NumPy here (train and eval mode, several steps of running statistics)."""
import numpy as np
import pytest

import freqnet
from freqnet import backend, nn
from freqnet.tensor import Tensor
from _reference import half_spectrum, multiplicity, spatial_axes


class TorchBatchNormReference:
    """torch.nn.BatchNorm{1,2}d(eps=1e-5, momentum=0.1) in NumPy."""

    def __init__(self, channels, momentum=0.1, eps=1e-5):
        self.mean, self.var, self.tracked = np.zeros(channels), np.ones(channels), 0
        self.momentum, self.eps = momentum, eps

    def __call__(self, x, weight, bias, training):
        axes = (0,) + tuple(range(2, x.ndim))
        view = (1, -1) + (1,) * (x.ndim - 2)
        if training:
            mean, var = x.mean(axis=axes), x.var(axis=axes)
            n = x.size // x.shape[1]
            self.tracked += 1
            m = self.momentum if self.momentum is not None else 1 / self.tracked
            self.mean = (1 - m) * self.mean + m * mean
            self.var = (1 - m) * self.var + m * var * n / (n - 1)
        else:
            mean, var = self.mean, self.var
        x_hat = (x - mean.reshape(view)) / np.sqrt(var.reshape(view) + self.eps)
        return x_hat * weight.reshape(view) + bias.reshape(view), x_hat, var


def _backward_reference(g, x_hat, var, weight, training, eps=1e-5):
    axes = (0,) + tuple(range(2, g.ndim))
    view = (1, -1) + (1,) * (g.ndim - 2)
    inv_std = 1 / np.sqrt(var.reshape(view) + eps)
    gw, gb = (g * x_hat).sum(axis=axes), g.sum(axis=axes)
    gh = g * weight.reshape(view)
    if training:
        gx = inv_std * (gh - gh.mean(axis=axes, keepdims=True)
                        - x_hat * (gh * x_hat).mean(axis=axes, keepdims=True))
    else:
        gx = inv_std * gh
    return gx, gw, gb


CASES = [(nn.BatchNorm2d, (3, 4), (6, 5)), (nn.BatchNorm2d, (2, 3), (8, 8)),
         (nn.BatchNorm2d, (4, 1), (5, 7)), (nn.BatchNorm1d, (3, 2), (9,)),
         (nn.BatchNorm1d, (2, 5), (12,))]


@pytest.mark.parametrize("cls,lead,shape", CASES)
@pytest.mark.parametrize("dtype,tol", [("float32", 1e-5), ("float64", 1e-10)])
def test_batch_norm_matches_torch_formulas_over_train_and_eval_steps(cls, lead, shape, dtype, tol):
    rng = np.random.default_rng(0)
    channels = lead[1]
    layer = cls(channels, dtype=dtype)
    weight = rng.uniform(0.5, 2, channels)
    bias = rng.standard_normal(channels)
    layer.weight.data = freqnet.tensor(weight.astype(dtype)).data
    layer.bias.data = freqnet.tensor(bias.astype(dtype)).data
    ref = TorchBatchNormReference(channels)
    cdtype = "complex64" if dtype == "float32" else "complex128"
    for step, training in enumerate([True, True, True, False, True, False]):
        shift = rng.standard_normal(channels).reshape((1, channels) + (1,) * len(shape))
        x = rng.standard_normal(lead + shape) * (1 + step) + 3 * shift
        x = x.astype(dtype).astype("float64")
        layer.train(training)
        y = layer(half_spectrum(x, shape, cdtype))
        expected, _, _ = ref(x, weight, bias, training)
        got = np.fft.irfftn(y.numpy(), s=shape, axes=spatial_axes(shape))
        assert y.domain == "fourier" and y.spatial_shape == shape and y.dtype == np.dtype(cdtype)
        assert np.abs(got - expected).max() / np.abs(expected).max() < tol, step
        # the spectrum itself, not only its Hermitian part that irfftn reads
        spectrum = np.fft.rfftn(expected, axes=spatial_axes(shape))
        assert np.abs(y.numpy() - spectrum).max() / np.abs(spectrum).max() < tol, step
        np.testing.assert_allclose(backend.to_numpy(layer.running_mean), ref.mean,
                                   rtol=tol, atol=tol)
        np.testing.assert_allclose(backend.to_numpy(layer.running_var), ref.var,
                                   rtol=tol, atol=tol)
        assert int(layer.num_batches_tracked) == ref.tracked


@pytest.mark.parametrize("cls,lead,shape", CASES)
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_gradients_match_spatial_reference(cls, lead, shape, training):
    rng = np.random.default_rng(1)
    channels = lead[1]
    layer = cls(channels, dtype="float64")
    weight, bias = rng.uniform(0.5, 2, channels), rng.standard_normal(channels)
    layer.weight.data = freqnet.tensor(weight).data
    layer.bias.data = freqnet.tensor(bias).data
    layer.running_mean[...] = freqnet.tensor(rng.standard_normal(channels)).data
    layer.running_var[...] = freqnet.tensor(rng.uniform(0.5, 2, channels)).data
    ref = TorchBatchNormReference(channels)
    ref.mean, ref.var = backend.to_numpy(layer.running_mean), backend.to_numpy(layer.running_var)
    x = rng.standard_normal(lead + shape) * 2 + 1
    X = half_spectrum(x, shape, requires_grad=True)
    layer.train(training)
    y = layer(X)
    _, x_hat, var = ref(x, weight, bias, training)
    # an output gradient that comes from a real spatial gradient g (THEORY §0)
    n = np.prod(shape)
    g = rng.standard_normal(lead + shape)
    G = multiplicity(shape) * np.fft.rfftn(g, axes=spatial_axes(shape)) / n
    y.backward(Tensor(G))
    gx, gw, gb = _backward_reference(g, x_hat, var if training else ref.var,
                                     weight, training)
    expected = multiplicity(shape) * np.fft.rfftn(gx, axes=spatial_axes(shape)) / n
    assert np.abs(X.grad.numpy() - expected).max() / np.abs(expected).max() < 1e-10
    np.testing.assert_allclose(layer.weight.grad.numpy(), gw, rtol=1e-10)
    np.testing.assert_allclose(layer.bias.grad.numpy(), gb, rtol=1e-10)


@pytest.mark.parametrize("training", [True, False])
@pytest.mark.parametrize("shape", [(3, 4), (3, 3), (5,)])
def test_batch_norm_gradcheck(training, shape):
    rng = np.random.default_rng(2)
    half = (2, 2) + shape[:-1] + (shape[-1] // 2 + 1,)
    X = Tensor(rng.standard_normal(half) + 1j * rng.standard_normal(half), requires_grad=True)
    w = nn.Parameter(rng.uniform(0.5, 2, 2))
    b = nn.Parameter(rng.standard_normal(2))
    mean = backend.asarray(rng.standard_normal(2), like=X.data)
    var = backend.asarray(rng.uniform(0.5, 2, 2), like=X.data)
    freqnet.gradcheck(
        lambda t, w, b: nn.functional.batch_norm(t.as_spectrum("fourier", shape), mean.copy(),
                                                 var.copy(), w, b, training), [X, w, b])


def test_batch_norm_momentum_none_no_affine_and_no_tracking():
    rng = np.random.default_rng(3)
    shape = (4, 6)
    layer = nn.BatchNorm2d(3, momentum=None, affine=False, dtype="float64")
    ref = TorchBatchNormReference(3, momentum=None)
    ones, zeros = np.ones(3), np.zeros(3)
    for _ in range(3):
        x = rng.standard_normal((2, 3) + shape) * 3 + 1
        got = np.fft.irfftn(layer(half_spectrum(x, shape)).numpy(), s=shape, axes=(-2, -1))
        expected, _, _ = ref(x, ones, zeros, True)
        assert np.abs(got - expected).max() < 1e-10
    np.testing.assert_allclose(backend.to_numpy(layer.running_mean), ref.mean, rtol=1e-12)
    np.testing.assert_allclose(backend.to_numpy(layer.running_var), ref.var, rtol=1e-12)
    assert list(dict(layer.named_parameters())) == []
    free = nn.BatchNorm2d(3, track_running_stats=False, dtype="float64").eval()
    x = rng.standard_normal((2, 3) + shape)
    got = np.fft.irfftn(free(half_spectrum(x, shape)).numpy(), s=shape, axes=(-2, -1))
    expected = (x - x.mean((0, 2, 3), keepdims=True)) / np.sqrt(x.var((0, 2, 3), keepdims=True)
                                                                 + 1e-5)
    assert np.abs(got - expected).max() < 1e-10
    assert list(free.state_dict()) == ["weight", "bias"]


def test_batch_norm_state_dict_uses_torch_names_and_buffers():
    layer = nn.BatchNorm2d(4)
    assert list(layer.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                        "num_batches_tracked"]
    assert [k for k, _ in layer.named_parameters()] == ["weight", "bias"]
    state = {k: v + 1 for k, v in layer.state_dict().items()}
    layer.load_state_dict(state)
    np.testing.assert_array_equal(backend.to_numpy(layer.running_var),
                                  np.full(4, 2.0, dtype=np.float32))
    assert int(layer.num_batches_tracked) == 1


def test_batch_norm_errors():
    X = half_spectrum(np.zeros((2, 3, 4, 4)), (4, 4))
    with pytest.raises(ValueError, match="expected 5 channels, got 3"):
        nn.BatchNorm2d(5)(X)
    with pytest.raises(ValueError, match="expected the spectrum of a 1D map"):
        nn.BatchNorm1d(3)(X)
    with pytest.raises(ValueError, match="expected a spectrum.*spatial"):
        nn.BatchNorm2d(3)(Tensor(np.zeros((2, 3, 4, 4))))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        nn.BatchNorm1d(3)(half_spectrum(np.zeros((1, 3, 1)), (1,)))
