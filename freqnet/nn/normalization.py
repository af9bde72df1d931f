"""Batch normalization on spectra (DESIGN.md §4, THEORY.md §7).

Equal to ``torch.nn.BatchNorm1d/2d`` on the spatial map, computed on the
spectrum: per channel, with N the spatial size and B the batch,

* mean = (1/(B N)) sum_b Re X_b[DC]                  (DC bin / N, THEORY §7)
* var  = (1/(B N^2)) sum_b sum_k w_k |X_b[k] - N mean delta_k|^2  (Parseval
  with the d_k weights; biased, as torch normalizes)
* Y = weight * (X - N mean delta) / sqrt(var + eps) + N bias delta

so only the DC bin is shifted and the whole spectrum is scaled. (The sums
use the stored coefficients as they are: on the spectrum of a real map,
which every freqnet layer produces, Im X at DC/Nyquist is 0 and this is
exactly the spatial batch norm.) Training
updates running_mean and running_var (unbiased, factor n/(n-1), n = B N)
with ``momentum`` (None: cumulative average), as torch does; eval uses them.

Backward, per channel with s = 1/sqrt(var + eps), Xhat = (X - N mean delta) s
and Gh = weight * G (all sums over batch and bins):
grad_weight = Re sum conj(G) Xhat, grad_bias = N Re sum_b G_b[DC], and in
training grad_X = s (Gh - (Re sum conj(Gh) Xhat) w_k Xhat / (B N^2)), then
grad_X[DC] -= (1/B) Re sum_b grad_X_b[DC] (the mean's share); in eval
grad_X = s Gh.
"""
from .. import backend
from ..autograd import Function
from ._branch import parseval_weights, spectrum_ndim
from .module import Module, Parameter
from .spectrum import get_domain, tag


def _per_channel(a, ndim):
    return a.reshape((1, -1) + (1,) * ndim)


def _per_channel_full(a, shape):
    """``a`` (C,) repeated over the bins, shaped (1, C, *bins) and C-ordered:
    against a C-ordered spectrum NumPy then runs one long inner loop instead
    of one per row of a few bins (2-3x faster on 7-25-bin rows)."""
    xp = backend.array_module(a)
    full = xp.empty((1,) + tuple(shape[1:]), dtype=a.dtype)
    full[...] = a.reshape((1, -1) + (1,) * (len(shape) - 2))
    return full


def _dc(ndim):
    return (slice(None), slice(None)) + (0,) * ndim


class SpectralBatchNorm(Function):
    """The normalization of the module docstring with given mean and s."""

    def forward(self, x, weight, bias, mean, inv_std, weights, count, batch_stats):
        ndim = weights.ndim
        n_spatial = count // x.shape[0]
        dc = _dc(ndim)
        x_hat = x.copy(order="C")                                         # C order (see _real_inner)
        x_hat *= _per_channel_full(inv_std, x.shape)
        x_hat[dc] = (x[dc] - mean * n_spatial) * inv_std
        y = x_hat * _per_channel_full(weight, x.shape) if weight is not None else x_hat.copy()
        if bias is not None:
            y[dc] += bias * n_spatial
        self.save(x_hat, inv_std, weight, weights)
        self.n_spatial, self.count, self.batch_stats = n_spatial, count, batch_stats
        return y

    def backward(self, g):
        x_hat, inv_std, weight, weights = self.saved
        ndim = weights.ndim
        axes = (0,) + tuple(range(2, g.ndim))
        dc = _dc(ndim)
        projection = _real_inner(g, x_hat, axes)                         # Re sum conj(G) Xhat
        g_weight = projection if weight is not None and self.needs(1) else None
        g_bias = self.n_spatial * g[dc].real.sum(axis=0) if self.needs(2) else None
        if not self.needs(0):
            return None, g_weight, g_bias, None, None, None, None, None
        scale = inv_std * weight if weight is not None else inv_std
        gx = g * _per_channel_full(scale, g.shape)
        if self.batch_stats:
            along = projection * scale / (self.count * self.n_spatial)
            gx -= x_hat * (_per_channel(along, ndim) * weights)           # both C order: one pass
            gx[dc] -= gx[dc].real.mean(axis=0)
        return gx, g_weight, g_bias, None, None, None, None, None


def _real_inner(a, b, axes):
    """Re sum conj(a) b over ``axes`` = (0, 2, ...) (real arrays too), without a
    complex temporary. Xhat is kept in C order because the gradient arriving
    from an exact activation's rfft is: then this is one einsum over both
    arrays' interleaved real views (mixed memory orders cost ~3x more)."""
    xp = backend.array_module(a)
    if a.dtype == b.dtype and a.flags.c_contiguous and b.flags.c_contiguous:
        rows = a.shape[:2] + (-1,)
        return xp.einsum("bcf,bcf->c", a.view(a.real.dtype).reshape(rows),
                         b.view(b.real.dtype).reshape(rows))
    if a.dtype.kind != "c" or b.dtype.kind != "c":
        return (a.real * b.real).sum(axis=axes)
    out = (a.real * b.real).sum(axis=axes)
    out += (a.imag * b.imag).sum(axis=axes)
    return out


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    """Functional batch norm on a spectrum (B, C, *bins), as
    ``torch.nn.functional.batch_norm`` on the spatial map: in training the
    batch statistics normalize and the running arrays (xp arrays, or None)
    are updated in place; otherwise the running statistics are used."""
    ndim = spectrum_ndim(x, "batch_norm")
    channels = x.shape[1]
    for name, a in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if a is not None and tuple(a.shape) != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for an input "
                             f"with {channels} channels, got {tuple(a.shape)}")
    xp = backend.array_module(x.data)
    real = x.data.real.dtype
    weights = parseval_weights(x.domain, x.spatial_shape, xp, real, "batch_norm")
    n_spatial = 1
    for n in x.spatial_shape:
        n_spatial *= n
    count = x.shape[0] * n_spatial
    if training:
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of spatial shape {x.spatial_shape} "
                             f"and batch {x.shape[0]}")
        data, dc = x.data, _dc(ndim)
        mean = data[dc].real.sum(axis=0) / count
        power = data.real ** 2 + data.imag ** 2 if data.dtype.kind == "c" else data ** 2
        centred_dc = data[dc] - mean * n_spatial                           # only DC is shifted
        power[dc] = centred_dc.real ** 2 + centred_dc.imag ** 2 if data.dtype.kind == "c" \
            else centred_dc ** 2
        energy = (power * weights).sum(axis=(0,) + tuple(range(2, data.ndim)))
        var = energy / (count * n_spatial)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += momentum * mean
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += momentum * var * (count / (count - 1))
    else:
        if running_mean is None or running_var is None:
            raise ValueError("batch_norm: eval mode needs running_mean and running_var")
        mean, var = running_mean.astype(real), running_var.astype(real)
    inv_std = 1 / xp.sqrt(var + eps)
    y = SpectralBatchNorm()(x, weight, bias, mean, inv_std, weights, count, bool(training))
    return tag(y, x.domain, x.spatial_shape)


class _BatchNorm(Module):
    """Batch norm on spectra; see the module docstring. Names as torch."""

    ndim = None

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, domain="fourier", dtype="float32"):
        super().__init__()
        xp = backend.xp
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.domain = get_domain(domain).name
        parseval_weights(self.domain, (2,) * self.ndim, xp, "float64", type(self).__name__)
        if affine:
            self.weight = Parameter(xp.ones(self.num_features, dtype=dtype))
            self.bias = Parameter(xp.zeros(self.num_features, dtype=dtype))
        else:
            self.weight = self.bias = None
        if track_running_stats:
            self.register_buffer("running_mean", xp.zeros(self.num_features, dtype=dtype))
            self.register_buffer("running_var", xp.ones(self.num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", xp.zeros((), dtype="int64"))
        else:
            self.running_mean = self.running_var = self.num_batches_tracked = None

    def forward(self, x):
        name = type(self).__name__
        ndim = spectrum_ndim(x, name, self.domain)
        if ndim != self.ndim:
            raise ValueError(f"{name}: expected the spectrum of a {self.ndim}D map, got one of "
                             f"spatial shape {x.spatial_shape}")
        if x.shape[1] != self.num_features:
            raise ValueError(f"{name}: expected {self.num_features} channels, got "
                             f"{x.shape[1]} (input shape {x.shape})")
        momentum = self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked += 1
            if momentum is None:
                momentum = 1.0 / float(self.num_batches_tracked)
        use_batch = self.training or not self.track_running_stats
        return batch_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_batch, momentum, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}, "
                f"domain={self.domain!r}")


class BatchNorm1d(_BatchNorm):
    """``torch.nn.BatchNorm1d`` on the spectrum (B, C, L//2+1) of (B, C, L)."""

    ndim = 1


class BatchNorm2d(_BatchNorm):
    """``torch.nn.BatchNorm2d`` on the spectrum (B, C, H, W//2+1) of (B, C, H, W)."""

    ndim = 2
