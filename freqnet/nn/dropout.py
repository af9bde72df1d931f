"""Spectral dropout: drop whole frequency bins of a spectrum in training.

In training each bin of each sample is kept with probability 1 - p and
scaled by 1/(1 - p) (inverted dropout, so the expected spectrum is
unchanged); dropped bins become 0 in every channel of that sample (one mask
per sample and bin, shared across channels: a dropped frequency is gone from
the whole feature stack). A bin drops its real and imaginary parts together.
Eval mode is the identity.

Real-signal consistency (Fourier, rfft half spectra): an interior half-
spectrum bin stands for the pair (k, -k), so dropping it drops both. In the
self-conjugate columns (v = 0 and, for even W, v = W/2) the bins u and -u mod H
are conjugates of each other, so they share one mask value; the masked
spectrum is therefore still the spectrum of a real signal. DC may be dropped.

Randomness: ``rng`` is a ``numpy.random.Generator`` or a seed; without one,
the seed comes from NumPy's global generator (``numpy.random.seed`` makes
masks reproducible). The layer keeps that host Generator (checkpoints save
its state) and draws from it only one 64-bit seed per mask; the mask itself
is drawn on the input's device by that device's generator
(:func:`freqnet.backend.random_generator`), so no mask crosses the bus and
seeded runs are reproducible on each backend.
"""
from .. import backend, ops
from ..spectral import hartley
from ..tensor import Tensor
from ._branch import domain_branch, spectrum_ndim
from .module import Module
from .spectrum import get_domain, tag


@backend.device_constant
def _upper_rows(h):
    """Rows u > H/2 (they copy their mask from row H - u) and those rows H - u."""
    upper = backend.numpy.arange(h // 2 + 1, h)
    return backend.numpy.stack([upper, h - upper])


def _fourier_mask(keep, spatial_shape):
    """Tie the self-conjugate columns' bins u and -u mod H (module docstring)."""
    if len(spatial_shape) == 2:
        h, w = spatial_shape
        upper, partner = _upper_rows(h, xp=backend.array_module(keep))
        for v in [0] + ([w // 2] if w % 2 == 0 else []):
            keep[..., upper, v] = keep[..., partner, v]
    return keep


@backend.device_constant
def _hartley_deciders(spatial_shape):
    """For every flat bin, the smaller flat index of the pair (k, -k)."""
    rev = hartley.reverse_index(spatial_shape)
    return backend.numpy.minimum(backend.numpy.arange(rev.size), rev)


def _hartley_mask(keep, spatial_shape):
    """Hartley bins k and -k (jointly on every axis) carry one real frequency
    (its cos and sin parts), so they share one mask value: the bin with the
    smaller flat index decides. (Any real mask keeps a Hartley spectrum real.)"""
    deciders = _hartley_deciders(tuple(spatial_shape), xp=backend.array_module(keep))
    flat = keep.reshape(keep.shape[:2] + (-1,))
    return flat[..., deciders].reshape(keep.shape)


#: domain name -> function tying the mask so the result stays a real signal's spectrum
BRANCHES = {"fourier": _fourier_mask, "hartley": _hartley_mask}


def _generator(rng):
    """``rng`` as a Generator: a seed makes one; None draws the seed from NumPy's
    global generator, so ``numpy.random.seed`` makes masks reproducible (as
    :mod:`freqnet.nn.init` does for weights)."""
    if rng is None:
        rng = int(backend.numpy.random.randint(0, 2 ** 63 - 1, dtype="int64"))
    if isinstance(rng, (int, backend.numpy.integer)):
        return backend.numpy.random.default_rng(rng)
    return rng


def spectral_dropout(x, p=0.5, training=True, rng=None):
    """Functional form of :class:`SpectralDropout` (``rng``: Generator or seed)."""
    spectrum_ndim(x, "spectral_dropout")
    if not 0 <= p <= 1:
        raise ValueError(f"spectral_dropout: p must be in [0, 1], got {p!r}")
    if not training or p == 0:
        return x
    tie = domain_branch(BRANCHES, x.domain, "spectral_dropout")
    xp = backend.array_module(x.data)
    real = x.data.real.dtype
    shape = (x.shape[0], 1) + tuple(x.shape[2:])
    if p == 1:
        mask = xp.zeros(shape, dtype=real)
    else:
        seed = int(_generator(rng).integers(0, 2 ** 63 - 1))
        keep = backend.random_generator(seed, xp).random(shape) >= p
        mask = tie(keep, x.spatial_shape).astype(real) * real.type(1.0 / (1.0 - p))
    return tag(ops.mul(x, Tensor._make(mask, False)), x.domain, x.spatial_shape)


class SpectralDropout(Module):
    """Drop frequency bins with probability ``p`` in training (module docstring)."""

    def __init__(self, p=0.5, rng=None, domain="fourier"):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"SpectralDropout: p must be in [0, 1], got {p!r}")
        self.p = float(p)
        self.domain = get_domain(domain).name
        domain_branch(BRANCHES, self.domain, "SpectralDropout")
        self.rng = _generator(rng)

    def forward(self, x):
        spectrum_ndim(x, "SpectralDropout", self.domain)
        return spectral_dropout(x, self.p, self.training, self.rng)

    def extra_repr(self):
        return f"p={self.p}, domain={self.domain!r}"
