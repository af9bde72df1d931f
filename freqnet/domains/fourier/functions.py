"""The Fourier domain's autograd Functions (THEORY.md §1, §5, §5b, §6, §7).

Each wraps a map of :mod:`freqnet.domains.fourier.maths` (through its speed
route in :mod:`freqnet.domains.fourier.fast`, where one exists) with its
exact adjoint; linear maps are made with :func:`freqnet.autograd.linear_map`.
Functions that transform a *weight* (not an activation) set
``transform_of = "weight"``, so the profiler can tell the two kinds of
domain switch apart.
"""
import math

from ... import backend, fastpaths
from ...autograd import Function, linear_map
from ..layout import channels_first, frequency_major
from . import bands, fast, maths


class KernelSpectrum(Function):
    """The mixing weights of a spatial kernel w (out, in, *K):
    Wc[*freq, in, out] = conj(rfftn(Wpad))[out, in, *freq], Wpad placed per
    THEORY.md §1; frequency-major, ready for :class:`SpectralMix`. Backward:
    the exact adjoint (an irfftn of the gradient, or the direct DFT's)."""

    category = "transform"
    transform = "forward"
    transform_of = "weight"

    def forward(self, w, spatial_shape):
        self.spatial_shape = tuple(spatial_shape)
        self.kernel_shape = w.shape[-len(spatial_shape):]
        return fastpaths.route(fast.kernel_spectrum, maths.kernel_spectrum, w, self.spatial_shape)

    def backward(self, g):
        return fastpaths.route(fast.kernel_spectrum_adjoint, maths.kernel_spectrum_adjoint,
                     g, self.kernel_shape, self.spatial_shape), None


class ParsevalDual(Function):
    """V = w conj(rfftn(A)) / N (THEORY.md §7, w the Parseval weights): the
    half-spectrum weights whose readout Re(sum V X) equals sum A x. ``a`` is
    (J, C*N), a Linear weight on the flattened (C, *spatial) map; V is
    (J, C, *half spectrum). Backward: grad_A = irfftn(conj(grad_V)), flattened."""

    category = "transform"
    transform = "forward"
    transform_of = "weight"

    def forward(self, a, channels, spatial_shape):
        self.spatial_shape, self.a_shape = tuple(spatial_shape), a.shape
        return dual_weights(a, channels, self.spatial_shape)

    def backward(self, g):
        s = self.spatial_shape
        ga = backend.irfftn(g.conj(), s=s, axes=tuple(range(-len(s), 0)))
        return ga.reshape(self.a_shape), None, None


def dual_weights(a, channels, spatial_shape):
    """V = w conj(rfftn(A)) / N of a (J, C*N) spatial weight (plain arrays)."""
    xp = backend.array_module(a)
    a = a.reshape((a.shape[0], channels) + tuple(spatial_shape))
    spec = backend.rfftn(a, axes=tuple(range(-len(spatial_shape), 0)))
    w = maths.parseval_weights(spatial_shape, xp, a.dtype) / a.dtype.type(math.prod(spatial_shape))
    return spec.conj() * w


class SpectralMix(Function):
    """Y[b,o] = sum_c X[b,c] Wc[c,o] + N b_o delta_DC per frequency (THEORY.md §1,
    with Wc = conj(What) in the frequency-major layout of KernelSpectrum).

    One batched complex GEMM with frequency as the batch axis (DESIGN.md §7):
    (F, B, Cin) @ (F, Cin, Cout). Backward (THEORY.md §1): grad_X = gY Wc^H,
    grad_Wc = X^H gY, grad_b = N sum_b Re gY[DC]. Both products are taken
    with conj(gY), made in the same pass as its frequency-major copy, so no
    large array is conjugated on its own: conj(grad_X) = conj(gY) Wc^T (then
    conjugated in place) and conj(grad_Wc) = X^T conj(gY). The
    frequency-major copy of X made in forward is reused by backward, and the
    outputs are frequency-major views (:func:`freqnet.domains.layout.channels_first`).
    """

    category = "channel_mixing"

    def forward(self, x, wc, bias, n_pixels):
        batch, cin = x.shape[:2]
        self.freq_shape = x.shape[2:]
        f = math.prod(self.freq_shape)
        wf = wc.reshape(f, cin, wc.shape[-1])
        xf = frequency_major(x.reshape(batch, cin, f))                          # (F, B, Cin)
        yf = fastpaths.route(fast.mix, maths.mix, xf, wf)                                  # (F, B, Cout)
        if bias is not None:
            yf[0] += bias * float(n_pixels)
        self.n_pixels, self.wc_shape = n_pixels, wc.shape
        self.save(xf, wf)
        return channels_first(yf, self.freq_shape)

    def backward(self, g):
        xp = backend.array_module(g)
        xf, wf = self.saved
        batch, cout = g.shape[:2]
        f = xf.shape[0]
        gfc = xp.empty((f, batch, cout), dtype=g.dtype)                           # conj(gY), (F, B, Cout)
        xp.conjugate(g.reshape(batch, cout, f).transpose(2, 0, 1), out=gfc)
        gx = gw = gb = None
        if self.needs(0):
            gxf = xp.matmul(gfc, wf.transpose(0, 2, 1))                            # conj(grad_X)
            gx = channels_first(xp.conjugate(gxf, out=gxf), self.freq_shape)
        if self.needs(1):
            gw = xp.matmul(xf.transpose(0, 2, 1), gfc).conj().reshape(self.wc_shape)
        if self.needs(2):
            gb = gfc[0].real.sum(axis=0) * float(self.n_pixels)
        return gx, gw, gb, None


class SpectralWeights(Function):
    """Spectral-parameterization weights (out, in, *freq) to mixing weights
    Wc[*freq, in, out]: projected onto spectra of real kernels (so outputs stay
    spectra of real maps; FNO-truncated ones too), conjugated and made
    frequency-major. The projection is self-adjoint; backward undoes the rest."""

    category = "other"

    def forward(self, w, spatial_shape, modes):
        self.spatial_shape, self.modes = tuple(spatial_shape), modes
        return maths.to_mixing_layout(self._project(w))

    def _project(self, w):
        s, m = self.spatial_shape, self.modes
        if m is None:
            return maths.hermitian_project(w, s)
        return maths.hermitian_project_modes(w, s, m)

    def backward(self, g):
        return self._project(maths.from_mixing_layout(g)), None, None


KnotSpectrum = linear_map(
    "KnotSpectrum", maths.interpolate_knots, maths.interpolate_knots_adjoint,
    "Half-spectrum weights interpolated linearly across the bins from knot values "
    "(smooth spectral weights, THEORY.md §5b): a fixed real matrix, not a transform.")

LowModes = linear_map(
    "LowModes", maths.low_modes, maths.scatter_modes,
    "Gather the kept FNO modes of a half spectrum; adjoint: scatter into zeros.")

ScatterModes = linear_map(
    "ScatterModes", maths.scatter_modes, maths.low_modes,
    "Place kept modes into a zero half spectrum; adjoint: gather them.")

AvgPoolSpectrum = linear_map(
    "AvgPoolSpectrum",
    lambda x, shape, s: fastpaths.route(fast.avg_pool, maths.avg_pool, x, shape, s),
    lambda g, shape, s: fastpaths.route(fast.avg_pool_adjoint, maths.avg_pool_adjoint, g, shape, s),
    "Average pooling, window = stride = s: Dirichlet multiply + fold (THEORY.md §6).")

SpectralCrop = linear_map(
    "SpectralCrop", maths.spectral_crop, maths.spectral_crop_adjoint,
    "Spectral pooling (Rippel et al. 2015): low-pass crop to ``out_shape``.")


class SpectralReadout(Function):
    """out[b, j] = Re(sum_p V[j, p] X[b, p]) + bias_j over the flattened
    (channel, frequency) axes (THEORY.md §7). Backward: grad_X = g conj(V),
    grad_V = g^T conj(X) (summed over the batch), grad_b = sum_b g."""

    category = "channel_mixing"

    def forward(self, x, v, bias):
        xp = backend.array_module(x)
        self.x_shape, self.v_shape = x.shape, v.shape
        xf, vf = x.reshape(x.shape[0], -1), v.reshape(v.shape[0], -1)
        views = fast.readout_views(xf, vf) if fastpaths.enabled() else None
        self.fast = views is not None
        if self.fast:
            out = fast.readout(*views)
            self.save(*views)
        else:
            out = maths.readout(xf, vf)
            self.save(xf, vf)
        if bias is not None:
            out += bias
        return xp.ascontiguousarray(out)

    def backward(self, g):
        adjoint = fast.readout_adjoint if self.fast else maths.readout_adjoint
        gx, gv = adjoint(g, *self.saved)
        gx = gx.reshape(self.x_shape) if self.needs(0) else None
        gv = gv.reshape(self.v_shape) if self.needs(1) else None
        gb = g.sum(axis=0) if self.needs(2) else None
        return gx, gv, gb


class CReLUFunction(Function):
    """ReLU on the real and imaginary parts of each coefficient, then the
    Hermitian projection of the self-conjugate columns (see ``nn.CReLU``)."""

    category = "activation"

    def forward(self, x, spatial_shape):
        self.spatial_shape = spatial_shape
        keep_re, keep_im = x.real > 0, x.imag > 0
        self.save(keep_re, keep_im)
        return maths.hermitian_project(_mask_parts(x, keep_re, keep_im), spatial_shape)

    def backward(self, g):
        keep_re, keep_im = self.saved
        return _mask_parts(maths.hermitian_project(g, self.spatial_shape), keep_re, keep_im), None


def _mask_parts(z, keep_re, keep_im):
    """Re z where keep_re, plus i Im z where keep_im (dtype kept)."""
    return (z.real * keep_re + 1j * (z.imag * keep_im)).astype(z.dtype, copy=False)


class BandPolynomialFunction(Function):
    """y = p_c(x) per channel c on the bands of ``plan`` (THEORY.md §5b), with
    p_c(x) = q_c(x / r) = sum_j b_cj (x / r)^j: ``scaled`` holds b (C, d + 1),
    so every coefficient is O(1) for the optimizer. Backward: the exact
    adjoint (:func:`bands.band_polynomial_backward`), grad b_cj = r^-j grad a_cj."""

    category = "activation"

    def forward(self, x, scaled, radius, plan):
        xp = backend.array_module(x)
        self.plan = plan
        self.powers = _radius_powers(float(radius), plan.degree, x.real.dtype.name, xp=xp)
        y, state = bands.band_polynomial_forward(x, scaled * self.powers, plan)
        self.save(*state)
        return y

    def backward(self, g):
        gx, ga = bands.band_polynomial_backward(g, self.saved, self.plan, self.needs(1))
        gb = (ga * self.powers).astype(g.real.dtype, copy=False) if ga is not None else None
        return gx, gb, None, None


@backend.device_constant
def _radius_powers(radius, degree, dtype):
    """r^-j for j = 0..degree."""
    return (radius ** -backend.numpy.arange(degree + 1, dtype=float)).astype(dtype)
