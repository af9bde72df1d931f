"""The Domain interface: what every layer asks of a transform domain.

A domain says how to enter and leave it (``to_spectrum`` / ``to_spatial``,
``spectrum_shape``), and supplies each layer's maths on its spectra:
convolution, the readout, pooling, global average pooling, batch-norm
statistics (through its Parseval weights), polynomial and spectral-native
activations, and how dropout masks stay consistent with a real signal. The
layers in :mod:`freqnet.nn` hold parameters and check shapes, then call
these methods; they know no domain by name. A method a domain does not
implement raises :class:`DomainError` naming the layer and the domain.

Adding a domain: a sub-package beside ``fourier/`` and ``hartley/`` with
its maths, Functions and domain class, registered in
:mod:`freqnet.domains`.
"""
import math

from .. import backend
from . import batch_norm
from .common import DCMean, ModReLUFunction, PolynomialActivation


class DomainError(ValueError):
    """A layer was asked for something its domain does not implement."""


class Domain:
    """Base class; subclasses set ``name`` and ``is_complex`` and implement
    the methods their layers need (see the module docstring)."""

    name = None
    is_complex = False

    def unsupported(self, what, layer):
        return DomainError(f"{layer}: {what} is not implemented for the {self.name!r} domain")

    def tag(self, t, spatial_shape):
        """Mark ``t`` as a spectrum of this domain of ``spatial_shape`` and return it."""
        return t.as_spectrum(self.name, spatial_shape)

    # -- entering and leaving (DESIGN.md §4) ------------------------------------------
    def spectrum_shape(self, spatial_shape):
        """The trailing shape of the spectrum of a ``spatial_shape`` map."""
        raise NotImplementedError

    def to_spectrum(self, x, ndim):
        """The spectrum of real ``x`` over its last ``ndim`` axes, tagged."""
        raise NotImplementedError

    def to_spatial(self, spectrum):
        """The real map of a tagged spectrum (its carried size)."""
        raise NotImplementedError

    def parseval_weights(self, spatial_shape, xp, dtype):
        """w (broadcastable over the spectral axes) with
        sum_n x[n] y[n] = (1/N) sum_k w_k Re(X_k conj(Y_k)) (THEORY.md §7)."""
        raise NotImplementedError

    # -- layers -------------------------------------------------------------------
    def conv(self, x, weight, bias, parameterization, modes, layer):
        """Circular cross-correlation of spectrum ``x`` with ``weight`` (THEORY.md §1);
        ``parameterization`` "spatial", "spectral" or "smooth" (knot values, §5b)."""
        raise self.unsupported("convolution", layer)

    def spectral_conv_weight_init(self, in_channels, ndim, modes, spatial_shape, layer):
        """(frequency shape, bound) of the initial spectral-parameterization conv
        weights, drawn U(-bound, bound) (real and imaginary parts, where complex)."""
        raise self.unsupported("spectral conv weights", layer)

    def smooth_conv_weight_init(self, in_channels, knots, spatial_shape, layer):
        """(knot shape, bound) of the initial smooth conv weights (THEORY.md §5b)."""
        raise self.unsupported("smooth spectral weights", layer)

    def readout(self, x, weight, bias, parameterization, layer):
        """Logits Linear(flattened spatial map) read off the spectrum (THEORY.md §7)."""
        raise self.unsupported("the spectral readout", layer)

    def spectral_readout_weight(self, weight_2d, channels, spatial_shape):
        """The spectral weights V of an initial spatial Linear weight (an array)."""
        raise self.unsupported("spectral readout weights", "SpectralLinear")

    #: the domain's linear-map Functions for :meth:`avg_pool` and :meth:`crop`
    AvgPoolFunction = None
    CropFunction = None

    def avg_pool(self, x, s, layer):
        """Average pooling, window = stride = s (THEORY.md §6), tagged."""
        if self.AvgPoolFunction is None:
            raise self.unsupported("average pooling", layer)
        shape = x.spatial_shape
        check_divisible(shape, s, layer)
        return self.tag(self.AvgPoolFunction()(x, shape, s), tuple(n // s for n in shape))

    def crop(self, x, out_shape, layer):
        """Spectral pooling to ``out_shape`` (a low-pass crop), tagged."""
        if self.CropFunction is None:
            raise self.unsupported("spectral pooling", layer)
        check_crop(x.spatial_shape, out_shape, layer)
        return self.tag(self.CropFunction()(x, x.spatial_shape, out_shape), out_shape)

    def gap(self, x, layer):
        """Global average pooling: Re DC / N, a real (B, C) tensor. The DC bin
        is sum_n x[n] in every domain here."""
        return DCMean()(x, math.prod(x.spatial_shape), len(x.spatial_shape))

    def batch_moments(self, data, spatial_shape, group=None):
        """(mean, biased var, count) per channel of a batch of spectra, over
        ``group``'s ranks when given (THEORY.md §7, :mod:`.batch_norm`)."""
        xp = backend.array_module(data)
        weights = self.parseval_weights(spatial_shape, xp, data.real.dtype)
        return batch_norm.moments(data, spatial_shape, weights, group)

    def spectral_bound(self, x):
        """Per-map bound (1/N) sum_k |X_k| >= max |x| (THEORY.md §4c), an array (B, C)."""
        raise self.unsupported("the spectral bound", "spectral_bound")

    #: the module with ``polynomial_forward``/``polynomial_backward`` on this domain's spectra
    products = None

    def polynomial(self, x, coefficients, layer):
        """p(x) = sum_j a_j x^j on the spectrum, no transform (THEORY.md §5), tagged."""
        if self.products is None:
            raise self.unsupported("polynomial activations", layer)
        coefficients = tuple(float(a) for a in coefficients)
        y = PolynomialActivation(self.products)(x, coefficients, x.spatial_shape)
        return self.tag(y, x.spatial_shape)

    def band_polynomial(self, x, scaled, radius, modes_out, wrap, layer):
        """p_c(x) = sum_j b_cj (x / r)^j per channel c (``scaled``: b, a (C, d + 1)
        Tensor), computed on the output bins |k| < ``modes_out`` only (all when
        None), circularly (``wrap``) or alias-free; no transform (THEORY.md §5b), tagged."""
        raise self.unsupported("band-limited polynomial activations", layer)

    def bandwidth_shares(self, x, coefficients, modes_kept, layer):
        """Shares (kept, dropped, aliased) of the energy of p_c(x) (coefficients a
        (C, d + 1), an array): kept by a next layer that reads |k| < ``modes_kept``,
        dropped by it, and past the grid's band (THEORY.md §5b)."""
        raise self.unsupported("bandwidth accounting", layer)

    def crelu(self, x, layer):
        """CReLU on the coefficients (spectral-native), tagged."""
        raise self.unsupported("CReLU", layer)

    def modrelu(self, x, bias, layer):
        """modReLU on the coefficients (spectral-native), tagged."""
        return self.tag(ModReLUFunction()(x, bias), x.spatial_shape)

    def tie_dropout_mask(self, keep, spatial_shape):
        """A (B, 1, *bins) keep-mask made consistent with a real signal's spectrum."""
        raise self.unsupported("spectral dropout", "SpectralDropout")

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


def check_divisible(spatial_shape, stride, layer="pool"):
    """Window = stride pooling needs every size to be a multiple of the stride."""
    bad = [n for n in spatial_shape if n % stride]
    if bad:
        raise ValueError(
            f"{layer}: spatial size {tuple(spatial_shape)} is not divisible by the pooling "
            f"stride {stride}; window = stride pooling needs every size to be a multiple of it")


def check_crop(spatial_shape, out_shape, layer="SpectralPool"):
    """A crop keeps 1..n bins per axis, one size per spatial axis."""
    if len(out_shape) != len(spatial_shape) or any(
            not 1 <= o <= n for o, n in zip(out_shape, spatial_shape)):
        raise ValueError(
            f"{layer}: output size {tuple(out_shape)} must have one entry per spatial axis "
            f"of the input {tuple(spatial_shape)}, each between 1 and the input size")
