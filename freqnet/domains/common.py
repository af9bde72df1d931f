"""Functions that act alike on every domain's spectra (complex or real).

* :class:`DCMean`: global average pooling, Re X[DC] / N: the DC bin of both
  the Fourier and the Hartley spectrum is sum_n x[n] (THEORY.md §7).
* :class:`ModReLUFunction`: modReLU on each coefficient (Arjovsky et al.).
* :class:`PolynomialActivation`: y = p(x) by products of spectra (THEORY §5),
  with the domain's ``polynomial_forward``/``polynomial_backward``.
"""
from .. import backend
from ..autograd import Function


class DCMean(Function):
    """Re X[..., 0, 0] / N, shape (B, C) real. Backward: grad_X is g / N at the
    DC bin and 0 elsewhere."""

    category = "other"

    def forward(self, x, n_pixels, nfreq):
        self.shape, self.dtype, self.n, self.nfreq = x.shape, x.dtype, float(n_pixels), nfreq
        return x[(Ellipsis,) + (0,) * nfreq].real / self.n

    def backward(self, g):
        xp = backend.array_module(g)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        gx[(Ellipsis,) + (0,) * self.nfreq] = g / self.n
        return gx, None, None


class ModReLUFunction(Function):
    """z * ReLU(|z| + b) / |z| with b per channel (axis 1); 0 where z = 0.

    Backward (THEORY §0 convention), on the active set |z| + b > 0, |z| > 0:
    grad_z = s g - (b/|z|^2) Re(conj(g) z) z/|z| with s = 1 + b/|z|, and
    grad_b = sum Re(conj(g) z/|z|) over batch and bins. On real coefficients
    z/|z| is the sign: each coefficient shrinks towards 0 keeping its sign.
    """

    category = "activation"

    def forward(self, z, bias):
        xp = backend.array_module(z)
        b = bias.reshape((1, -1) + (1,) * (z.ndim - 2)).astype(z.real.dtype, copy=False)
        m = xp.abs(z)
        active = (m + b > 0) & (m > 0)
        inv_m = xp.where(active, 1 / xp.where(active, m, 1), 0)
        self.save(z, inv_m, b)
        return z * (1 + b * inv_m) * active

    def backward(self, g):
        z, inv_m, b = self.saved
        unit = z * inv_m                                     # z/|z| on the active set, else 0
        along = (g.conj() * unit).real                       # Re(conj(g) z/|z|)
        gz = g * (1 + b * inv_m) * (inv_m > 0) - (b * inv_m) * along * unit
        gb = along.sum(axis=(0,) + tuple(range(2, g.ndim))) if self.needs(1) else None
        return gz, gb


class PolynomialActivation(Function):
    """y = p(x) on a spectrum with no transform (THEORY §5): ``products`` is the
    domain's module of products of spectra (Fourier: spectral self-convolution,
    :mod:`freqnet.domains.fourier.products`; Hartley: :mod:`freqnet.domains.hartley.maths`);
    backward is its exact adjoint, one product with the spectrum of p'(x)."""

    category = "activation"

    def __init__(self, products):
        self.products = products

    def forward(self, x, coefficients, spatial_shape):
        y, dp = self.products.polynomial_forward(x, coefficients, spatial_shape)
        self.save(dp)
        self.spatial_shape = spatial_shape
        return y

    def backward(self, g):
        (dp,) = self.saved
        return self.products.polynomial_backward(g, dp, self.spatial_shape), None, None
