"""The Hartley domain: real, full-size spectra, no complex number anywhere
(THEORY.md §9(c)(ii)).

What every layer calls on a Hartley spectrum; the maths is in
:mod:`~freqnet.domains.hartley.maths`, the Functions in
:mod:`~freqnet.domains.hartley.functions`. Each layer equals its Fourier twin.
"""
import math

from ... import backend, ops
from ..base import Domain
from ..fourier import maths as fourier
from . import functions as F
from . import maths


class HartleyDomain(Domain):
    """True DHT over the last ``ndim`` axes: real, full size."""

    name = "hartley"
    is_complex = False

    def spectrum_shape(self, spatial_shape):
        return tuple(spatial_shape)

    def to_spectrum(self, x, ndim):
        return self.tag(F.dht(x, ndim), tuple(x.shape[-ndim:]))

    def to_spatial(self, spectrum):
        return F.idht(spectrum, len(spectrum.spatial_shape))

    def parseval_weights(self, spatial_shape, xp, dtype):
        """1 on every bin: sum_n x[n] y[n] = (1/N) sum_k X_k Y_k (real, full size)."""
        return xp.ones((1,) * len(spatial_shape), dtype=dtype)

    # -- convolution ----------------------------------------------------------------
    def conv(self, x, weight, bias, parameterization, modes, layer):
        """Z = We X - Wo X^- (THEORY.md §9(c)(ii)); the spatial kernel is placed as
        in the Fourier domain, so both give the same circular correlation.
        Spectral weights are the real DHT of a full-size kernel (every real
        array is one: no projection needed)."""
        s = x.spatial_shape
        if modes is not None:
            raise self.unsupported("modes= truncation", layer)
        if parameterization == "smooth":
            raise self.unsupported("smooth spectral weights", layer)
        if parameterization == "spatial":
            fourier.check_kernel_fits(weight.shape[2:], s, layer)
            w_hat = F.HartleyKernelSpectrum()(weight, s)
        else:
            if tuple(weight.shape[2:]) != tuple(s):
                raise ValueError(
                    f"{layer}: full-size Hartley weights over {tuple(weight.shape[2:])} "
                    f"frequencies do not fit the input, whose spectrum is {tuple(s)}")
            w_hat = F.MixingLayout()(weight)
        return self.tag(F.HartleyMix()(x, w_hat, bias, math.prod(s)), s)

    def spectral_conv_weight_init(self, in_channels, ndim, modes, spatial_shape, layer):
        """Real full-size weights U(-b, b), b = 1/sqrt(in): E W^2 = 1/(3 in), as the
        Fourier init's E|W|^2 (W_H = Re W - Im W)."""
        if modes is not None:
            raise self.unsupported("modes= truncation (give spatial_shape= for full-size "
                                   "Hartley weights)", layer)
        return tuple(spatial_shape), 1.0 / float(in_channels) ** 0.5

    # -- readout ------------------------------------------------------------------------
    def readout(self, x, weight, bias, parameterization, layer):
        """sum V X + b with V = DHT(A) / N for a spatial weight A (Parseval for the DHT)."""
        v = F.HartleyParsevalDual()(weight, x.shape[1], x.spatial_shape) \
            if parameterization == "spatial" else weight
        return F.HartleyReadout()(x, v, bias)

    def spectral_readout_weight(self, weight_2d, channels, spatial_shape):
        a = weight_2d.reshape((weight_2d.shape[0], channels) + tuple(spatial_shape))
        return maths.dht(a, len(spatial_shape)) / a.dtype.type(math.prod(spatial_shape))

    # -- pooling: box correlation then fold (THEORY.md §6); low-pass crop ----------------
    AvgPoolFunction = F.HartleyAvgPool
    CropFunction = F.HartleySpectralCrop

    # -- activations ----------------------------------------------------------------------
    def spectral_bound(self, x):
        """(1/N) sum_k sqrt(He^2 + Ho^2) = (1/N) sum |X_k|: the Fourier bound, so a
        poly activation picks the same polynomial as its Fourier twin."""
        return maths.spectral_bound(x.data, len(x.spatial_shape))

    products = maths             # products of Hartley spectra (THEORY.md §5, §9)

    def crelu(self, x, layer):
        """On real coefficients CReLU is the ReLU of each coefficient."""
        return self.tag(ops.relu(x), x.spatial_shape)

    # -- dropout ----------------------------------------------------------------------------
    def tie_dropout_mask(self, keep, spatial_shape):
        """Bins k and -k (jointly on every axis) carry one real frequency (its cos
        and sin parts), so they share one value: the smaller flat index decides."""
        deciders = _deciders(tuple(spatial_shape), xp=backend.array_module(keep))
        flat = keep.reshape(keep.shape[:2] + (-1,))
        return flat[..., deciders].reshape(keep.shape)


@backend.device_constant
def _deciders(spatial_shape):
    """For every flat bin, the smaller flat index of the pair (k, -k)."""
    rev = maths.reverse_index(spatial_shape)
    return backend.numpy.minimum(backend.numpy.arange(rev.size), rev)
