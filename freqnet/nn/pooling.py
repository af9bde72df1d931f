"""Pooling on spectra (THEORY.md §6, §7).

* ``AvgPool1d``/``AvgPool2d(kernel_size=s)``: window = stride = s, computed
  exactly as a Dirichlet multiply and a fold of the half spectrum; equal to
  ``torch.nn.AvgPool2d(s)`` on maps whose sizes s divides (others raise).
* ``SpectralPool`` (Rippel et al. 2015): keep the lowest frequencies, i.e. a
  low-pass crop of the centred spectrum to the output size, with the new
  Nyquist bins taken as the mean of their two aliases and the spectrum
  scaled by N'/N so the map's mean is kept. Give ``factor=s`` (each size
  becomes n // s) or ``output_size``. It has no exact spatial twin: on
  band-limited maps it equals subsampling, and it never aliases.
* ``GlobalAvgPool``: DC bin / N, a real (B, C) tensor.
Outputs are spectra tagged with the new spatial shape (GAP: a plain tensor).
"""
from ..domains import get_domain
from .module import Module
from .spectrum import check_ndim, expect_spectrum


def _check_kernel_size(kernel_size, layer):
    if not isinstance(kernel_size, int) or kernel_size < 1:
        raise ValueError(f"{layer}: kernel_size must be a positive int, got {kernel_size!r}")


def avg_pool(x, kernel_size, ndim=None, layer="avg_pool", domain=None):
    """Average pooling with window = stride = ``kernel_size`` on a spectrum."""
    dom = expect_spectrum(x, ndim, layer, domain)
    _check_kernel_size(kernel_size, layer)
    return dom.avg_pool(x, kernel_size, layer)


def _output_size(spatial_shape, factor, output_size):
    if output_size is not None:
        return (output_size,) * len(spatial_shape) if isinstance(output_size, int) \
            else tuple(output_size)
    return tuple(max(n // factor, 1) for n in spatial_shape)


def spectral_pool(x, factor=None, output_size=None, ndim=None, layer="spectral_pool", domain=None):
    """Spectral pooling (crop) to ``output_size`` or to sizes n // ``factor``."""
    dom = expect_spectrum(x, ndim, layer, domain)
    return dom.crop(x, _output_size(x.spatial_shape, factor, output_size), layer)


def global_avg_pool(x, ndim=None, layer="global_avg_pool", domain=None):
    """Mean of every channel: DC bin / N, a real (B, C) tensor."""
    return expect_spectrum(x, ndim, layer, domain).gap(x, layer)


class _AvgPoolNd(Module):
    ndim = None

    def __init__(self, kernel_size, stride=None, domain="fourier"):
        super().__init__()
        layer = type(self).__name__
        self.domain = get_domain(domain).name
        _check_kernel_size(kernel_size, layer)
        if stride is not None and stride != kernel_size:
            raise ValueError(f"{layer}: only window = stride pooling is exact on spectra; got "
                             f"kernel_size={kernel_size}, stride={stride}")
        self.kernel_size = kernel_size

    def forward(self, x):
        return avg_pool(x, self.kernel_size, self.ndim, type(self).__name__, self.domain)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, domain={self.domain!r}"


class AvgPool1d(_AvgPoolNd):
    """AvgPool1d(s) on (B, C, L//2+1) spectra (window = stride = s)."""

    ndim = 1


class AvgPool2d(_AvgPoolNd):
    """AvgPool2d(s) on (B, C, H, W//2+1) spectra (window = stride = s)."""

    ndim = 2


class SpectralPool(Module):
    """Spectral pooling (Rippel et al. 2015): a low-pass crop to
    ``output_size`` (an int or one size per axis), or to n // ``factor``."""

    ndim = 2

    def __init__(self, factor=None, output_size=None, ndim=None, domain="fourier"):
        super().__init__()
        layer = type(self).__name__
        self.domain = get_domain(domain).name
        if (factor is None) == (output_size is None):
            raise ValueError(f"{layer}: give exactly one of factor= or output_size=")
        if factor is not None and (not isinstance(factor, int) or factor < 1):
            raise ValueError(f"{layer}: factor must be a positive int, got {factor!r}")
        if ndim is not None:
            self.ndim = check_ndim(ndim, layer)
        self.factor, self.output_size = factor, output_size

    def forward(self, x):
        return spectral_pool(x, self.factor, self.output_size, self.ndim, type(self).__name__,
                             self.domain)

    def kept_modes(self, spatial_shape):
        """m with the crop reading only bins |k| < m of a ``spatial_shape`` map
        (its new Nyquist pair included; the smallest over the axes)."""
        return min(n // 2 for n in _output_size(spatial_shape, self.factor, self.output_size)) + 1

    def extra_repr(self):
        size = f"factor={self.factor}" if self.factor is not None else f"output_size={self.output_size}"
        return f"{size}, ndim={self.ndim}, domain={self.domain!r}"


class SpectralPool1d(SpectralPool):
    ndim = 1


class SpectralPool2d(SpectralPool):
    ndim = 2


class GlobalAvgPool(Module):
    """Global average pooling on a spectrum: DC / N, output (B, C) real.
    ``ndim`` (1 or 2) is taken from the spectrum's tag when not given."""

    def __init__(self, ndim=None, domain="fourier"):
        super().__init__()
        self.domain = get_domain(domain).name
        self.ndim = ndim

    def forward(self, x):
        return global_avg_pool(x, self.ndim, type(self).__name__, self.domain)

    def extra_repr(self):
        return f"ndim={self.ndim}, domain={self.domain!r}"
