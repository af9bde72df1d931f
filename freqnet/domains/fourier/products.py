"""Products of Fourier spectra: polynomial activations with no transform (THEORY.md §4c, §5).

Plain arrays, no autograd (the Function is
:class:`freqnet.domains.common.PolynomialActivation`).

* :func:`spectral_bound`: r = (1/N) sum_k d_k |X_k| >= max_n |x[n]| (§4c).
* :func:`spectral_convolve`: the half spectrum of (E a) (*) (E b), the
  circular convolution of two extended spectra (E: :func:`hermitian_extend`,
  the full spectrum exactly as ``irfftn`` reads a half spectrum), by the
  direct O(N * H(W/2+1)) sum of §5, as batched matmuls (no transform; an FFT
  evaluation of the same sum would be a round trip through space). So every
  function here is the exact spectral form of its spatial twin for ANY
  complex half spectrum, and its gradient equals the spatial one mapped by
  THEORY §0.
* :func:`polynomial_forward` / :func:`polynomial_backward`:
  DFT(sum_j a_j x^j) = a0 N delta + a1 X + (a2/N) X(*)X + (a3/N^2) X(*)X(*)X + ...,
  and its exact adjoint (below).

Backward (THEORY §5 with the adjoint of the mirror folded in). With
D = DFT(p'(x)) = a1 N delta + 2 a2 X + 3 a3 (X(*)X)/N + ..., the gradient with
respect to the full spectrum is grad_Xf[j] = (1/N) sum_k G[k] conj(D[k-j]).
Pushing that through the adjoint of :func:`hermitian_extend` (for v > W/2:
grad_X[(-u) mod H, W-v] += conj(grad_Xf[u, v]); the self-conjugate columns
take the Hermitian part) and using that D is Hermitian gives

    grad_X_half = (d_v / N) * half( E(G / d_v) (*) E(D) ),

one spectral convolution whatever the degree. It equals the spatial rule
grad_x = p'(x) g mapped to the spectrum (THEORY §0).
"""
import functools

from ... import backend
from .maths import hermitian_extend, hermitian_project, multiplicity

# -- spectral bound ----------------------------------------------------------------

def spectral_bound(x_half, spatial_shape):
    """Per-map r = (1/N) sum_k d_k |X_k| over the spectral axes (THEORY §4c).

    ``x_half``: (..., *half_shape) with ``len(spatial_shape)`` spectral axes.
    Returns the real array (...) with r >= max_n |x[n]| for a real signal x.
    """
    xp = backend.array_module(x_half)
    ndim = len(spatial_shape)
    n_total = 1
    for n in spatial_shape:
        n_total *= n
    d = multiplicity(spatial_shape[-1], xp=xp, dtype=x_half.real.dtype)
    return (xp.abs(x_half) * d).sum(axis=tuple(range(-ndim, 0))) / n_total


# -- Hermitian extension and the direct spectral convolution ------------------------

def _split(n):
    """The smallest divisor q of n with q * q >= n (n itself when n is prime)."""
    q = int(n ** 0.5)
    while q * q < n:
        q += 1
    while n % q:
        q += 1
    return q


@functools.lru_cache(maxsize=64)
def _plan(spatial_shape):
    """Index tables of the direct convolution (see :class:`_Convolver`), cached.

    The full spectrum is viewed as a P x Q grid: (H, W) in 2D; in 1D the
    length N = P Q is folded row-major, with Q = :func:`_split` (N), and
    index k - m borrows a row when kr < mr. Returns P, Q, the output columns
    Q_out and rows P_out computed, the flat gather indices of
    b_matrix[mv, u, kv] = B[(u - borrow) mod P, (kv - mv) mod Q] and of the
    row sum (ku, mu) -> (mu, (ku - mu) mod P).
    """
    np = backend.numpy
    if len(spatial_shape) == 2:
        p, q = spatial_shape
        q_out, p_out, borrow = q // 2 + 1, p, False
    else:
        n = spatial_shape[0]
        q = _split(n)
        p, q_out, p_out, borrow = n // q, q, (n // 2) // q + 1, True
    kv = np.arange(q_out)[None, None, :]
    mv = np.arange(q)[:, None, None]
    rows = np.arange(p)[None, :, None] - ((kv < mv) if borrow else 0)
    shift_v = (rows % p) * q + (kv - mv) % q                            # (mv, u, kv)
    mu = np.arange(p)[None, :]
    shift_u = mu * p + (np.arange(p_out)[:, None] - mu) % p             # (ku, mu)
    return p, q, q_out, p_out, shift_v, shift_u


@backend.device_constant
def _plan_shifts(spatial_shape, which):
    """Entry ``which`` (4: shift_v, 5: shift_u) of :func:`_plan`, on a device."""
    return _plan(spatial_shape)[which]


class _Convolver:
    """Half spectrum of (E a) (*) (E b) for a fixed b, many a (THEORY §5).

    2D: Y[ku, kv] = sum_{mu, mv} A[mu, mv] B[(ku-mu) mod H, (kv-mv) mod W], kv <= W/2:
    first P[mu, u, kv] = sum_mv A[mu, mv] B[u, (kv-mv) mod W] (one batched matmul,
    N * H(W/2+1) complex multiply-adds per map), then Y[ku] = sum_mu P[mu, ku-mu].
    1D: the same on the length folded into a P x Q grid (:func:`_plan`), so the
    gathered matrix holds N Q entries per map instead of the N^2/2 of a
    Toeplitz matrix; the matmul then costs N^2 multiply-adds per map.
    """

    def __init__(self, b_half, spatial_shape):
        xp = self.xp = backend.array_module(b_half)
        self.spatial_shape = tuple(spatial_shape)
        self.out_shape = b_half.shape
        p, q, q_out, p_out, _, _ = _plan(self.spatial_shape)
        b_full = hermitian_extend(b_half, spatial_shape).reshape(-1, p * q)
        # b_matrix[mv, (u, kv)], C-contiguous (M, Q, P*Q_out) for BLAS
        shift_v = _plan_shifts(self.spatial_shape, 4, xp=xp)
        self.b_matrix = xp.take(b_full, shift_v, axis=1).reshape(-1, q, p * q_out)
        self.shift_u = _plan_shifts(self.spatial_shape, 5, xp=xp)
        self.grid = p, q, q_out, p_out

    def __call__(self, a_half):
        p, q, q_out, p_out = self.grid
        a_full = hermitian_extend(a_half, self.spatial_shape).reshape(-1, p, q)
        m = a_full.shape[0]
        rows = self.xp.matmul(a_full, self.b_matrix).reshape(m, p * p, q_out)  # (M, mu, u, kv)
        y = self.xp.take(rows, self.shift_u, axis=1).sum(axis=2)               # (M, ku, kv)
        if len(self.spatial_shape) == 1:
            y = y.reshape(m, p_out * q)[:, : self.out_shape[-1]]
        return y.reshape(self.out_shape)


def spectral_convolve(a_half, b_half, spatial_shape):
    """Half spectrum of the circular convolution of the extended spectra of
    ``a_half`` and ``b_half`` (the DFT of N * irfftn(a) * irfftn(b))."""
    if a_half.shape != b_half.shape:
        raise ValueError(f"spectral_convolve: shapes {a_half.shape} and {b_half.shape} differ")
    return _Convolver(b_half, spatial_shape)(a_half)


def _total(spatial_shape):
    n = 1
    for s in spatial_shape:
        n *= s
    return n


def _add_dc(y, value, ndim):
    y[(Ellipsis,) + (0,) * ndim] += value
    return y


def polynomial_forward(x_half, coefficients, spatial_shape):
    """Half spectrum of p(x) for x = irfftn(x_half) and p = sum_j a_j x^j,
    plus the half spectrum D of p'(x) that :func:`polynomial_backward` needs.

    Degree d costs d-1 spectral convolutions (THEORY §5, §11).
    """
    ndim = len(spatial_shape)
    n = _total(spatial_shape)
    a = [float(c) for c in coefficients]
    if len(a) < 2:
        raise ValueError(f"polynomial_forward needs coefficients a0, a1, ...; got {len(a)}")
    conv = _Convolver(x_half, spatial_shape)
    power = hermitian_project(x_half, spatial_shape)          # DFT(x^1), as irfftn reads it
    y = a[1] * power
    dp = (2 * a[2]) * power if len(a) > 2 else backend.array_module(power).zeros_like(power)
    for j in range(2, len(a)):
        power = conv(power) / n                             # DFT(x^j) = DFT(x^(j-1)) (*) X / N
        y += a[j] * power
        if j + 1 < len(a):
            dp += ((j + 1) * a[j + 1]) * power
    return _add_dc(y, a[0] * n, ndim), _add_dc(dp, a[1] * n, ndim)


def polynomial_backward(grad_half, dp_half, spatial_shape):
    """Exact adjoint: grad_X = (d_v/N) half(E(G/d_v) (*) E(D)) (module docstring)."""
    xp = backend.array_module(grad_half)
    n = _total(spatial_shape)
    d = multiplicity(spatial_shape[-1], xp=xp, dtype=grad_half.real.dtype)
    return spectral_convolve(grad_half / d, dp_half, spatial_shape) * (d / n)
