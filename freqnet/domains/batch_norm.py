"""Batch-norm statistics and normalization on any domain's spectra (THEORY.md §7).

Per channel, with N the spatial size, B the batch and w the domain's
Parseval weights (``Domain.parseval_weights``: sum x^2 = (1/N) sum_k w_k |X_k|^2):

* mean = (1/(B N)) sum_b Re X_b[DC]
* var  = (1/(B N^2)) sum_b sum_k w_k |X_b[k] - N mean delta_k|^2   (biased)
* Y = weight * (X - N mean delta) / sqrt(var + eps) + N bias delta

so only the DC bin is shifted and the whole spectrum is scaled. On the
spectrum of a real map (which every freqnet layer produces) this is exactly
the spatial batch norm.

Backward, per channel with s = 1/sqrt(var + eps), Xhat = (X - N mean delta) s
and Gh = weight * G (all sums over batch and bins):
grad_weight = Re sum conj(G) Xhat, grad_bias = N Re sum_b G_b[DC], and with
batch statistics grad_X = s (Gh - (Re sum conj(Gh) Xhat) w_k Xhat / (B N^2)),
then grad_X[DC] -= (1/B) Re sum_b grad_X_b[DC] (the mean's share); with
running statistics grad_X = s Gh.

Synchronised over processes (``group``, a
:class:`freqnet.distributed.BatchNormGroup`): the DC sums and batch sizes,
then the Parseval energies, are summed over the ranks before mean and var
are formed, and in backward so are the two batch sums (Re sum conj(Gh) Xhat
and sum_b Re grad_X_b[DC]), each rank's weighted by its batch size B_r
because its G is the gradient of its own mean loss; then N processes
compute the batch norm of the union of their batches.
"""
from .. import backend, fastpaths
from ..autograd import Function


def _dc(ndim):
    return (slice(None), slice(None)) + (0,) * ndim


def moments(data, spatial_shape, weights, group=None):
    """(mean, var, count) per channel of a (B, C, *bins) spectrum with Parseval
    weights; count = B N, the values behind them. With ``group`` (or None):
    over the batches of all its ranks (the module docstring)."""
    ndim = len(spatial_shape)
    n_spatial = 1
    for n in spatial_shape:
        n_spatial *= n
    dc = _dc(ndim)
    dc_sum, batch = data[dc].real.sum(axis=0), data.shape[0]
    if group is not None:
        xp = backend.array_module(data)
        sums = group.sum(xp.concatenate([dc_sum, xp.full((1,), batch, dtype=dc_sum.dtype)]))
        dc_sum, batch = sums[:-1], int(round(float(sums[-1])))
    count = batch * n_spatial
    mean = dc_sum / count
    power = data.real ** 2 + data.imag ** 2 if data.dtype.kind == "c" else data ** 2
    centred_dc = data[dc] - mean * n_spatial                           # only DC is shifted
    power[dc] = centred_dc.real ** 2 + centred_dc.imag ** 2 if data.dtype.kind == "c" \
        else centred_dc ** 2
    energy = (power * weights).sum(axis=(0,) + tuple(range(2, data.ndim)))
    if group is not None:
        energy = group.sum(energy)
    return mean, energy / (count * n_spatial), count


def _per_channel(a, ndim):
    return a.reshape((1, -1) + (1,) * ndim)


def _per_channel_full(a, shape):
    """``a`` (C,) repeated over the bins, shaped (1, C, *bins) and C-ordered:
    against a C-ordered spectrum NumPy then runs one long inner loop instead
    of one per row of a few bins."""
    xp = backend.array_module(a)
    full = xp.empty((1,) + tuple(shape[1:]), dtype=a.dtype)
    full[...] = a.reshape((1, -1) + (1,) * (len(shape) - 2))
    return full


def real_inner(a, b, axes):
    """Re sum conj(a) b over ``axes`` = (0, 2, ...) (real arrays too)."""
    return fastpaths.route(_real_inner_einsum, _real_inner, a, b, axes)


def _real_inner(a, b, axes):
    """The reference: Re(a) Re(b) + Im(a) Im(b), summed."""
    out = (a.real * b.real).sum(axis=axes)
    if a.dtype.kind == "c" and b.dtype.kind == "c":
        out += (a.imag * b.imag).sum(axis=axes)
    return out


def _real_inner_einsum(a, b, axes):
    """Speed route of :func:`real_inner` for two C-ordered arrays of one dtype:
    one einsum over their interleaved real views (no complex temporary)."""
    if a.dtype != b.dtype or not (a.flags.c_contiguous and b.flags.c_contiguous):
        return None
    xp = backend.array_module(a)
    rows = a.shape[:2] + (-1,)
    return xp.einsum("bcf,bcf->c", a.view(a.real.dtype).reshape(rows),
                     b.view(b.real.dtype).reshape(rows))


class SpectralBatchNorm(Function):
    """The normalization of the module docstring with given mean and s over
    ``count`` values per channel (B N; with ``group``, summed over its ranks).
    Xhat is kept in C order because the gradient arriving from an exact
    activation's rfft is (:func:`real_inner` then takes one pass)."""

    def forward(self, x, weight, bias, mean, inv_std, weights, n_spatial, count, batch_stats,
                group=None):
        dc = _dc(weights.ndim)
        x_hat = x.copy(order="C")
        x_hat *= _per_channel_full(inv_std, x.shape)
        x_hat[dc] = (x[dc] - mean * n_spatial) * inv_std
        y = x_hat * _per_channel_full(weight, x.shape) if weight is not None else x_hat.copy()
        if bias is not None:
            y[dc] += bias * n_spatial
        self.save(x_hat, inv_std, weight, weights)
        self.n_spatial, self.count, self.batch_stats, self.group = n_spatial, count, batch_stats, group
        return y

    def backward(self, g):
        x_hat, inv_std, weight, weights = self.saved
        ndim = weights.ndim
        axes = (0,) + tuple(range(2, g.ndim))
        dc = _dc(ndim)
        projection = real_inner(g, x_hat, axes)                          # Re sum conj(G) Xhat
        g_weight = projection if weight is not None and self.needs(1) else None
        g_bias = self.n_spatial * g[dc].real.sum(axis=0) if self.needs(2) else None
        none = (None,) * 7
        if not self.needs(0):
            return (None, g_weight, g_bias) + none
        scale = inv_std * weight if weight is not None else inv_std
        gx = g * _per_channel_full(scale, g.shape)
        if self.batch_stats:
            along = self._over_group(projection, g.shape[0]) * scale / (self.count * self.n_spatial)
            gx -= x_hat * (_per_channel(along, ndim) * weights)           # both C order: one pass
            if self.group is None:
                gx[dc] -= gx[dc].real.mean(axis=0)
            else:
                gx[dc] -= self._over_group(gx[dc].real.sum(axis=0), g.shape[0]) * \
                    (self.n_spatial / self.count)
        return (gx, g_weight, g_bias) + none

    def _over_group(self, batch_sum, batch):
        """A batch sum of this rank's G (the gradient of its mean over ``batch``
        samples) summed over the group, in this rank's units (the module docstring)."""
        if self.group is None:
            return batch_sum
        return self.group.sum(batch_sum * batch) / batch
