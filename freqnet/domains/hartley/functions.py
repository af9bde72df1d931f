"""The Hartley domain's autograd Functions, all in real arithmetic (THEORY.md §9(c)(ii)).

Each Function wraps the plain-array maths of :mod:`freqnet.domains.hartley.maths`
with its exact adjoint. The DHT matrix is symmetric, so the adjoint of
``scale * DHT`` is itself; everything else is a real linear (or bilinear) map
whose adjoint is spelled out in the class docstring. No op here creates a
complex array (the DHT runs by real matrix products, ``method="matrix"``).
"""
import math

from ... import backend, fastpaths
from ...autograd import Function, linear_map
from ..fourier import maths as fourier
from ..layout import channels_first, frequency_major
from . import fast
from . import maths as hart


class DHT(Function):
    """scale * DHT over the last ``ndim`` axes; adjoint: the same map.

    ``scale`` = 1 enters the Hartley domain (``transform="forward"``);
    ``scale`` = 1/N leaves it (``transform="inverse"``).
    """

    category = "transform"

    def __init__(self, inverse=False):
        self.transform = "inverse" if inverse else "forward"

    def forward(self, x, ndim, scale, method="matrix"):
        self.ndim, self.scale, self.method = ndim, scale, method
        return self._apply(x)

    def _apply(self, a):
        y = fastpaths.route(fast.dht, hart.dht, a, self.ndim, self.method)
        return y * y.dtype.type(self.scale) if self.scale != 1 else y

    def backward(self, g):
        return self._apply(g), None, None, None


def dht(x, ndim, method="matrix"):
    """Differentiable DHT of a real tensor over its last ``ndim`` axes."""
    return DHT()(x, ndim, 1.0, method)


def idht(h, ndim, method="matrix"):
    """Differentiable inverse DHT: DHT(h) / N."""
    return DHT(inverse=True)(h, ndim, 1.0 / math.prod(h.shape[-ndim:]), method)


class HartleyKernelSpectrum(Function):
    """W_H = DHT(Wpad) in the mixing layout (*freq, C, O), the kernel placed as
    in THEORY.md §1 (so the correlation theorem gives the same layer as the
    Fourier twin), computed from the taps alone by two GEMMs.
    Backward: grad_w = taps of DHT(grad_W_H) (the adjoint GEMMs)."""

    category = "transform"
    transform = "forward"
    transform_of = "weight"

    def forward(self, w, spatial_shape):
        fourier.check_kernel_fits(w.shape[2:], spatial_shape)
        self.kernel_shape = w.shape[2:]
        return hart.kernel_mixing_weights(w, tuple(spatial_shape))

    def backward(self, g):
        return hart.kernel_mixing_weights_adjoint(g, self.kernel_shape), None


MixingLayout = linear_map(
    "MixingLayout", hart.to_mixing_layout, hart.from_mixing_layout,
    "Full-size Hartley weights (O, C, *freq) -> the mixing layout (*freq, C, O).")


class HartleyMix(Function):
    """Multi-channel CNN correlation on Hartley spectra (+ bias at DC):

        Z[b,o] = sum_c We[o,c] X[b,c] - Wo[o,c] X^-[b,c] + N b_o delta_DC,

    with the weight spectrum W in the mixing layout (*freq, C, O). As Wo is
    odd, X^-[f] Wo[f] = -(X Wo)[rev f], so with the frequencies flattened
    (f, and ``rev`` its reversal -f, a gather of rows in this layout):

        [P | Q] = X @ [W + W^- | W - W^-]    (F, B, C) @ (F, C, 2 O), one batched GEMM
        Z = (P + Q[rev]) / 2,

    2 * 2 C O real multiply-adds per bin on H*W bins: the cost of the Fourier
    twin's complex product on H*(W/2+1) bins. The output is a
    frequency-major view (as the Fourier twin's).
    Backward: G' = [G | G[rev]] / 2; gX = G' [W + W^- | W - W^-]^T;
    [a | b] = X^T G', gW = a + b + (a - b)[rev]; gb = N sum_b G[DC].
    """

    category = "channel_mixing"

    def forward(self, x, w, bias, n_pixels):
        xp = backend.array_module(x)
        batch, cin = x.shape[:2]
        self.freq_shape = x.shape[2:]
        self.w_shape = w.shape
        cout = w.shape[-1]
        f = math.prod(self.freq_shape)
        rev = hart.device_reverse_index(tuple(self.freq_shape), xp=xp)
        xf = frequency_major(x.reshape(batch, cin, f))                       # (F, B, C)
        wt = w.reshape(f, cin, cout)
        wr = wt[rev]
        wf = xp.empty((f, cin, 2 * cout), dtype=w.dtype)
        xp.add(wt, wr, out=wf[..., :cout])
        xp.subtract(wt, wr, out=wf[..., cout:])
        pq = xp.matmul(xf, wf)                                                     # (F, B, 2 O)
        yf = pq[..., :cout] + pq[rev, :, cout:]
        yf *= yf.dtype.type(0.5)
        if bias is not None:
            yf[0] += bias * yf.dtype.type(n_pixels)
        self.n_pixels = n_pixels
        self.save(xf, wf, rev)
        return channels_first(yf, self.freq_shape)

    def backward(self, g):
        xp = backend.array_module(g)
        xf, wf, rev = self.saved
        f, batch, cin = xf.shape
        cout = g.shape[1]
        gf = frequency_major(g.reshape(batch, cout, f))                          # (F, B, O)
        half = gf.dtype.type(0.5)
        gpq = xp.empty((f, batch, 2 * cout), dtype=gf.dtype)
        xp.multiply(gf, half, out=gpq[..., :cout])
        xp.multiply(gf[rev], half, out=gpq[..., cout:])
        gx = gw = gb = None
        if self.needs(0):
            gx = channels_first(xp.matmul(gpq, wf.transpose(0, 2, 1)), self.freq_shape)
        if self.needs(1):
            gab = xp.matmul(xf.transpose(0, 2, 1), gpq)                                  # (F, C, 2 O)
            a, b = gab[..., :cout], gab[..., cout:]
            gw = (a + b + (a - b)[rev]).reshape(self.w_shape)
        if self.needs(2):
            gb = gf[0].sum(axis=0) * gf.dtype.type(self.n_pixels)
        return gx, gw, gb, None


HartleyAvgPool = linear_map(
    "HartleyAvgPool", hart.avg_pool, hart.avg_pool_adjoint,
    "Average pooling (window = stride = s): box correlation then fold; adjoint: "
    "tile, then the box convolution (THEORY.md §6 in Hartley form).")

HartleySpectralCrop = linear_map(
    "HartleySpectralCrop", hart.spectral_crop, hart.spectral_crop_adjoint,
    "Spectral pooling of a Hartley spectrum to ``out_shape`` (low-pass crop).")


class HartleyParsevalDual(Function):
    """V = DHT(A) / N: the Hartley weights whose readout sum_k V X equals the
    spatial Linear sum_n A x (Parseval). ``a`` is (J, C*N); V is (J, C, *S).
    Backward: grad_A = DHT(grad_V) / N, flattened back."""

    category = "transform"
    transform = "forward"
    transform_of = "weight"

    def forward(self, a, channels, spatial_shape):
        self.spatial_shape, self.a_shape = tuple(spatial_shape), a.shape
        return self._apply(a.reshape((a.shape[0], channels) + self.spatial_shape))

    def _apply(self, a):
        n = math.prod(self.spatial_shape)
        return hart.dht(a, len(self.spatial_shape)) / a.dtype.type(n)

    def backward(self, g):
        return self._apply(g).reshape(self.a_shape), None, None


class HartleyReadout(Function):
    """out[b, j] = sum_p V[j, p] X[b, p] + bias_j over the flattened (channel,
    frequency) axes (THEORY.md §7 with real spectra). Backward: grad_X = g V,
    grad_V = g^T X (summed over the batch), grad_b = sum_b g."""

    category = "channel_mixing"

    def forward(self, x, v, bias):
        self.x_shape, self.v_shape = x.shape, v.shape
        xf = x.reshape(x.shape[0], -1)
        vf = v.reshape(v.shape[0], -1)
        out = xf @ vf.T
        if bias is not None:
            out = out + bias
        self.save(xf, vf)
        return out

    def backward(self, g):
        xf, vf = self.saved
        gx = (g @ vf).reshape(self.x_shape) if self.needs(0) else None
        gv = (g.T @ xf).reshape(self.v_shape) if self.needs(1) else None
        gb = g.sum(axis=0) if self.needs(2) else None
        return gx, gv, gb
