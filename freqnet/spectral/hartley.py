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
  map sizes of a CNN it runs on BLAS and costs about as much as an FFT.
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

Plain arrays in and out; the autograd wrapping is :mod:`freqnet.ops.hartley`.
"""
import functools
import math

from .. import backend

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


def dht(x, ndim=1, method="matrix"):
    """DHT over the last ``ndim`` (1 or 2) axes of a real array (true 2D)."""
    _check_axes(x, ndim, method)
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
    c_h, s_h, _, _ = cas_tables(x.shape[-2], x.dtype, x)
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
    """Rows of the DHT tables at the placed kernel taps (i - k//2) mod n (THEORY §1)."""
    xp = backend.array_module(like)
    rows = []
    for k, n in zip(kernel_shape, spatial_shape):
        taps = xp.asarray((np.arange(k) - k // 2) % n)
        rows.append(tuple(t[taps] for t in cas_tables(n, dtype, like)))   # (k, n) each
    return rows


def kernel_spectrum(w, spatial_shape):
    """DHT of the kernel ``w`` (..., k[, k]) placed on a ``spatial_shape`` map as in
    THEORY §1, from its k (x k) taps only: 1D w Cas[taps]; 2D
    C[taps]^T w Cas[taps] + S[taps]^T w Cas'[taps] (the tables are symmetric)."""
    ndim = len(spatial_shape)
    tables = _tap_tables(w.shape[-ndim:], spatial_shape, w.dtype, w)
    if ndim == 1:
        return w @ tables[0][2]
    (c_h, s_h, _, _), (_, _, cas_w, casm_w) = tables
    return c_h.T @ (w @ cas_w) + s_h.T @ (w @ casm_w)


def kernel_spectrum_adjoint(g, kernel_shape):
    """Adjoint of :func:`kernel_spectrum`: the taps of DHT(g) at the kernel positions."""
    ndim = len(kernel_shape)
    spatial_shape = g.shape[-ndim:]
    tables = _tap_tables(kernel_shape, spatial_shape, g.dtype, g)
    if ndim == 1:
        return g @ tables[0][2].T
    (c_h, s_h, _, _), (_, _, cas_w, casm_w) = tables
    return c_h @ (g @ cas_w.T) + s_h @ (g @ casm_w.T)


def parseval_weights(spatial_shape, xp, dtype):
    """1/N on every bin: sum_n x[n] y[n] = (1/N) sum_k X[k] Y[k]."""
    return xp.full((1,) * len(spatial_shape), 1.0 / math.prod(spatial_shape), dtype=dtype)


# --------------------------------------------------------------------------
# products and polynomials on spectra (no transform: O(N^2) per map)

@functools.lru_cache(maxsize=None)
def _difference_index(spatial_shape):
    """idx[m, q] = flat index of (q - m) mod shape, for flattened m and q."""
    grids = np.meshgrid(*[np.arange(n) for n in spatial_shape], indexing="ij")
    coords = [g.reshape(-1) for g in grids]
    diff = [(c[None, :] - c[:, None]) % n for c, n in zip(coords, spatial_shape)]
    return np.ravel_multi_index(diff, spatial_shape)


class ProductWith:
    """DHT(x * y) from Y, for a fixed x given by its spectrum X (many y):

        Z = (1/N) [X (*) Ye + X^- (*) Yo] = (1/N) [Ye, Yo] @ [circ(X); circ(X^-)],

    with circ(A)[m, q] = A[q - m] (circular convolution of spectra as one
    batched matmul; 2 N^2 multiply-adds per map, no transform)."""

    def __init__(self, hx, spatial_shape):
        xp = backend.array_module(hx)
        self.spatial_shape = tuple(spatial_shape)
        self.ndim = len(self.spatial_shape)
        self.n = math.prod(self.spatial_shape)
        lead = hx.shape[:-self.ndim]
        idx = xp.asarray(_difference_index(self.spatial_shape))
        flat = xp.concatenate([hx.reshape(lead + (1, self.n)),
                               reverse(hx, self.ndim).reshape(lead + (1, self.n))], axis=-2)
        self.matrix = flat[..., idx].reshape(lead + (2 * self.n, self.n))     # (..., 2N, N)

    def __call__(self, hy):
        ye, yo = even_odd(hy, self.ndim)
        lead = hy.shape[:-self.ndim]
        both = backend.array_module(hy).concatenate(
            [ye.reshape(lead + (1, self.n)), yo.reshape(lead + (1, self.n))], axis=-1)
        z = backend.array_module(hy).matmul(both, self.matrix) / hy.dtype.type(self.n)
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
    box = np.zeros(spatial_shape)
    box[tuple(slice(0, s) for _ in spatial_shape)] = 1.0 / s ** len(spatial_shape)
    return xp.asarray(dht(box, len(spatial_shape)), dtype=dtype)


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
