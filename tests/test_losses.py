"""Losses and (log-)softmax against NumPy formulas (THEORY.md §8)."""
import numpy as np
import pytest
from scipy import special

import freqnet
from freqnet import nn
from freqnet.nn import functional as F
from freqnet.tensor import Tensor
from _reference import multiplicity


def _np_log_softmax(z):
    return z - special.logsumexp(z, axis=1, keepdims=True)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype,tol", [("float32", 1e-5), ("float64", 1e-12)])
def test_cross_entropy_matches_numpy(reduction, dtype, tol):
    rng = np.random.default_rng(0)
    z = rng.standard_normal((5, 7)) * 3
    t = rng.integers(0, 7, 5)
    logits = Tensor(z.astype(dtype), requires_grad=True)
    loss = F.cross_entropy(logits, t, reduction)
    per = -_np_log_softmax(z)[np.arange(5), t]
    expected = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=tol)
    g = rng.standard_normal(5) if reduction == "none" else np.array(1.7)
    loss.backward(Tensor(g.astype(dtype)))
    onehot = np.eye(7)[t]
    scale = {"mean": g / 5, "sum": g, "none": g[:, None] if g.ndim else g}[reduction]
    expected_grad = (special.softmax(z, axis=1) - onehot) * scale
    np.testing.assert_allclose(logits.grad.numpy(), expected_grad, rtol=tol, atol=tol)


def test_cross_entropy_is_stable_at_huge_logits():
    z = np.array([[1e4, 0.0, -1e4], [1e4, 1e4 - 2.0, 0.0], [-1e4, -1e4, -1e4]])
    t = np.array([1, 1, 2])
    logits = Tensor(z, requires_grad=True)
    loss = F.cross_entropy(logits, t, "none")
    expected = [1e4, np.log1p(np.exp(2.0)), np.log(3.0)]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    loss.sum().backward()
    assert np.all(np.isfinite(logits.grad.numpy()))
    np.testing.assert_allclose(logits.grad.numpy()[0], [1, -1, 0], atol=1e-12)
    z32 = Tensor(z.astype(np.float32))
    assert np.all(np.isfinite(F.cross_entropy(z32, t, "none").numpy()))


def test_cross_entropy_gradcheck_and_module():
    rng = np.random.default_rng(1)
    logits = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    t = np.array([0, 3, 2])
    freqnet.gradcheck(lambda z: F.cross_entropy(z, t), [logits])
    module = nn.CrossEntropyLoss(reduction="sum")
    np.testing.assert_allclose(module(logits, Tensor(t)).numpy(),
                               -_np_log_softmax(logits.numpy())[np.arange(3), t].sum())


def test_cross_entropy_errors():
    z = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"target must have shape \(3,\).*got \(4,\)"):
        F.cross_entropy(z, np.zeros(4, dtype=int))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\].*\[0, 4\]"):
        F.cross_entropy(z, np.array([0, 4, 1]))
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 3\]"):
        F.cross_entropy(z, np.array([0, -1, 1]))
    with pytest.raises(TypeError, match="integer class indices, got dtype float64"):
        F.cross_entropy(z, np.zeros(3))
    with pytest.raises(ValueError, match=r"logits must have shape \(batch, classes\)"):
        F.cross_entropy(Tensor(np.zeros((3, 4, 2))), np.zeros(3, dtype=int))
    with pytest.raises(ValueError, match="reduction must be one of"):
        F.cross_entropy(z, np.zeros(3, dtype=int), reduction="avg")
    spectrum = Tensor(np.zeros((3, 4, 3), dtype=complex)).as_spectrum("fourier", (4, 4))
    with pytest.raises(ValueError, match="must be a real spatial tensor, got a fourier spectrum"):
        F.cross_entropy(spectrum, np.zeros(3, dtype=int))


@pytest.mark.parametrize("axis", [-1, 0])
def test_log_softmax_and_softmax(axis):
    rng = np.random.default_rng(2)
    z = rng.standard_normal((4, 5)) * 10
    z[0, 0] = 1e4
    x = Tensor(z, requires_grad=True)
    np.testing.assert_allclose(F.log_softmax(x, axis).numpy(),
                               z - special.logsumexp(z, axis=axis, keepdims=True), rtol=1e-12)
    np.testing.assert_allclose(F.softmax(x, axis).numpy(), special.softmax(z, axis=axis),
                               rtol=1e-12, atol=1e-300)
    small = Tensor(rng.standard_normal((3, 4)), requires_grad=True)
    freqnet.gradcheck(lambda t: F.log_softmax(t, axis), [small])
    freqnet.gradcheck(lambda t: F.softmax(t, axis), [small])


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_matches_stable_formula(reduction):
    rng = np.random.default_rng(3)
    z = rng.standard_normal((4, 3)) * 5
    z[0, 0], z[1, 1] = 1e4, -1e4
    y = rng.uniform(0, 1, (4, 3))
    logits = Tensor(z, requires_grad=True)
    target = Tensor(y, requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(logits, target, reduction)
    per = np.logaddexp(0, z) - y * z                 # softplus(z) - y z, THEORY §8a
    expected = {"mean": per.mean(), "sum": per.sum(), "none": per}[reduction]
    np.testing.assert_allclose(loss.numpy(), expected, rtol=1e-12)
    (loss if reduction != "none" else loss.sum()).backward()
    scale = 1 / z.size if reduction == "mean" else 1.0
    np.testing.assert_allclose(logits.grad.numpy(), (special.expit(z) - y) * scale, rtol=1e-12,
                               atol=1e-15)
    np.testing.assert_allclose(target.grad.numpy(), -z * scale, rtol=1e-12)


def test_bce_gradcheck_module_and_errors():
    rng = np.random.default_rng(4)
    z = Tensor(rng.standard_normal((3, 2)), requires_grad=True)
    y = Tensor(rng.uniform(0, 1, (3, 2)), requires_grad=True)
    freqnet.gradcheck(F.binary_cross_entropy_with_logits, [z, y])
    np.testing.assert_allclose(nn.BCEWithLogitsLoss("sum")(z, y).numpy(),
                               (np.logaddexp(0, z.numpy()) - y.numpy() * z.numpy()).sum())
    with pytest.raises(ValueError, match=r"target shape \(3, 1\) differs from logits shape"):
        F.binary_cross_entropy_with_logits(z, np.zeros((3, 1)))


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_mse_loss(reduction):
    rng = np.random.default_rng(5)
    a, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((2, 3, 4))
    x = Tensor(a, requires_grad=True)
    loss = F.mse_loss(x, Tensor(b), reduction)
    per = (a - b) ** 2
    np.testing.assert_allclose(loss.numpy(), {"mean": per.mean(), "sum": per.sum(),
                                              "none": per}[reduction], rtol=1e-12)
    freqnet.gradcheck(lambda t: nn.MSELoss(reduction)(t, Tensor(b)), [x])
    with pytest.raises(ValueError, match="differs from target shape"):
        F.mse_loss(x, Tensor(b[:1]))


@pytest.mark.parametrize("shape", [(6, 5), (8, 8), (7,), (10,)])
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_spectral_mse_equals_spatial_mse_by_parseval(shape, reduction):
    rng = np.random.default_rng(6)
    axes = tuple(range(-len(shape), 0))
    z, t = rng.standard_normal((3, 2) + shape), rng.standard_normal((3, 2) + shape)
    Z = Tensor(np.fft.rfftn(z, axes=axes), requires_grad=True).as_spectrum("fourier", shape)
    T = Tensor(np.fft.rfftn(t, axes=axes)).as_spectrum("fourier", shape)
    loss = F.spectral_mse_loss(Z, T, reduction)
    per = (z - t) ** 2
    np.testing.assert_allclose(loss.numpy(), per.mean() if reduction == "mean" else per.sum(),
                               rtol=1e-12)
    per_map = F.spectral_mse_loss(Z, T, "none").numpy()
    np.testing.assert_allclose(per_map, per.sum(axis=axes), rtol=1e-12)
    loss.backward()
    # THEORY §0: the spatial gradient 2 (z - t) [/count] maps to d rfft(.)/N
    n = np.prod(shape)
    d = multiplicity(shape)
    gz = 2 * (z - t) / (per.size if reduction == "mean" else 1)
    np.testing.assert_allclose(Z.grad.numpy(), d * np.fft.rfftn(gz, axes=axes) / n,
                               rtol=1e-10, atol=1e-14)


def test_spectral_mse_errors_and_module():
    Z = Tensor(np.zeros((2, 1, 4, 3), dtype=complex)).as_spectrum("fourier", (4, 4))
    with pytest.raises(ValueError, match="differs from input shape"):
        F.spectral_mse_loss(Z, Tensor(np.zeros((2, 1, 4, 3), dtype=complex)).as_spectrum(
            "fourier", (4, 5)))
    with pytest.raises(ValueError, match="mse_loss: input is a fourier spectrum"):
        F.mse_loss(Z, Z)
    assert nn.SpectralMSELoss()(Z, Z).item() == 0
