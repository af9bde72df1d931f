"""The discrete Hartley transform (DHT): a real transform domain (THEORY.md §9(c)(ii)).

    H[k] = sum_n x[n] cas(2 pi k n / N),   cas t = cos t + sin t,   = Re X - Im X,

and in 2D the *true* transform cas(2 pi (k u / H + l v / W)) (the separable
cas * cas transform does not obey the convolution rule). The DHT is
symmetric and its own inverse up to 1/N: x = DHT(H) / N, so its adjoint is
itself.

How it is computed (``method=``):

* ``"matrix"`` (the default, used inside layers): real matrix products with
  cas / cos / sin tables, so **no complex array exists even internally**. In
  2D: H = C_H (x Cas_W) + S_H (x Cas'_W), with Cas' = cos - sin, which is
  Re - Im of (C_H - i S_H) x (C_W - i S_W). O(N (H + W)) per map; for the
  map sizes of a CNN it runs on BLAS and costs about as much as an FFT; a
  k x k kernel's spectrum is computed from its taps alone
  (:func:`kernel_mixing_weights`).
* ``"fft"``: Re X - Im X of the backend's FFT (complex temporaries; never
  stored or saved).
* ``"fht"``: a real radix-2 fast Hartley transform (power-of-2 lengths),
  written for teaching: the 1D recursion
  H[k] = He[k mod M] + cos(2 pi k/N) Ho[k mod M] + sin(2 pi k/N) Ho[-k mod M],
  vectorised level by level, then in 2D the separable result T is fixed up
  to the true transform: H[k,l] = (T[k,l] + T[-k,l] + T[k,-l] - T[-k,-l]) / 2.

Theorems in real arithmetic (index reversal X^-[k] = X[-k mod N], jointly on
every axis in 2D; Xe, Xo = (X +- X^-)/2):

* circular convolution z = x (*) y:            Z = Xe Y + Xo Y^-
* CNN correlation y[n] = sum_m x[n+m] w[m]:     Z = We X - Wo X^-
  (THEORY's "Xe Y_H - Xo Y_H[-k]" with the kernel w as the template)
  adjoints: grad_X = We G + Wo G^-,  grad_W = Xo G + Xe G^-
* product z = x y:   Z = (1/N) [X (*) Ye + X^- (*) Yo]  (circular convolution of spectra),
  so polynomials p(x) act on spectra without a transform; the adjoint of
  X -> DHT(p(x)) is G -> DHT(p'(x) DHT(G))/N = product(DHT(p'(x)), G)
* Parseval: sum x y = (1/N) sum X Y.

Plain arrays in and out; the autograd wrapping is
:mod:`freqnet.domains.hartley.functions`, the speed route (the DHT of a
frequency-major array in that layout) :mod:`freqnet.domains.hartley.fast`.
"""
import functools
import math

from ... import backend
from ..fourier import maths as fourier

np = backend.numpy

METHODS = ("matrix", "fft", "fht")


# --------------------------------------------------------------------------
# the transform

@functools.lru_cache(maxsize=None)
def _tables(n):
    """cos and sin of 2 pi k j / n (float64), with k j reduced mod n first."""
    kj = np.outer(np.arange(n), np.arange(n)) % n
    angle = 2 * math.pi * kj / n
    return np.cos(angle), np.sin(angle)


_DEVICE_TABLES = {}


def cas_tables(n, dtype, like=None):
    """(cos, sin, cas, cas') tables of size n x n in ``dtype`` on the device of ``like``."""
    xp = backend.array_module(like) if like is not None else np
    key = (n, np.dtype(dtype).name, xp.__name__)
    if key not in _DEVICE_TABLES:
        c, s = _tables(n)
        _DEVICE_TABLES[key] = tuple(xp.asarray(a, dtype=dtype) for a in (c, s, c + s, c - s))
    return _DEVICE_TABLES[key]


def _check_axes(x, ndim, method):
    if method not in METHODS:
        raise ValueError(f"DHT method must be one of {METHODS}, got {method!r}")
    if ndim not in (1, 2):
        raise ValueError(f"the DHT here covers 1 or 2 trailing axes, got ndim={ndim}")
    if x.ndim < ndim:
        raise ValueError(f"DHT over {ndim} axes needs an array of rank >= {ndim}, got shape {x.shape}")
    if x.dtype.kind == "c":
        raise ValueError(f"the DHT takes real arrays, got dtype {x.dtype}")


def _real_float(x):
    """``x`` in the real floating dtype its spectrum has, as the FFT promotes:
    integers and bools to float64, float16 to float32 (the cas tables are
    made in ``x``'s dtype, so an integer table would truncate them to 0, +-1)."""
    if x.dtype.kind in "biu":
        return x.astype(np.float64)
    if x.dtype.itemsize < 4:
        return x.astype(np.float32)
    return x


def dht(x, ndim=1, method="matrix"):
    """DHT over the last ``ndim`` (1 or 2) axes of a real array (true 2D)."""
    _check_axes(x, ndim, method)
    x = _real_float(x)
    if method == "fft":
        spec = backend.fftn(x, axes=tuple(range(-ndim, 0)))
        return (spec.real - spec.imag).astype(x.dtype, copy=False)
    if method == "fht":
        t = _fht(x)
        if ndim == 2:
            t = xp_swap(_fht(xp_swap(t)))
            t = (t + reverse(t, 1, axis=-2) + reverse(t, 1) - reverse(t, 2)) / 2
        return t.astype(x.dtype, copy=False)
    w = x.shape[-1]
    _, _, cas_w, casm_w = cas_tables(w, x.dtype, x)
    if ndim == 1:
        return x @ cas_w
    c_h, s_h = cas_tables(x.shape[-2], x.dtype, x)[:2]
    return c_h @ (x @ cas_w) + s_h @ (x @ casm_w)


def xp_swap(a):
    return a.swapaxes(-1, -2)


def idht(h, ndim=1, method="matrix"):
    """Inverse DHT: DHT(h) / N."""
    n = math.prod(h.shape[-ndim:])
    return dht(h, ndim, method) / h.dtype.type(n)


def _fht(x):
    """Radix-2 fast Hartley transform along the last axis (real arithmetic)."""
    n = x.shape[-1]
    if n & (n - 1):
        raise ValueError(f"the radix-2 fast Hartley transform needs a power-of-2 length, got {n}")
    if n == 1:
        return x
    half = n // 2
    xp = backend.array_module(x)
    sub = _fht(xp.moveaxis(x.reshape(x.shape[:-1] + (half, 2)), -1, -2))   # (..., 2, half)
    even, odd = sub[..., 0, :], sub[..., 1, :]
    k = np.arange(n)
    angle = 2 * math.pi * k / n
    cos = xp.asarray(np.cos(angle), dtype=x.dtype)
    sin = xp.asarray(np.sin(angle), dtype=x.dtype)
    return (even[..., k % half] + cos * odd[..., k % half]
            + sin * odd[..., xp.asarray((-k) % half)])


# --------------------------------------------------------------------------
# index reversal and the theorems

def reverse(h, ndim=1, axis=None):
    """h[-k mod N] jointly on the last ``ndim`` axes (or only on ``axis``)."""
    xp = backend.array_module(h)
    axes = (axis,) if axis is not None else tuple(range(-ndim, 0))
    return xp.roll(xp.flip(h, axis=axes), 1, axis=axes)


@functools.lru_cache(maxsize=None)
def reverse_index(spatial_shape):
    """rev[f] = flat index of (-k mod N) jointly on every axis, for flat index f of k."""
    grids = np.meshgrid(*[(-np.arange(n)) % n for n in spatial_shape], indexing="ij")
    return np.ravel_multi_index([g.reshape(-1) for g in grids], spatial_shape)


@backend.device_constant
def device_reverse_index(spatial_shape):
    """:func:`reverse_index` on a device (uploaded once per shape)."""
    return reverse_index(spatial_shape)


def even_odd(h, ndim=1):
    """(He, Ho) = ((H + H^-)/2, (H - H^-)/2)."""
    r = reverse(h, ndim)
    return (h + r) / 2, (h - r) / 2


def convolve(hx, hy, ndim=1):
    """DHT of the circular convolution x (*) y: Xe Y + Xo Y^-."""
    xe, xo = even_odd(hx, ndim)
    return xe * hy + xo * reverse(hy, ndim)


def correlate(hx, hw, ndim=1):
    """DHT of the CNN correlation y[n] = sum_m x[n+m] w[m] (circular): We X - Wo X^-."""
    we, wo = even_odd(hw, ndim)
    return we * hx - wo * reverse(hx, ndim)


def correlate_adjoint_input(g, hw, ndim=1):
    """grad_X of :func:`correlate`: We G + Wo G^- (a convolution with w)."""
    we, wo = even_odd(hw, ndim)
    return we * g + wo * reverse(g, ndim)


def correlate_adjoint_kernel(g, hx, ndim=1):
    """grad_W of :func:`correlate`: Xo G + Xe G^-."""
    xe, xo = even_odd(hx, ndim)
    return xo * g + xe * reverse(g, ndim)


def _tap_tables(kernel_shape, spatial_shape, dtype, like):
    """Columns of the DHT tables at the placed kernel taps (i - k//2) mod n
    (THEORY §1): per axis (cos, sin, cas, cas') of shape (n, k)."""
    xp = backend.array_module(like)
    cols = []
    for k, n in zip(kernel_shape, spatial_shape):
        taps = fourier.placement_index(k, n, xp=xp)
        cols.append(tuple(t[:, taps] for t in cas_tables(n, dtype, like)))
    return cols


def kernel_mixing_weights(w, spatial_shape):
    """DHT of the kernel w (O, C, *k) placed on a ``spatial_shape`` map as in
    THEORY §1, from its taps alone, in the frequency-major mixing layout
    (*freq, C, O). 1D: Cas[:, taps] w; 2D, with the tables symmetric:
    W_H = C_H[:, u] w Cas_W[v, :] + S_H[:, u] w Cas'_W[v, :], as two GEMMs."""
    xp = backend.array_module(w)
    o, c = w.shape[:2]
    ndim = len(spatial_shape)
    tables = _tap_tables(w.shape[2:], spatial_shape, w.dtype, w)
    if ndim == 1:
        cas = tables[0][2]                                                 # (N, k)
        return (cas @ w.transpose(2, 1, 0).reshape(w.shape[2], -1)).reshape(spatial_shape + (c, o))
    (c_h, s_h, _, _), (_, _, cas_w, casm_w) = tables
    kh, kw = w.shape[2:]
    h, wd = spatial_shape
    t = w.reshape(-1, kw) @ xp.concatenate([cas_w, casm_w], axis=0).T   # (O C kh, 2 W)
    t = t.reshape(o, c, kh, 2, wd).transpose(3, 2, 4, 1, 0).reshape(2 * kh, -1)
    return (xp.concatenate([c_h, s_h], axis=1) @ t).reshape(h, wd, c, o)


def kernel_mixing_weights_adjoint(g, kernel_shape):
    """Adjoint of :func:`kernel_mixing_weights`: (*freq, C, O) -> (O, C, *k)."""
    xp = backend.array_module(g)
    ndim = len(kernel_shape)
    spatial_shape = g.shape[:ndim]
    c, o = g.shape[ndim:]
    tables = _tap_tables(kernel_shape, spatial_shape, g.dtype, g)
    if ndim == 1:
        cas = tables[0][2]
        return (cas.T @ g.reshape(spatial_shape[0], -1)).reshape(kernel_shape[0], c, o).transpose(2, 1, 0)
    (c_h, s_h, _, _), (_, _, cas_w, casm_w) = tables
    kh, kw = kernel_shape
    h, wd = spatial_shape
    t = xp.concatenate([c_h, s_h], axis=1).T @ g.reshape(h, -1)          # (2 kh, W C O)
    t = t.reshape(2, kh, wd, c, o).transpose(4, 3, 1, 0, 2).reshape(-1, 2 * wd)
    return (t @ xp.concatenate([cas_w, casm_w], axis=0)).reshape(o, c, kh, kw)


def to_mixing_layout(w):
    """(O, C, *freq) -> (*freq, C, O), contiguous."""
    xp = backend.array_module(w)
    nf = w.ndim - 2
    return xp.ascontiguousarray(w.transpose(tuple(range(2, 2 + nf)) + (1, 0)))


def from_mixing_layout(g):
    """Adjoint (inverse) of :func:`to_mixing_layout`."""
    xp = backend.array_module(g)
    nf = g.ndim - 2
    return xp.ascontiguousarray(g.transpose((nf + 1, nf) + tuple(range(nf))))


# --------------------------------------------------------------------------
# products and polynomials on spectra (no transform: O(N^2) per map)

@backend.device_constant
def _row_shifts(h):
    """shift_u[ku, mu] = mu h + (ku - mu) mod h (flat (mu, u) index)."""
    ku, mu = np.meshgrid(np.arange(h), np.arange(h), indexing="ij")
    return mu * h + (ku - mu) % h


def _shifted_rows(a, h, w, out):
    """out[..., mv, u, kv] = a[..., u, (kv - mv) mod w] for out (..., w, h, w):
    windows of the row doubled, [a a][u, w - mv + kv], read through strides."""
    xp = backend.array_module(a)
    doubled = xp.concatenate([a, a], axis=-1)[..., 1:]                   # (..., h, 2w - 1)
    strides = doubled.strides
    win = xp.lib.stride_tricks.as_strided(
        doubled, shape=doubled.shape[:-1] + (w, w), strides=strides + strides[-1:])
    # win[..., u, j, kv] = [a a][u, 1 + j + kv]; mv = w - 1 - j
    out[...] = xp.swapaxes(win[..., ::-1, :], -3, -2)


class ProductWith:
    """DHT(x * y) from Y, for a fixed x given by its spectrum X (many y):

        Z = (1/N) [X (*) Ye + X^- (*) Yo]      ((*): circular convolution of spectra)

    computed directly, without a transform, in two stages per map (as the
    Fourier polynomial's spectral convolution): along the last axis one
    batched matmul [Ye | Yo] @ [S(X); S(X^-)] with S(A)[mv, (u, kv)] =
    A[u, kv - mv], then along the first axis a gather-sum over mu of
    P[mu, ku - mu, kv]. 2 N^2 multiply-adds (THEORY §11: O(N^2) per map) and
    O(N (H + W)) memory per map; a 1D map is the H = 1 case."""

    def __init__(self, hx, spatial_shape):
        xp = backend.array_module(hx)
        self.spatial_shape = tuple(spatial_shape)
        self.ndim = len(self.spatial_shape)
        self.n = math.prod(self.spatial_shape)
        self.h, self.w = (1,) * (2 - self.ndim) + self.spatial_shape
        lead = hx.shape[:-self.ndim]
        matrix = xp.empty(lead + (2 * self.w, self.h, self.w), dtype=hx.dtype)
        for half, a in zip((slice(0, self.w), slice(self.w, None)), (hx, reverse(hx, self.ndim))):
            _shifted_rows(a.reshape(lead + (self.h, self.w)), self.h, self.w, matrix[..., half, :, :])
        self.matrix = matrix.reshape(lead + (2 * self.w, self.h * self.w))    # (..., 2W, H W)
        self.shift_u = _row_shifts(self.h, xp=xp)

    def __call__(self, hy):
        xp = backend.array_module(hy)
        ye, yo = even_odd(hy, self.ndim)
        lead = hy.shape[:-self.ndim]
        both = xp.concatenate([ye.reshape(lead + (self.h, self.w)),
                               yo.reshape(lead + (self.h, self.w))], axis=-1)   # (..., mu, 2W)
        p = xp.matmul(both, self.matrix).reshape(lead + (self.h * self.h, self.w))
        z = p[..., self.shift_u, :].sum(axis=-2) / hy.dtype.type(self.n)     # (..., ku, kv)
        return z.reshape(hy.shape)


def product(hx, hy, spatial_shape):
    """DHT of the pointwise product x * y from the two spectra."""
    return ProductWith(hx, spatial_shape)(hy)


def spectral_bound(hx, ndim):
    """Per-map bound (1/N) sum_k sqrt(He^2 + Ho^2) = (1/N) sum_k |X_k| >= max |x|
    (THEORY §4c; |X_k| from the Hartley spectrum, the same value as the Fourier bound)."""
    he, ho = even_odd(hx, ndim)
    n = math.prod(hx.shape[-ndim:])
    axes = tuple(range(-ndim, 0))
    return backend.array_module(hx).sqrt(he * he + ho * ho).sum(axis=axes) / n


def polynomial_forward(hx, coefficients, spatial_shape):
    """DHT(p(x)) for p = sum_j a_j x^j, and D = DHT(p'(x)) for the backward pass.

    DHT(x^j) = product(x, x^(j-1)): degree d costs d-1 products (THEORY §5).
    """
    ndim = len(spatial_shape)
    n = math.prod(spatial_shape)
    a = [float(c) for c in coefficients]
    if len(a) < 2:
        raise ValueError(f"polynomial_forward needs coefficients a0, a1, ...; got {len(a)}")
    times_x = ProductWith(hx, spatial_shape)
    power = hx
    y = a[1] * hx
    dp = (2 * a[2]) * hx if len(a) > 2 else backend.array_module(hx).zeros_like(hx)
    for j in range(2, len(a)):
        power = times_x(power)
        y = y + a[j] * power
        if j + 1 < len(a):
            dp = dp + ((j + 1) * a[j + 1]) * power
    dc = (Ellipsis,) + (0,) * ndim
    y[dc] += a[0] * n
    dp[dc] += a[1] * n
    return y, dp


def polynomial_backward(g, dp, spatial_shape):
    """Adjoint of :func:`polynomial_forward`: grad_X = DHT(p'(x) DHT(G)) / N = product(D, G)."""
    return product(dp, g, spatial_shape)


# --------------------------------------------------------------------------
# average pooling (window = stride = s): box correlation, then fold

def box_spectrum(spatial_shape, s, xp, dtype):
    """DHT of the box kernel b[j] = 1/s^ndim on 0 <= j < s (every axis), full size."""
    return _box_spectrum(tuple(spatial_shape), s, np.dtype(dtype).name, xp=xp)


@backend.device_constant
def _box_spectrum(spatial_shape, s, dtype):
    box = np.zeros(spatial_shape)
    box[tuple(slice(0, s) for _ in spatial_shape)] = 1.0 / s ** len(spatial_shape)
    return dht(box, len(spatial_shape)).astype(dtype)


def fold(z, spatial_shape, s):
    """Decimation y[n] = z[s n] in the Hartley domain: Y[k'] = (1/s^d) sum_j Z[k' + j N/s]."""
    ndim = len(spatial_shape)
    lead = z.shape[:-ndim]
    split = sum(((s, n // s) for n in spatial_shape), ())
    y = z.reshape(lead + split).sum(axis=tuple(len(lead) + 2 * i for i in range(ndim)))
    return y / z.dtype.type(s ** ndim)


def fold_adjoint(g, spatial_shape, s):
    """Adjoint of :func:`fold`: tile s times on every axis, divided by s^d."""
    xp = backend.array_module(g)
    ndim = len(spatial_shape)
    lead = g.shape[:-ndim]
    out = tuple(n // s for n in spatial_shape)
    tiled = xp.broadcast_to(g.reshape(lead + sum(((1, n) for n in out), ())),
                            lead + sum(((s, n) for n in out), ()))
    return tiled.reshape(lead + tuple(spatial_shape)) / g.dtype.type(s ** ndim)


def avg_pool(x, spatial_shape, s):
    """AvgPool (window = stride = s) of a Hartley spectrum: fold(correlate(X, box))."""
    xp = backend.array_module(x)
    box = box_spectrum(tuple(spatial_shape), s, xp, x.dtype)
    return fold(correlate(x, box, len(spatial_shape)), spatial_shape, s)


def avg_pool_adjoint(g, spatial_shape, s):
    xp = backend.array_module(g)
    box = box_spectrum(tuple(spatial_shape), s, xp, g.dtype)
    return correlate_adjoint_input(fold_adjoint(g, spatial_shape, s), box, len(spatial_shape))


# --------------------------------------------------------------------------
# spectral pooling (Rippel et al. 2015): low-pass crop

def spectral_crop(z, spatial_shape, out_shape):
    """Keep the signed frequencies |q| < n'/2 on every axis, with each new
    Nyquist bin the mean of its two aliases, and scale by N'/N: the Fourier
    rule (:func:`freqnet.spectral.fourier.spectral_crop`) on full axes. Its
    coefficients are real and it commutes with k -> -k, so it acts on Re X -
    Im X as on X: the same crop of the Hartley spectrum."""
    ndim = len(spatial_shape)
    for a, (n, n_out) in enumerate(zip(spatial_shape, out_shape)):
        z = fourier.crop_axis(z, z.ndim - ndim + a, n, n_out)
    return z * z.dtype.type(math.prod(out_shape) / math.prod(spatial_shape))


def spectral_crop_adjoint(g, spatial_shape, out_shape):
    ndim = len(spatial_shape)
    for a, (n, n_out) in enumerate(zip(spatial_shape, out_shape)):
        g = fourier.crop_axis_adjoint(g, g.ndim - ndim + a, n, n_out)
    return g * g.dtype.type(math.prod(out_shape) / math.prod(spatial_shape))
