"""Differentiable Fourier-spectrum layer ops (THEORY.md §1, §6, §7).

Each Function wraps the plain-array maths of :mod:`freqnet.spectral.fourier`
with its exact adjoint. Functions that transform a *weight* (not an
activation) set ``transform_of = "weight"`` so the profiler can tell the
two kinds of domain switch apart.
"""
from .. import backend
from ..autograd import Function
from ..spectral import fourier


def _prod(shape):
    n = 1
    for s in shape:
        n *= int(s)
    return n


class KernelSpectrum(Function):
    """The mixing weights of a spatial kernel w (out, in, *K):
    Wc[*freq, in, out] = conj(rfftn(Wpad))[out, in, *freq], Wpad placed per
    THEORY.md §1; frequency-major, ready for :class:`SpectralMix`. Computed by
    a direct DFT of the K taps or an rfftn, whichever is cheaper; backward is
    the exact adjoint (one irfftn of the gradient on the FFT route)."""

    category = "transform"
    transform = "forward"
    transform_of = "weight"

    def forward(self, w, spatial_shape):
        self.spatial_shape = tuple(spatial_shape)
        self.kernel_shape = w.shape[-len(spatial_shape):]
        return fourier.kernel_mixing_weights(w, self.spatial_shape)

    def backward(self, g):
        return fourier.kernel_mixing_weights_adjoint(g, self.kernel_shape, self.spatial_shape), None


class ParsevalDual(Function):
    """V = d conj(rfftn(A)) / N (THEORY.md §7): the half-spectrum weights whose
    readout Re(sum V X) equals sum A x. ``a`` is (J, C*N), a Linear weight on
    the flattened (C, *spatial) map; V is (J, C, *half spectrum).
    Backward: grad_A = irfftn(conj(grad_V)), flattened back."""

    category = "transform"
    transform = "forward"
    transform_of = "weight"

    def forward(self, a, channels, spatial_shape):
        self.spatial_shape, self.a_shape = tuple(spatial_shape), a.shape
        xp = backend.array_module(a)
        a = a.reshape((a.shape[0], channels) + self.spatial_shape)
        spec = backend.rfftn(a, axes=tuple(range(-len(spatial_shape), 0)))
        return spec.conj() * fourier.parseval_weights(self.spatial_shape, xp, a.dtype)

    def backward(self, g):
        s = self.spatial_shape
        ga = backend.irfftn(g.conj(), s=s, axes=tuple(range(-len(s), 0)))
        return ga.reshape(self.a_shape), None, None


def _channels_first(af, freq_shape):
    """(F, B, C) -> a (B, C, *freq) view of the same memory (no copy).

    Spectra leave the mixing frequency-major in memory; the next mixing then
    gets its (F, B, C) operand without a copy, and elementwise layers keep
    that order (NumPy's 'K' order)."""
    lead = af.shape[1:]
    af = af.reshape(tuple(freq_shape) + lead)
    nf = len(freq_shape)
    return af.transpose((nf, nf + 1) + tuple(range(nf)))


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
    outputs are frequency-major views (see :func:`_channels_first`).
    """

    category = "channel_mixing"

    def forward(self, x, wc, bias, n_pixels):
        xp = backend.array_module(x)
        batch, cin = x.shape[:2]
        self.freq_shape = x.shape[2:]
        f = _prod(self.freq_shape)
        wf = wc.reshape(f, cin, wc.shape[-1])
        xf = xp.ascontiguousarray(x.reshape(batch, cin, f).transpose(2, 0, 1))   # (F, B, Cin)
        # (F, B, Cout); one input channel is an outer product, which a broadcast
        # product does ~7x faster than NumPy's stacked GEMM with inner size 1
        yf = xf * wf if cin == 1 else xp.matmul(xf, wf)
        if bias is not None:
            yf[0] += bias * float(n_pixels)
        self.n_pixels, self.wc_shape = n_pixels, wc.shape
        self.save(xf, wf)
        return _channels_first(yf, self.freq_shape)

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
            gx = _channels_first(xp.conjugate(gxf, out=gxf), self.freq_shape)
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
        return fourier.to_mixing_layout(self._project(w))

    def _project(self, w):
        s, m = self.spatial_shape, self.modes
        if m is None:
            return fourier.hermitian_project(w, s)
        return fourier.hermitian_project_modes(w, s, m)

    def backward(self, g):
        return self._project(fourier.from_mixing_layout(g)), None, None


class LowModes(Function):
    """Gather the kept FNO modes of a half spectrum; adjoint: scatter into zeros."""

    category = "other"

    def forward(self, x, spatial_shape, modes):
        self.spatial_shape, self.modes = tuple(spatial_shape), modes
        return fourier.low_modes(x, self.spatial_shape, modes)

    def backward(self, g):
        return fourier.scatter_modes(g, self.spatial_shape, self.modes), None, None


class ScatterModes(Function):
    """Place kept modes into a zero half spectrum; adjoint: gather them."""

    category = "other"

    def forward(self, y, spatial_shape, modes):
        self.spatial_shape, self.modes = tuple(spatial_shape), modes
        return fourier.scatter_modes(y, self.spatial_shape, modes)

    def backward(self, g):
        return fourier.low_modes(g, self.spatial_shape, self.modes), None, None


class AvgPoolSpectrum(Function):
    """Average pooling, window = stride = s: Dirichlet multiply + fold (THEORY.md §6)."""

    category = "other"

    def forward(self, x, spatial_shape, s):
        self.spatial_shape, self.s = tuple(spatial_shape), s
        return fourier.avg_pool(x, self.spatial_shape, s)

    def backward(self, g):
        return fourier.avg_pool_adjoint(g, self.spatial_shape, self.s), None, None


class SpectralCrop(Function):
    """Spectral pooling (Rippel et al. 2015): low-pass crop to ``out_shape``."""

    category = "other"

    def forward(self, x, spatial_shape, out_shape):
        self.spatial_shape, self.out_shape = tuple(spatial_shape), tuple(out_shape)
        return fourier.spectral_crop(x, self.spatial_shape, self.out_shape)

    def backward(self, g):
        return fourier.spectral_crop_adjoint(g, self.spatial_shape, self.out_shape), None, None


class DCMean(Function):
    """Global average pooling: Re X[..., 0, 0] / N, shape (B, C) real (THEORY.md §7).
    Backward: grad_X is g / N at the DC bin and 0 elsewhere."""

    category = "other"

    def forward(self, x, n_pixels, nfreq):
        self.shape, self.dtype, self.n, self.nfreq = x.shape, x.dtype, float(n_pixels), nfreq
        return x[(Ellipsis,) + (0,) * nfreq].real / self.n

    def backward(self, g):
        xp = backend.array_module(g)
        gx = xp.zeros(self.shape, dtype=self.dtype)
        gx[(Ellipsis,) + (0,) * self.nfreq] = g / self.n
        return gx, None, None


class SpectralReadout(Function):
    """out[b, j] = Re(sum_p V[j, p] X[b, p]) + bias_j over the flattened
    (channel, frequency) axes (THEORY.md §7). Backward: grad_X = g conj(V),
    grad_V = g^T conj(X) (summed over the batch), grad_b = sum_b g."""

    category = "channel_mixing"

    def forward(self, x, v, bias):
        xp = backend.array_module(x)
        self.x_shape, self.v_shape = x.shape, v.shape
        xf = x.reshape(x.shape[0], -1)
        vf = v.reshape(v.shape[0], -1)
        if xf.dtype.kind == "c" and vf.dtype == xf.dtype:
            # one real GEMM on interleaved views: [Xr, Xi] . [Vr, -Vi] = Re(V X)
            real = xf.real.dtype
            xr = xp.ascontiguousarray(xf).view(real)
            vr = xp.conj(vf).view(real)
            out = xr @ vr.T
            self.interleaved = True
            self.save(xr, vr)
        else:
            out = xf.real @ vf.real.T - xf.imag @ vf.imag.T
            self.interleaved = False
            self.save(xf, vf)
        if bias is not None:
            out += bias
        return xp.ascontiguousarray(out)

    def backward(self, g):
        a, b = self.saved
        gx = gv = None
        if self.interleaved:                      # a = view(X), b = view(conj V)
            if self.needs(0):
                gx = _as_complex(g @ b).reshape(self.x_shape)                 # g conj(V)
            if self.needs(1):
                gv = _as_complex(g.T @ a).conj().reshape(self.v_shape)        # g^T conj(X)
        else:
            gx = (g @ b.conj()).reshape(self.x_shape) if self.needs(0) else None
            gv = (g.T @ a.conj()).reshape(self.v_shape) if self.needs(1) else None
        gb = g.sum(axis=0) if self.needs(2) else None
        return gx, gv, gb


def _as_complex(pairs):
    """A C-ordered real array of interleaved (re, im) pairs viewed as complex."""
    return pairs.view(backend.result_type(pairs.dtype, "complex64"))
