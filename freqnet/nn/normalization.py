"""Batch normalization on spectra (DESIGN.md §4, THEORY.md §7).

Equal to ``torch.nn.BatchNorm1d/2d`` on the spatial map, computed on the
spectrum: the mean is the DC bin / N, the variance comes from Parseval's sum
with the domain's weights, only the DC bin is shifted and the whole spectrum
is scaled (the formulas, forward and backward, are in
:mod:`freqnet.domains.batch_norm`). Training updates running_mean and
running_var (unbiased, factor n/(n-1), n = B N) with ``momentum`` (None:
cumulative average), as torch does; eval uses them. In training,
``stats_group`` (set by :class:`freqnet.distributed.DataParallel` with
``sync_batch_norm=True``; None: this batch only) takes the statistics over
the batches of every process.
"""
from .. import backend
from ..domains.batch_norm import SpectralBatchNorm
from ..domains import get_domain
from .module import Module, Parameter
from .spectrum import expect_spectrum


def batch_norm(x, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5, group=None):
    """Functional batch norm on a spectrum (B, C, *bins), as
    ``torch.nn.functional.batch_norm`` on the spatial map: in training the
    batch statistics normalize and the running arrays (xp arrays, or None)
    are updated in place; otherwise the running statistics are used.
    ``group`` (training only) takes the statistics over processes."""
    dom = expect_spectrum(x, None, "batch_norm")
    channels = x.shape[1]
    for name, a in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if a is not None and tuple(a.shape) != (channels,):
            raise ValueError(f"batch_norm: {name} must have shape ({channels},) for an input "
                             f"with {channels} channels, got {tuple(a.shape)}")
    xp = backend.array_module(x.data)
    real = x.data.real.dtype
    weights = dom.parseval_weights(x.spatial_shape, xp, real)
    n_spatial = 1
    for n in x.spatial_shape:
        n_spatial *= n
    count = x.shape[0] * n_spatial
    if training:
        if count <= 1:
            raise ValueError(f"batch_norm: expected more than 1 value per channel when "
                             f"training, got input of spatial shape {x.spatial_shape} "
                             f"and batch {x.shape[0]}")
        mean, var, count = dom.batch_moments(x.data, x.spatial_shape, group)
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
    y = SpectralBatchNorm()(x, weight, bias, mean, inv_std, weights, n_spatial, count,
                            bool(training), group if training else None)
    return dom.tag(y, x.spatial_shape)


class _BatchNorm(Module):
    """Batch norm on spectra; see the module docstring. Names as torch."""

    ndim = None
    stats_group = None

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, domain="fourier", dtype="float32"):
        super().__init__()
        xp = backend.xp
        self.num_features, self.eps, self.momentum = int(num_features), eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        self.domain = get_domain(domain).name
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
        expect_spectrum(x, None, name, self.domain)
        if len(x.spatial_shape) != self.ndim:
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
                          use_batch, momentum, self.eps,
                          self.stats_group if self.training else None)

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
