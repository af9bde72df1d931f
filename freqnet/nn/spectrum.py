"""Entering and leaving a transform domain, and the spectrum contract.

DESIGN.md §4: a spectral tensor is the transform of a real spatial tensor
over its last ``ndim`` axes (1D: (B, C, L); 2D: (B, C, H, W)) and carries its
spatial shape. ``ToSpectrum`` is applied once at the input; every layer after
it checks its input with :func:`expect_spectrum`, which returns the input's
:class:`~freqnet.domains.Domain` (:mod:`freqnet.domains` holds each domain's
maths).
"""
from ..domains import DOMAINS, get_domain
from ..tensor import Tensor
from .module import Module


def expect_spectrum(x, ndim, layer, domain=None):
    """Check that ``x`` is a spectrum over ``ndim`` axes (B, C, *modes); ``ndim``
    None takes the rank from the spectrum's tag.

    Errors name what was expected and what was given: a spatial tensor, a
    spectrum that lost its spatial size, the wrong domain or the wrong rank.
    Returns the domain object.
    """
    if ndim is None:
        tagged = getattr(x, "spatial_shape", None)
        ndim = len(tagged) if tagged else max(getattr(x, "ndim", 3) - 2, 1)
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a spectrum Tensor, got {type(x).__name__}")
    if x.domain is None:
        if x.is_complex:
            raise ValueError(
                f"{layer}: expected a spectrum that carries its spatial size, got a complex "
                f"tensor of shape {x.shape} with none (it lost its spatial size: make it "
                f"with ToSpectrum, or tag it with Tensor.as_spectrum(domain, spatial_shape))")
        raise ValueError(
            f"{layer}: expected a spectrum (apply ToSpectrum first), got a spatial "
            f"{x.dtype} tensor of shape {x.shape}")
    if domain is not None and x.domain != domain:
        raise ValueError(f"{layer}: expected a {domain} spectrum, got a {x.domain} spectrum")
    dom = get_domain(x.domain)
    if x.ndim != ndim + 2 or len(x.spatial_shape) != ndim:
        raise ValueError(
            f"{layer}: expected a (batch, channels, {ndim} spectral axes) spectrum of a "
            f"{ndim}D map, got shape {x.shape} with spatial shape {x.spatial_shape}")
    want = dom.spectrum_shape(x.spatial_shape)
    if tuple(x.shape[-ndim:]) != want:
        raise ValueError(
            f"{layer}: a {x.domain} spectrum of spatial shape {x.spatial_shape} must have "
            f"trailing shape {want}, got {tuple(x.shape[-ndim:])}")
    return dom


def expect_spatial(x, ndim, layer):
    """Check that ``x`` is a real spatial tensor (B, C, *spatial) of rank ndim+2."""
    if not isinstance(x, Tensor):
        raise TypeError(f"{layer}: expected a Tensor, got {type(x).__name__}")
    if x.domain is not None:
        raise ValueError(
            f"{layer}: expected a spatial tensor, got a {x.domain} spectrum of shape "
            f"{x.shape} (spatial shape {x.spatial_shape}); apply ToSpatial first")
    if x.is_complex:
        raise ValueError(f"{layer}: expected a real spatial tensor, got dtype {x.dtype}")
    if x.ndim != ndim + 2:
        raise ValueError(
            f"{layer}: expected a (batch, channels, {ndim} spatial axes) tensor, got shape {x.shape}")


def check_ndim(ndim, layer=None):
    """``ndim`` if it is a supported spatial rank (1 or 2), else a ValueError."""
    if ndim not in (1, 2):
        prefix = "" if layer is None else f"{layer}: "
        raise ValueError(f"{prefix}ndim must be 1 or 2, got {ndim}")
    return ndim


class ToSpectrum(Module):
    """Transform a real (B, C, *spatial) tensor once, at the network input."""

    ndim = 2

    def __init__(self, domain="fourier", ndim=None):
        super().__init__()
        self.domain = get_domain(domain).name
        if ndim is not None:
            self.ndim = check_ndim(ndim)

    def forward(self, x):
        expect_spatial(x, self.ndim, type(self).__name__)
        return get_domain(self.domain).to_spectrum(x, self.ndim)

    def extra_repr(self):
        return f"domain={self.domain!r}, ndim={self.ndim}"


class ToSpatial(Module):
    """Invert a spectrum to its real spatial tensor, using its carried size."""

    ndim = 2

    def __init__(self, domain=None, ndim=None):
        super().__init__()
        self.domain = None if domain is None else get_domain(domain).name
        if ndim is not None:
            self.ndim = check_ndim(ndim)

    def forward(self, x):
        return expect_spectrum(x, self.ndim, type(self).__name__, self.domain).to_spatial(x)

    def extra_repr(self):
        return f"domain={self.domain!r}, ndim={self.ndim}"


class ToSpectrum1d(ToSpectrum):
    ndim = 1


class ToSpectrum2d(ToSpectrum):
    ndim = 2


class ToSpatial1d(ToSpatial):
    ndim = 1


class ToSpatial2d(ToSpatial):
    ndim = 2


#: how a layer may store its weights: spatial kernels, or their spectra (nn.conv, nn.linear)
PARAMETERIZATIONS = ("spatial", "spectral")
#: conv weights may also be smooth in frequency: knot values interpolated across the bins
CONV_PARAMETERIZATIONS = PARAMETERIZATIONS + ("smooth",)


def check_parameterization(parameterization, layer, options=PARAMETERIZATIONS):
    """A clear error unless ``parameterization`` is one of ``options``."""
    if parameterization not in options:
        raise ValueError(f"{layer}: parameterization must be one of {options}, "
                         f"got {parameterization!r}")


def check_bias(bias, features, layer):
    """A clear error unless ``bias`` is None or has shape (features,)."""
    if bias is not None and tuple(bias.shape) != (features,):
        raise ValueError(f"{layer}: bias must have shape ({features},) (one per output), "
                         f"got {tuple(bias.shape)}")


__all__ = ["DOMAINS", "get_domain", "expect_spectrum", "expect_spatial", "check_ndim",
           "ToSpectrum", "ToSpatial", "ToSpectrum1d", "ToSpectrum2d", "ToSpatial1d", "ToSpatial2d",
           "PARAMETERIZATIONS", "CONV_PARAMETERIZATIONS", "check_parameterization", "check_bias"]
