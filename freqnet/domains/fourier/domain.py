"""The Fourier domain: rfft half spectra, complex (THEORY.md §0-§7).

What every layer calls on a Fourier spectrum; the maths is in
:mod:`~freqnet.domains.fourier.maths` (read it first), the Functions in
:mod:`~freqnet.domains.fourier.functions`.
"""
import math

from ... import backend, fft
from ..base import Domain
from . import functions as F
from . import bands, maths, products


class FourierDomain(Domain):
    """rfft over the last ``ndim`` axes: (..., H, W) -> (..., H, W//2+1) complex."""

    name = "fourier"
    is_complex = True

    def spectrum_shape(self, spatial_shape):
        return maths.spectrum_shape(spatial_shape)

    def to_spectrum(self, x, ndim):
        spatial = tuple(x.shape[-ndim:])
        return self.tag(fft.rfftn(x, axes=tuple(range(-ndim, 0))), spatial)

    def to_spatial(self, spectrum):
        s = spectrum.spatial_shape
        return fft.irfftn(spectrum, s=s, axes=tuple(range(-len(s), 0)))

    def parseval_weights(self, spatial_shape, xp, dtype):
        return maths.parseval_weights(spatial_shape, xp, dtype)

    # -- convolution (THEORY.md §1) --------------------------------------------------
    def conv(self, x, weight, bias, parameterization, modes, layer):
        """Y = X conj(W) per frequency, channels mixed by one batched GEMM."""
        s = x.spatial_shape
        n = math.prod(s)
        if parameterization == "spatial":
            maths.check_kernel_fits(weight.shape[2:], s, layer)
            return self.tag(F.SpectralMix()(x, F.KernelSpectrum()(weight, s), bias, n), s)
        if parameterization == "smooth":
            knots = tuple(weight.shape[2:])
            maths.check_knots(knots, s, layer)
            w_hat = F.SpectralWeights()(F.KnotSpectrum()(weight, s, knots), s, None)
            return self.tag(F.SpectralMix()(x, w_hat, bias, n), s)
        if modes is None:
            want = maths.spectrum_shape(s)
            if tuple(weight.shape[2:]) != want:
                raise ValueError(
                    f"{layer}: full-size spectral weights over {tuple(weight.shape[2:])} "
                    f"frequencies do not fit the input, whose half spectrum is {want} "
                    f"(spatial shape {s})")
            return self.tag(F.SpectralMix()(x, F.SpectralWeights()(weight, s, None), bias, n), s)
        maths.check_modes(modes, s, layer)
        w_hat = F.SpectralWeights()(weight, s, modes)
        y = F.SpectralMix()(F.LowModes()(x, s, modes), w_hat, bias, n)
        return self.tag(F.ScatterModes()(y, s, modes), s)

    def spectral_conv_weight_init(self, in_channels, ndim, modes, spatial_shape, layer):
        """Complex weights over the kept frequencies, real and imaginary parts
        U(-b, b) with b = 1/sqrt(2 in): E|W|^2 = 1/(3 in), the output variance
        of a full-size kernel with torch's default init gain."""
        if modes is not None:
            if spatial_shape is not None:
                maths.check_modes(modes, spatial_shape, layer)
            freq = (modes,) if ndim == 1 else (2 * modes, modes)
        else:
            freq = maths.spectrum_shape(spatial_shape)
        return freq, 1.0 / (2.0 * in_channels) ** 0.5

    def smooth_conv_weight_init(self, in_channels, knots, spatial_shape, layer):
        """Complex knot values, drawn as the full-size spectral weights are."""
        maths.check_knots(knots, spatial_shape, layer)
        return tuple(knots), 1.0 / (2.0 * in_channels) ** 0.5

    # -- readout (THEORY.md §7) -------------------------------------------------------
    def readout(self, x, weight, bias, parameterization, layer):
        """Re(sum V X) + b, V = w conj(rfftn(A)) / N for a spatial weight A."""
        v = F.ParsevalDual()(weight, x.shape[1], x.spatial_shape) \
            if parameterization == "spatial" else weight
        return F.SpectralReadout()(x, v, bias)

    def spectral_readout_weight(self, weight_2d, channels, spatial_shape):
        return F.dual_weights(weight_2d, channels, spatial_shape)

    # -- pooling (THEORY.md §6): Dirichlet multiply + fold; low-pass crop ----------------
    AvgPoolFunction = F.AvgPoolSpectrum
    CropFunction = F.SpectralCrop

    # -- activations (THEORY.md §4, §5) -----------------------------------------------
    def spectral_bound(self, x):
        return products.spectral_bound(x.data, x.spatial_shape)

    products = products          # spectral self-convolution (THEORY.md §5)

    def band_polynomial(self, x, scaled, radius, modes_out, wrap, layer):
        """Per-channel p_c on the bins |k| < ``modes_out`` (THEORY.md §5b), tagged."""
        s = x.spatial_shape
        plan = bands.band_plan(s, scaled.shape[1] - 1, modes_out, wrap)
        return self.tag(F.BandPolynomialFunction()(x, scaled, radius, plan), s)

    def bandwidth_shares(self, x, coefficients, modes_kept, layer):
        """(kept, dropped, aliased) shares of p_c(x)'s energy (THEORY.md §5b)."""
        return bands.energy_shares(x.data, coefficients, x.spatial_shape, modes_kept)

    def crelu(self, x, layer):
        return self.tag(F.CReLUFunction()(x, x.spatial_shape), x.spatial_shape)

    # -- dropout ---------------------------------------------------------------------------
    def tie_dropout_mask(self, keep, spatial_shape):
        """Bins u and -u mod H of the self-conjugate columns share one value."""
        if len(spatial_shape) == 2:
            h, w = spatial_shape
            upper, partner = _upper_rows(h, xp=backend.array_module(keep))
            for v in [0] + ([w // 2] if w % 2 == 0 else []):
                keep[..., upper, v] = keep[..., partner, v]
        return keep


@backend.device_constant
def _upper_rows(h):
    """Rows u > H/2 (they copy their mask from row H - u) and those rows H - u."""
    upper = backend.numpy.arange(h // 2 + 1, h)
    return backend.numpy.stack([upper, h - upper])

