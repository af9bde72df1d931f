"""Convolution on spectra: SpectralConv1d and SpectralConv2d (THEORY.md §1).

A spectrum goes in, a spectrum of the same spatial shape comes out; channel
mixing is one batched matmul with frequency as the batch axis (DESIGN.md §7).

* ``parameterization="spatial"``: parameters ``weight`` (out, in, k[, k]) and
  ``bias`` (out,), named, shaped and initialised as in ``torch.nn.Conv2d``,
  so state dicts carry over. The layer computes the circular
  cross-correlation

      y[o, n] = b_o + sum_c sum_i x[c, (n + i - k//2) mod N] w[o, c, i]

  on every spatial axis. For odd k this is
  ``torch.nn.Conv2d(padding=k//2, padding_mode="circular")``. For even k
  the window covers offsets -k/2 .. k/2-1 (one more tap before the centre
  than after); torch with padding=k//2 then returns N+1 outputs per axis, of
  which these are the first N. The kernel is transformed once per call,
  by a direct DFT of its taps (two small GEMMs) or an rfftn of the padded
  kernel, whichever is cheaper, and its gradient by the adjoint; the
  profiler counts both as weight transforms. Its spectrum is not kept
  between steps.
* ``parameterization="spectral"`` (Rippel et al. 2015; Li et al. 2021, FNO):
  ``weight`` holds complex half-spectrum weights, used as Y = X conj(W),
  i.e. a circular cross-correlation with a full-size kernel. With ``modes=m``
  only the lowest modes are kept (2D: rows 0..m-1 and H-m..H-1 of columns
  0..m-1, weight (out, in, 2m, m); 1D: bins 0..m-1, weight (out, in, m)),
  and the layer works on any map that holds them; with ``spatial_shape``
  the weight is the full half spectrum of that map. The weights are
  projected on the spectra of real kernels in every forward (the
  non-Hermitian part of the self-paired columns, and kept modes there whose
  conjugate partner is cut off, are dead parameters with zero gradient), so
  outputs stay spectra of real maps. Init: real and
  imaginary parts U(-b, b), b = 1/sqrt(2 in), so E|W|^2 = 1/(3 in): the
  output variance of a full-size kernel with torch's default init gain.
  ``kernel_size`` may be None; if given, it only sets the bias init bound
  as for the spatial parameterization.
  Plain SGD on spectral weights is SGD on the spatial kernel preconditioned
  by N/d per bin (THEORY.md §7).
* ``parameterization="smooth"`` (Bruna et al. 2014; THEORY.md §5b):
  ``weight`` holds complex values at ``knots`` knots per spectral axis
  (out, in, knots[, knots]), interpolated linearly across the bins of the
  ``spatial_shape`` map, then used as full-size spectral weights. A weight
  smooth in frequency is a spatially concentrated kernel, and no transform
  of it runs. Init as the spectral one.

Speed (DESIGN.md §7): channel mixing is one complex GEMM per frequency over
the batch, (F, B, Cin) @ (F, Cin, Cout); outputs and input gradients are
returned as frequency-major views of the GEMM results, so a chain of
convolutions (and the elementwise layers between them, which keep NumPy's
memory order) pays no transposes.
"""
import math

from ..domains import get_domain
from . import init
from .module import Module, Parameter
from .spectrum import CONV_PARAMETERIZATIONS, check_bias, check_parameterization, expect_spectrum


def _check_channels(x, in_channels, layer):
    if x.shape[1] != in_channels:
        raise ValueError(
            f"{layer}: expected {in_channels} input channels, got {x.shape[1]} "
            f"(input of shape {x.shape})")


def spectral_conv(x, weight, bias=None, parameterization="spatial", modes=None, layer="spectral_conv"):
    """Functional spectral convolution; ``x`` is a tagged spectrum, the
    number of spatial axes is ``weight.ndim - 2``. See the module docstring."""
    check_parameterization(parameterization, layer, CONV_PARAMETERIZATIONS)
    dom = expect_spectrum(x, weight.ndim - 2, layer)
    _check_channels(x, weight.shape[1], layer)
    check_bias(bias, weight.shape[0], layer)
    return dom.conv(x, weight, bias, parameterization, modes, layer)


def _ntuple(value, n, what, layer):
    vals = tuple(value) if isinstance(value, (tuple, list)) else (value,) * n
    if len(vals) != n or any(not isinstance(v, int) or v < 1 for v in vals):
        raise ValueError(f"{layer}: {what} must be a positive int or {n} of them, got {value!r}")
    return vals


class _SpectralConvNd(Module):
    ndim = None

    def __init__(self, in_channels, out_channels, kernel_size, bias=True,
                 parameterization="spatial", modes=None, domain="fourier",
                 spatial_shape=None, knots=None, dtype="float32"):
        super().__init__()
        layer = type(self).__name__
        dom = get_domain(domain)
        self.domain = dom.name
        check_parameterization(parameterization, layer, CONV_PARAMETERIZATIONS)
        self.in_channels, self.out_channels = int(in_channels), int(out_channels)
        self.parameterization = parameterization
        self.modes = modes
        if (knots is not None) != (parameterization == "smooth"):
            raise ValueError(f"{layer}: knots= belongs to parameterization='smooth' and it "
                             f"needs them; got knots={knots!r} with {parameterization!r}")
        self.knots = None if knots is None else _ntuple(knots, self.ndim, "knots", layer)
        self.spatial_shape = None if spatial_shape is None else _ntuple(
            spatial_shape, self.ndim, "spatial_shape", layer)
        self.kernel_size = None if kernel_size is None else _ntuple(
            kernel_size, self.ndim, "kernel_size", layer)
        if parameterization == "spatial":
            if self.kernel_size is None:
                raise ValueError(f"{layer}: parameterization='spatial' needs a kernel_size")
            if modes is not None or spatial_shape is not None:
                raise ValueError(f"{layer}: modes= and spatial_shape= belong to "
                                 f"parameterization='spectral'")
            fan_in = self.in_channels * math.prod(self.kernel_size)
            self.weight = Parameter(init.uniform(
                (self.out_channels, self.in_channels) + self.kernel_size,
                init.default_bound(fan_in), dtype))
        elif parameterization == "smooth":
            if self.spatial_shape is None or modes is not None:
                raise ValueError(f"{layer}: parameterization='smooth' needs spatial_shape= (the "
                                 f"map its knots are interpolated over) and no modes=")
            fan_in = self.in_channels * math.prod(self.kernel_size or (1,))
            knot_shape, bound = dom.smooth_conv_weight_init(self.in_channels, self.knots,
                                                            self.spatial_shape, layer)
            self.weight = Parameter(init.uniform((self.out_channels, self.in_channels) + knot_shape,
                                                 bound, init.complex_dtype(dtype)))
        else:
            if modes is None and spatial_shape is None:
                raise ValueError(f"{layer}: parameterization='spectral' needs modes= (FNO-style "
                                 f"truncation) or spatial_shape= (full-size weights)")
            if modes is not None and (not isinstance(modes, int) or modes < 1):
                raise ValueError(f"{layer}: modes must be a positive int, got {modes!r}")
            fan_in = self.in_channels * math.prod(self.kernel_size or (1,))
            freq, bound = dom.spectral_conv_weight_init(self.in_channels, self.ndim, modes,
                                                        self.spatial_shape, layer)
            dtype_w = init.complex_dtype(dtype) if dom.is_complex else dtype
            self.weight = Parameter(init.uniform((self.out_channels, self.in_channels) + freq,
                                                 bound, dtype_w))
        self.bias = Parameter(init.uniform((self.out_channels,), init.default_bound(fan_in), dtype)) \
            if bias else None

    def forward(self, x):
        layer = type(self).__name__
        dom = expect_spectrum(x, self.ndim, layer, self.domain)
        if self.spatial_shape is not None and self.modes is None and x.spatial_shape != self.spatial_shape:
            raise ValueError(f"{layer}: built for {self.spatial_shape} maps (its weights span that "
                             f"map's spectrum), got a spectrum of spatial shape {x.spatial_shape}")
        _check_channels(x, self.in_channels, layer)
        return dom.conv(x, self.weight, self.bias, self.parameterization, self.modes, layer)

    def kept_modes(self, spatial_shape):
        """The bins |k| < m the layer reads (m = ``modes``; None: all of them)."""
        return self.modes

    def extra_repr(self):
        parts = [f"{self.in_channels}, {self.out_channels}"]
        if self.kernel_size is not None:
            parts.append(f"kernel_size={self.kernel_size}")
        parts.append(f"parameterization={self.parameterization!r}")
        if self.modes is not None:
            parts.append(f"modes={self.modes}")
        if self.spatial_shape is not None:
            parts.append(f"spatial_shape={self.spatial_shape}")
        if self.knots is not None:
            parts.append(f"knots={self.knots}")
        if self.bias is None:
            parts.append("bias=False")
        parts.append(f"domain={self.domain!r}")
        return ", ".join(parts)


class SpectralConv1d(_SpectralConvNd):
    """Circular 1D convolution on (B, C, L//2+1) spectra; see the module docstring."""

    ndim = 1


class SpectralConv2d(_SpectralConvNd):
    """Circular 2D convolution on (B, C, H, W//2+1) spectra; see the module docstring."""

    ndim = 2

