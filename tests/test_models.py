"""The frequency CNNs against an independent spatial NumPy forward pass, and
their transform counts per configuration."""
import numpy as np
import pytest

import freqnet
from freqnet.models import FrequencyCNN, SpectralLogistic, build_model
from freqnet.nn.functional import cross_entropy


def circular_xcorr(x, w, b):
    """y[b,o,n...] = b_o + sum_c sum_i x[b,c,(n+i-k//2) mod N] w[o,c,i] on every axis."""
    ndim = w.ndim - 2
    y = np.zeros((x.shape[0], w.shape[0]) + x.shape[2:])
    for offsets in np.ndindex(*w.shape[2:]):
        shifted = x
        for ax, (i, k) in enumerate(zip(offsets, w.shape[2:])):
            shifted = np.roll(shifted, -(i - k // 2), axis=2 + ax)
        y += np.einsum("bc...,oc->bo...", shifted, w[(slice(None), slice(None)) + offsets])
    return y + b.reshape((1, -1) + (1,) * ndim)


def batch_norm_train(x, gamma, beta, eps=1e-5):
    axes = (0,) + tuple(range(2, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)
    shape = (1, -1) + (1,) * (x.ndim - 2)
    return (x - mean) / np.sqrt(var + eps) * gamma.reshape(shape) + beta.reshape(shape)


def avg_pool2(x):
    ndim = x.ndim - 2
    for ax in range(2, 2 + ndim):
        n = x.shape[ax]
        x = x.reshape(x.shape[:ax] + (n // 2, 2) + x.shape[ax + 1:]).mean(axis=ax + 1)
    return x


def spatial_reference(model, x, pad, nonlinearity):
    state = {k: v.astype(np.float64) for k, v in model.state_dict().items()}
    ndim = x.ndim - 2
    h = np.pad(x.astype(np.float64), ((0, 0), (0, 0)) + ((0, pad),) * ndim)
    convs = sorted({k.split(".")[1] for k in state if k.endswith(".weight") and state[k].ndim >= 3},
                   key=int)
    for idx in convs:
        i = int(idx)
        h = circular_xcorr(h, state[f"net.{i}.weight"], state[f"net.{i}.bias"])
        h = batch_norm_train(h, state[f"net.{i + 1}.weight"], state[f"net.{i + 1}.bias"])
        h = nonlinearity(h)
        h = avg_pool2(h)
    head = max(int(k.split(".")[1]) for k in state)
    return h.reshape(len(h), -1) @ state[f"net.{head}.weight"].T + state[f"net.{head}.bias"]


@pytest.mark.parametrize("input_shape,pad,depth", [((1, 12), 4, 2), ((2, 10), 6, 3), ((1, 6, 4), 2, 1)])
@pytest.mark.parametrize("nonlinearity", ["relu", "tanh"])
def test_exact_cnn_equals_spatial_reference(input_shape, pad, depth, nonlinearity):
    np.random.seed(0)
    model = FrequencyCNN(input_shape, num_classes=5, width=3, depth=depth, kernel_size=3,
                         nonlinearity=nonlinearity, pad=pad)
    x = np.random.default_rng(1).standard_normal((4,) + input_shape).astype(np.float32)
    got = model(freqnet.tensor(x)).numpy()
    fn = {"relu": lambda a: np.maximum(a, 0), "tanh": np.tanh}[nonlinearity]
    want = spatial_reference(model, x, pad, fn)
    np.testing.assert_allclose(got, want, rtol=1e-4, atol=1e-4 * np.abs(want).max())


def test_spectral_logistic_equals_linear_on_the_signal():
    np.random.seed(0)
    model = SpectralLogistic((2, 7), num_classes=3)
    x = np.random.default_rng(2).standard_normal((5, 2, 7)).astype(np.float32)
    w, b = model.state_dict()["net.1.weight"], model.state_dict()["net.1.bias"]
    np.testing.assert_allclose(model(freqnet.tensor(x)).numpy(), x.reshape(5, -1) @ w.T + b,
                               rtol=1e-5, atol=1e-5)


def _inverse_per_step(model, x):
    y = freqnet.tensor(np.arange(len(x)) % 3)
    with freqnet.profile() as prof:
        cross_entropy(model(freqnet.tensor(x)), y).backward()
    return (prof.transform_count("inverse", role="activation"), prof.transform_count("inverse"),
            prof.transform_count("forward", role="activation"))


def test_transform_counts_per_configuration():
    x = np.random.default_rng(3).standard_normal((4, 1, 16)).astype(np.float32)
    exact = FrequencyCNN((1, 16), width=3, depth=2, kernel_size=3)
    inv_act, _, fwd_act = _inverse_per_step(exact, x)
    assert inv_act == 2 * 2 and fwd_act == 1 + 2 * 2    # per block: one of each, both passes
    for activation in ("poly", "crelu", "modrelu"):
        pure = FrequencyCNN((1, 16), width=3, depth=2, activation=activation, pooling="spectral",
                            conv="spectral")
        inv_act, inv_all, fwd_act = _inverse_per_step(pure, x)
        assert (inv_act, inv_all) == (0, 0), activation
        assert fwd_act == 1                                # the input transform only


def test_pure_spectral_model_trains_one_step():
    model = build_model("cnn", (1, 16), 10, width=3, depth=2, activation="crelu",
                        pooling="spectral", conv="spectral")
    x = freqnet.tensor(np.random.default_rng(4).standard_normal((8, 1, 16)).astype(np.float32))
    loss = cross_entropy(model(x), freqnet.tensor(np.arange(8)))
    loss.backward()
    assert all(p.grad is not None for p in model.parameters())
    assert any(p.is_complex for p in model.parameters())


def test_bad_model_options_fail_clearly():
    with pytest.raises(ValueError, match="activation must be one of"):
        FrequencyCNN((1, 16), activation="softplus")
    with pytest.raises(ValueError, match="divisible by 8"):
        FrequencyCNN((1, 20), depth=3)
    with pytest.raises(ValueError, match="model must be one of"):
        build_model("resnet", (1, 16))
    with pytest.raises(ValueError, match="hartley|domain"):
        FrequencyCNN((1, 16), domain="laplace")


def test_poly_radius_fixed_or_running_makes_eval_outputs_independent_of_the_batch():
    x = np.random.default_rng(5).standard_normal((6, 1, 16)).astype(np.float32)
    outputs = {}
    for r, trained in (("auto", False), ("auto", True), (3.0, False)):
        np.random.seed(0)
        model = FrequencyCNN((1, 16), width=3, depth=2, activation="poly", poly_radius=r)
        if trained:                          # one training batch sets the running radius
            model(freqnet.tensor(x[::-1].copy()))
        model.eval()
        whole = model(freqnet.tensor(x)).numpy()[:1]
        alone = model(freqnet.tensor(x[:1])).numpy()
        outputs[r, trained] = np.abs(whole - alone).max() / np.abs(alone).max()
    # before any training batch "auto" has no running radius and uses the batch bound
    assert outputs["auto", False] > 1e-3
    assert outputs["auto", True] < 1e-5 and outputs[3.0, False] < 1e-5


def test_spectral_modes_are_fitted_to_each_layer():
    model = FrequencyCNN((1, 16), width=3, depth=3, conv="spectral", modes=6, pooling="avg")
    convs = [m for m in model.modules() if type(m).__name__ == "SpectralConv1d"]
    assert [c.modes for c in convs] == [6, 5, 3]          # 16 -> 8 -> 4 samples: 9, 5, 3 bins
    x = freqnet.tensor(np.random.default_rng(6).standard_normal((2, 1, 16)).astype(np.float32))
    assert model(x).shape == (2, 10)


def test_auto_pad_is_the_fewest_zeros_that_fit_the_pooling():
    import pytest
    from freqnet.models import FrequencyCNN, auto_pad
    for sizes, depth in [((40,), 3), ((28, 28), 3), ((16, 16), 3), ((7,), 2), ((32,), 3)]:
        p = auto_pad(sizes, depth)
        assert p >= 1 and all((n + p) % 2 ** depth == 0 for n in sizes)
        assert not any(all((n + q) % 2 ** depth == 0 for n in sizes) for q in range(1, p))
    assert FrequencyCNN((1, 40), width=2, depth=3, pad="auto").pad == 8
    with pytest.raises(ValueError, match=r"\(28, 27\)"):
        auto_pad((28, 27), 3)
