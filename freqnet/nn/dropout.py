"""Spectral dropout: drop whole frequency bins of a spectrum in training.

In training each bin of each sample is kept with probability 1 - p and
scaled by 1/(1 - p) (inverted dropout, so the expected spectrum is
unchanged); dropped bins become 0 in every channel of that sample (one mask
per sample and bin, shared across channels: a dropped frequency is gone from
the whole feature stack). A bin drops its real and imaginary parts together.
Eval mode is the identity.

Real-signal consistency: the domain ties the mask so that the masked
spectrum is still the spectrum of a real signal (``Domain.tie_dropout_mask``;
on an rfft half spectrum, the bins u and -u mod H of the self-conjugate
columns share one value). DC may be dropped.

Randomness: ``rng`` is a ``numpy.random.Generator`` or a seed; without one,
the seed comes from NumPy's global generator (``numpy.random.seed`` makes
masks reproducible). The layer keeps that host Generator (checkpoints save
its state) and draws from it only one 64-bit seed per mask; the mask itself
is drawn on the input's device by that device's generator
(:func:`freqnet.backend.random_generator`), so no mask crosses the bus and
seeded runs are reproducible on each backend.
"""
from .. import backend, ops
from ..domains import get_domain
from ..tensor import Tensor
from .module import Module
from .spectrum import expect_spectrum


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
    dom = expect_spectrum(x, None, "spectral_dropout")
    if not 0 <= p <= 1:
        raise ValueError(f"spectral_dropout: p must be in [0, 1], got {p!r}")
    if not training or p == 0:
        return x
    xp = backend.array_module(x.data)
    real = x.data.real.dtype
    shape = (x.shape[0], 1) + tuple(x.shape[2:])
    if p == 1:
        mask = xp.zeros(shape, dtype=real)
    else:
        seed = int(_generator(rng).integers(0, 2 ** 63 - 1))
        keep = backend.random_generator(seed, xp).random(shape) >= p
        mask = dom.tie_dropout_mask(keep, x.spatial_shape).astype(real) * real.type(1.0 / (1.0 - p))
    return dom.tag(ops.mul(x, Tensor._make(mask, False)), x.spatial_shape)


class SpectralDropout(Module):
    """Drop frequency bins with probability ``p`` in training (module docstring)."""

    def __init__(self, p=0.5, rng=None, domain="fourier"):
        super().__init__()
        if not 0 <= p <= 1:
            raise ValueError(f"SpectralDropout: p must be in [0, 1], got {p!r}")
        self.p = float(p)
        self.domain = get_domain(domain).name
        self.rng = _generator(rng)

    def forward(self, x):
        expect_spectrum(x, None, "SpectralDropout", self.domain)
        return spectral_dropout(x, self.p, self.training, self.rng)

    def extra_repr(self):
        return f"p={self.p}, domain={self.domain!r}"
