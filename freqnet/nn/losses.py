"""Losses and (log-)softmax (THEORY.md §8).

* ``cross_entropy(logits (B, K), target (B,) class indices)``: a fused, stable
  log-softmax + negative log-likelihood; logsumexp is taken after subtracting
  the row max, so logits of 1e4 are fine. Backward: (softmax - onehot) g.
* ``binary_cross_entropy_with_logits``: softplus(z) - y z in the stable form
  max(z, 0) - y z + log1p(exp(-|z|)) (THEORY §8a); grad_z = sigmoid(z) - y.
* ``mse_loss`` on spatial tensors, ``spectral_mse_loss`` on spectra by
  Parseval: sum_n (z-t)^2 = (1/N) sum_k d_k |Z_k - T_k|^2 (THEORY §8c), so its
  value equals ``mse_loss`` of the spatial maps.
``reduction`` is "mean", "sum" or "none" as in torch.
"""
from .. import backend, ops
from ..autograd import Function
from ..tensor import Tensor
from .module import Module
from .spectrum import expect_spectrum

REDUCTIONS = ("mean", "sum", "none")


def _check_reduction(reduction, name):
    if reduction not in REDUCTIONS:
        raise ValueError(f"{name}: reduction must be one of {REDUCTIONS}, got {reduction!r}")


def _real_tensor(x, name, what):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: {what} must be a Tensor, got {type(x).__name__}")
    if x.domain is not None:
        raise ValueError(f"{name}: {what} must be a real spatial tensor, got a {x.domain} "
                         f"spectrum of shape {x.shape} (use the spectral form, or a head first)")
    if x.is_complex or x.dtype.kind != "f":
        raise TypeError(f"{name}: {what} must be a real float tensor, got dtype {x.dtype}")


def _logsumexp(z, axis):
    xp = backend.array_module(z)
    top = z.max(axis=axis, keepdims=True)
    return top + xp.log(xp.exp(z - top).sum(axis=axis, keepdims=True))


class LogSoftmax(Function):
    def forward(self, z, axis):
        self.axis = axis
        y = z - _logsumexp(z, axis)
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        xp = backend.array_module(g)
        return g - xp.exp(y) * g.sum(axis=self.axis, keepdims=True), None


class Softmax(Function):
    def forward(self, z, axis):
        self.axis = axis
        y = backend.array_module(z).exp(z - _logsumexp(z, axis))
        self.save(y)
        return y

    def backward(self, g):
        (y,) = self.saved
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True)), None


def log_softmax(x, axis=-1):
    """log(softmax(x)) along ``axis``, stable for large logits."""
    _real_tensor(x, "log_softmax", "input")
    return LogSoftmax()(x, axis)


def softmax(x, axis=-1):
    """exp(x) / sum exp(x) along ``axis``, stable for large logits."""
    _real_tensor(x, "softmax", "input")
    return Softmax()(x, axis)


class CrossEntropy(Function):
    """Fused log-softmax + NLL over axis 1 of (B, K) logits. ``invalid`` (a
    device flag, or None for labels checked on the host) marks out-of-range
    labels; they give a NaN loss instead of a device-to-host check."""

    def forward(self, z, target, reduction, invalid):
        xp = backend.array_module(z)
        log_p = z - _logsumexp(z, 1)
        if invalid is not None:
            target = xp.clip(target, 0, z.shape[1] - 1)
        rows = xp.arange(z.shape[0])
        losses = -log_p[rows, target]
        if invalid is not None:
            losses = xp.where(invalid, losses.dtype.type("nan"), losses)
        self.save(log_p, target)
        self.reduction = reduction
        if reduction == "mean":
            return losses.mean()
        return losses.sum() if reduction == "sum" else losses

    def backward(self, g):
        log_p, target = self.saved
        xp = backend.array_module(log_p)
        grad = xp.exp(log_p)
        grad[xp.arange(grad.shape[0]), target] -= 1
        if self.reduction == "mean":
            grad *= g / grad.shape[0]
        elif self.reduction == "sum":
            grad *= g
        else:
            grad *= g[:, None]
        return grad, None, None, None


def _label_data(target, batch):
    """The label array of ``target`` after the checks that need no values."""
    data = target.data if isinstance(target, Tensor) else target
    if not backend.is_array(data):
        data = backend.numpy.asarray(data)
    if data.dtype.kind not in "iu":
        raise TypeError(f"cross_entropy: target must hold integer class indices, got dtype "
                        f"{data.dtype}")
    if tuple(data.shape) != (batch,):
        raise ValueError(f"cross_entropy: target must have shape ({batch},) for logits of "
                         f"batch {batch}, got {tuple(data.shape)}")
    return data


def check_class_indices(target, classes):
    """A ValueError unless every label of ``target`` lies in [0, classes - 1]
    (an explicit check: on a device it reads the labels' range back)."""
    data = _label_data(target, len(target))
    if data.size:
        lo, hi = (int(v) for v in (data.min(), data.max()))
        if lo < 0 or hi >= classes:
            raise ValueError(f"cross_entropy: target labels must lie in [0, {classes - 1}] for "
                             f"{classes} classes, got values in [{lo}, {hi}]")


def cross_entropy(logits, target, reduction="mean"):
    """Cross-entropy of (B, K) logits against (B,) integer class indices.

    Host labels (NumPy arrays, lists) are range-checked at once. Labels
    already on a device are checked there, without a device-to-host sync:
    an out-of-range label makes its loss NaN (as CUDA frameworks assert
    asynchronously), and :func:`freqnet.train.fit` then names the labels;
    :func:`check_class_indices` checks explicitly."""
    _real_tensor(logits, "cross_entropy", "logits")
    _check_reduction(reduction, "cross_entropy")
    if logits.ndim != 2:
        raise ValueError(f"cross_entropy: logits must have shape (batch, classes), got "
                         f"{logits.shape}")
    batch, classes = logits.shape
    data = _label_data(target, batch)
    invalid = None
    if backend.array_module(data) is backend.numpy:
        check_class_indices(data, classes)
        data = backend.asarray(data, like=logits.data)
    else:
        invalid = (data < 0) | (data >= classes)
    return CrossEntropy()(logits, data, reduction, invalid)


class BCEWithLogits(Function):
    def forward(self, z, y, reduction):
        xp = backend.array_module(z)
        losses = xp.maximum(z, 0) - y * z + xp.log1p(xp.exp(-xp.abs(z)))
        self.save(z, y)
        self.reduction = reduction
        if reduction == "mean":
            return losses.mean()
        return losses.sum() if reduction == "sum" else losses

    def backward(self, g):
        z, y = self.saved
        xp = backend.array_module(z)
        if self.reduction == "mean":
            g = g / z.size
        sigma = 0.5 + 0.5 * xp.tanh(0.5 * z)
        gz = (sigma - y) * g if self.needs(0) else None
        gy = -z * g if self.needs(1) else None
        return gz, gy, None


def binary_cross_entropy_with_logits(logits, target, reduction="mean"):
    """BCE of sigmoid(logits) against targets in [0, 1] (THEORY §8a), stable."""
    _real_tensor(logits, "binary_cross_entropy_with_logits", "logits")
    _check_reduction(reduction, "binary_cross_entropy_with_logits")
    if not isinstance(target, Tensor):
        target = Tensor(backend.asarray(target, dtype=logits.dtype, like=logits.data))
    _real_tensor(target, "binary_cross_entropy_with_logits", "target")
    if target.shape != logits.shape:
        raise ValueError(f"binary_cross_entropy_with_logits: target shape {target.shape} "
                         f"differs from logits shape {logits.shape}")
    return BCEWithLogits()(logits, target, reduction)


def _reduce(per_element, reduction, count):
    if reduction == "none":
        return per_element
    total = per_element.sum()
    return total / count if reduction == "mean" else total


def mse_loss(input, target, reduction="mean"):  # noqa: A002  (torch's name)
    """Mean squared error of two real spatial tensors of the same shape."""
    _check_reduction(reduction, "mse_loss")
    if not isinstance(target, Tensor):
        target = Tensor(backend.asarray(target, dtype=input.dtype, like=input.data))
    for what, t in (("input", input), ("target", target)):
        if isinstance(t, Tensor) and t.domain is not None:
            raise ValueError(f"mse_loss: {what} is a {t.domain} spectrum; use "
                             f"spectral_mse_loss for spectra")
        _real_tensor(t, "mse_loss", what)
    if input.shape != target.shape:
        raise ValueError(f"mse_loss: input shape {input.shape} differs from target shape "
                         f"{target.shape}")
    diff = input - target
    return _reduce(diff * diff, reduction, diff.size)


def spectral_mse_loss(input, target, reduction="mean"):  # noqa: A002
    """``mse_loss`` of the spatial maps, computed on their spectra by Parseval
    with the d_k weights (THEORY §8c). "none" gives the per-map sum of squares
    (B, C); "mean" divides the total by the number of spatial elements."""
    _check_reduction(reduction, "spectral_mse_loss")
    dom = expect_spectrum(input, None, "spectral_mse_loss")
    ndim = len(input.spatial_shape)
    expect_spectrum(target, ndim, "spectral_mse_loss", input.domain)
    if target.shape != input.shape or target.spatial_shape != input.spatial_shape:
        raise ValueError(f"spectral_mse_loss: target shape {target.shape} (spatial "
                         f"{target.spatial_shape}) differs from input shape {input.shape} "
                         f"(spatial {input.spatial_shape})")
    xp = backend.array_module(input.data)
    weights = dom.parseval_weights(input.spatial_shape, xp, input.data.real.dtype)
    n_spatial = 1
    for n in input.spatial_shape:
        n_spatial *= n
    diff = input - target
    energy = ops.real(diff * ops.conj(diff)) * Tensor(weights / n_spatial)
    per_map = energy.sum(axis=tuple(range(-ndim, 0)))
    return _reduce(per_map, reduction, per_map.size * n_spatial)


class _Loss(Module):
    def __init__(self, reduction="mean"):
        super().__init__()
        _check_reduction(reduction, type(self).__name__)
        self.reduction = reduction

    def extra_repr(self):
        return f"reduction={self.reduction!r}"


class CrossEntropyLoss(_Loss):
    """Module form of :func:`cross_entropy`."""

    def forward(self, logits, target):
        return cross_entropy(logits, target, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Module form of :func:`binary_cross_entropy_with_logits`."""

    def forward(self, logits, target):
        return binary_cross_entropy_with_logits(logits, target, self.reduction)


class MSELoss(_Loss):
    """Module form of :func:`mse_loss`."""

    def forward(self, input, target):  # noqa: A002
        return mse_loss(input, target, self.reduction)


class SpectralMSELoss(_Loss):
    """Module form of :func:`spectral_mse_loss`."""

    def forward(self, input, target):  # noqa: A002
        return spectral_mse_loss(input, target, self.reduction)
