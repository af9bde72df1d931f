"""Toom-Cook F(m, r): the z-transform at real points, on tiles (THEORY.md §9(c)(i)).

The seed paper's "Laplace domain" evaluates a sequence's transform at real
points so that convolution becomes a pointwise product. Discretely that is
Toom-Cook / Winograd minimal filtering: for alpha = m + r - 1 points p_i (one
of them may be infinity, ``INF``), with the Vandermonde matrices

    Va (alpha x m), Vg (alpha x r), V (alpha x alpha),   row i = [1, p_i, p_i^2, ...],
    the row for infinity = [0, ..., 0, 1] (the leading coefficient),

linear convolution is c = V^{-1} [(Va a) * (Vg g)], and its transpose gives
the m outputs of a CNN correlation y[i] = sum_j d[i+j] g[j] from an input
tile d of length alpha:

    AT = Va^T (m x alpha),  G = Vg (alpha x r),  BT = V^{-T} (alpha x alpha),
    1D: y = AT [(G g) * (BT d)]
    2D: Y = AT [(G g G^T) * (BT d BT^T)] AT^T.

The matrices are *generated* from the points in exact rational arithmetic
(:mod:`fractions`; a float point is taken at its exact binary value) and only
then rounded to the working dtype, so the only error left is the one the
point set itself causes. cond(V) alone understates it (the seed's points
e^{-p} in (0, 1) at F(2, 3): cond 428, float32 error 3e-3, not 428 eps): the
rounding errors of the three transforms grow by about (a componentwise bound,
up to small constants)

    growth = max_i sum_j |AT_ij| (sum_l |G_jl|) (sum_k |BT_jk|) / r

per axis (inputs bounded by 1, relative to the r taps of a direct output),
so :meth:`ToomCook.error_estimate` = growth^ndim * eps.
The whole-signal helpers at the end solve the interpolation in floating point
instead, to show where real-point inversion breaks down.

Plain arrays in and out; the autograd wrapping is :mod:`freqnet.ops.laplace`.
"""
import math
import warnings
from fractions import Fraction

from .. import backend

np = backend.numpy

#: The point at infinity (its Vandermonde row is [0, ..., 0, 1]).
INF = math.inf

#: Default finite points, in the order they are taken (THEORY.md §9 table:
#: m=2 -> 0,+-1; m=4 -> 0,+-1,+-1/2 (cond 23.5, better than +-2's 305);
#: m=6 -> 0,+-1,+-1/2,+-2), then infinity. +-3/2 comes next: for alpha = 10
#: (F(6, 5)) it gives cond 1.7e4 where +-1/4 gives 1.3e5 and +-4 4.7e7.
_DEFAULT_FINITE = (0, 1, -1, Fraction(1, 2), Fraction(-1, 2), 2, -2,
                   Fraction(3, 2), Fraction(-3, 2), Fraction(1, 4), Fraction(-1, 4),
                   Fraction(3, 4), Fraction(-3, 4), 4, -4, Fraction(2, 3), Fraction(-2, 3),
                   3, -3)

#: Estimated relative error (growth^ndim * unit round-off) above which a point
#: set is reported as ill-conditioned for that dtype (< 3 digits kept).
ILL_CONDITIONED_LOSS = 1e-3


class IllConditionedPointsWarning(UserWarning):
    """A Toom-Cook point set whose interpolation loses most of the digits of a dtype."""


def _as_point(p):
    """A point as a Fraction (exact; a float at its binary value) or INF."""
    if isinstance(p, str):
        if p.strip().lower() in ("inf", "+inf", "infinity"):
            return INF
        raise ValueError(f"Toom-Cook points must be real numbers or inf, got {p!r}")
    if isinstance(p, Fraction):
        return p
    if isinstance(p, bool) or not hasattr(p, "__float__"):
        raise ValueError(f"Toom-Cook points must be real numbers or inf, got {p!r}")
    if isinstance(p, int):
        return Fraction(p)
    value = float(p)
    if math.isnan(value):
        raise ValueError("Toom-Cook points must be real numbers or inf, got nan")
    if math.isinf(value):
        if value < 0:
            raise ValueError("Toom-Cook points: use +inf for the point at infinity, got -inf")
        return INF
    return Fraction(value)


def default_points(m, r=3):
    """alpha - 1 = m + r - 2 finite points from 0, +-1, +-1/2, +-2, +-3/2, ... plus inf."""
    alpha = _check_sizes(m, r)
    if alpha - 1 > len(_DEFAULT_FINITE):
        raise ValueError(
            f"no default point set for alpha = m + r - 1 = {alpha}; give points=... "
            f"({alpha} distinct reals, one may be inf)")
    return tuple(Fraction(p) for p in _DEFAULT_FINITE[:alpha - 1]) + (INF,)


def _check_sizes(m, r):
    for name, v in (("tile m", m), ("kernel size r", r)):
        if not isinstance(v, int) or isinstance(v, bool) or v < 1:
            raise ValueError(f"Toom-Cook F(m, r): {name} must be a positive integer, got {v!r}")
    return m + r - 1


def check_points(points, alpha):
    """``points`` as exact values; errors for a wrong count or a repeated point."""
    pts = tuple(_as_point(p) for p in points)
    if len(pts) != alpha:
        raise ValueError(
            f"Toom-Cook needs exactly alpha = m + r - 1 = {alpha} distinct points, "
            f"got {len(pts)}: {format_points(pts)}")
    seen = set()
    for p in pts:
        key = "inf" if p is INF else p
        if key in seen:
            raise ValueError(
                f"Toom-Cook points must be distinct (the Vandermonde matrix is singular "
                f"otherwise); {format_point(p)} is repeated in {format_points(pts)}")
        seen.add(key)
    return pts


def format_point(p):
    if p is INF:
        return "inf"
    return str(p) if p.denominator < 1000 else f"{float(p):.6g}"


def format_points(points):
    return "(" + ", ".join(format_point(p) for p in points) + ")"


def vandermonde(points, ncols):
    """Exact Vandermonde rows [1, p, ..., p^(ncols-1)]; [0, ..., 0, 1] for inf."""
    rows = []
    for p in points:
        if p is INF:
            rows.append([Fraction(0)] * (ncols - 1) + [Fraction(1)])
        else:
            rows.append([p ** j for j in range(ncols)])
    return rows


def exact_inverse(matrix):
    """Inverse of a square matrix of Fractions by Gauss-Jordan elimination."""
    n = len(matrix)
    a = [list(row) + [Fraction(int(i == j)) for j in range(n)] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = next((i for i in range(col, n) if a[i][col] != 0), None)
        if pivot is None:
            raise ValueError("singular Vandermonde matrix (repeated points)")
        a[col], a[pivot] = a[pivot], a[col]
        inv = 1 / a[col][col]
        a[col] = [v * inv for v in a[col]]
        for i in range(n):
            if i != col and a[i][col] != 0:
                f = a[i][col]
                a[i] = [v - f * w for v, w in zip(a[i], a[col])]
    return [row[n:] for row in a]


def _to_float(rows):
    return np.array([[float(v) for v in row] for row in rows], dtype=np.float64)


def _transpose(rows):
    return [list(col) for col in zip(*rows)]


class ToomCook:
    """The transforms of F(m, r) generated from ``points`` (THEORY.md §9(c)(i)).

    Attributes: ``m``, ``r``, ``alpha``, ``points`` (exact), ``AT`` (m x alpha),
    ``G`` (alpha x r), ``BT`` (alpha x alpha) as float64 NumPy arrays rounded
    once from exact rationals, ``condition`` = cond_2(V), and ``growth``, the
    per-axis factor by which the transforms can amplify rounding errors
    (module docstring).
    """

    def __init__(self, m, r, points=None):
        self.alpha = _check_sizes(m, r)
        self.m, self.r = m, r
        self.points = check_points(default_points(m, r) if points is None else points, self.alpha)
        v = vandermonde(self.points, self.alpha)
        self.AT = _to_float(_transpose(vandermonde(self.points, m)))
        self.G = _to_float(vandermonde(self.points, r))
        self.BT = _to_float(_transpose(exact_inverse(v)))
        self.condition = float(np.linalg.cond(_to_float(v)))
        at, g, bt = np.abs(self.AT), np.abs(self.G), np.abs(self.BT)
        self.growth = float((at @ (g.sum(axis=1) * bt.sum(axis=1))).max() / r)
        self._cache = {}
        self._warned = set()

    def matrices(self, dtype, like=None):
        """(AT, G, BT) as arrays of ``dtype`` on the device of ``like`` (cached)."""
        xp = backend.array_module(like) if like is not None else np
        key = (np.dtype(dtype).name, xp.__name__)
        if key not in self._cache:
            self._cache[key] = tuple(xp.asarray(a, dtype=dtype) for a in (self.AT, self.G, self.BT))
        return self._cache[key]

    def error_estimate(self, dtype, ndim=2):
        """growth^ndim * eps(dtype): about the largest relative error of an ndim-D
        tiled correlation in ``dtype`` (measured errors lie 4-60x below it)."""
        return self.growth ** ndim * float(np.finfo(np.dtype(dtype)).eps)

    def check_precision(self, dtype, ndim=2, stacklevel=3):
        """Warn (once per dtype and ndim) when error_estimate > ILL_CONDITIONED_LOSS."""
        dt = np.dtype(dtype)
        estimate = self.error_estimate(dt, ndim)
        if estimate > ILL_CONDITIONED_LOSS and (dt.name, ndim) not in self._warned:
            self._warned.add((dt.name, ndim))
            warnings.warn(
                f"Toom-Cook F({self.m}, {self.r}) with points {format_points(self.points)} is "
                f"ill-conditioned for {dt.name}: cond(V) = {self.condition:.3g}; its transforms "
                f"amplify rounding by up to {self.growth:.3g} per axis, so in {ndim}D expect "
                f"errors up to about growth^{ndim} * eps = {estimate:.2g} relative; use points "
                f"closer to 0, +-1, +-1/2, inf, a smaller tile, or float64",
                IllConditionedPointsWarning, stacklevel=stacklevel)

    def multiplies_per_output(self, ndim=2):
        """Pointwise multiplies per output: (alpha/m)^ndim (direct: r^ndim)."""
        return (self.alpha / self.m) ** ndim

    def __repr__(self):
        return (f"ToomCook(m={self.m}, r={self.r}, points={format_points(self.points)}, "
                f"cond={self.condition:.3g}, growth={self.growth:.3g})")


def toom_cook(m, r, points=None):
    """The :class:`ToomCook` transforms of F(m, r) (``points=None``: the defaults)."""
    return ToomCook(m, r, points)


# --------------------------------------------------------------------------
# Tiled 'valid' correlation over the trailing d = len(plans) axes, with the
# channel contraction as one GEMM per transformed point (DESIGN.md §7).
# Layouts (P = prod(alpha), points ordered i_d, ..., i_1; T = tiles):
#   input x (B, C, S_1..S_d), S_a = T_a m_a + r_a - 1    weight w (O, C, r_1..r_d)
#   U (P, C, B, T_1..T_d)    W (P, O, C)    M = W U (P, O, B, T_1..T_d)
#   output (B, O, T_1 m_1, ..., T_d m_d)
# Every transform is one GEMM whose contracted axis leads, so the point axes
# pile up in front, the channel GEMMs are P large ones, and the big arrays
# are transposed once (when the input tiles are first copied out, and when
# the output tiles are put back in place).

def tile_counts(spatial, plans):
    """Tiles per axis for a 'valid' correlation of ``spatial`` sizes, and the padded sizes."""
    counts, padded = [], []
    for n, tc in zip(spatial, plans):
        t = -(-(n - tc.r + 1) // tc.m)
        counts.append(t)
        padded.append(t * tc.m + tc.r - 1)
    return tuple(counts), tuple(padded)


def _lead_matmul(mat, arr, lead=0):
    """Apply ``mat`` (n x k) to axis ``lead`` of ``arr``, where axes < lead are batch."""
    shape = arr.shape
    batch = int(np.prod(shape[:lead]))
    out = mat @ arr.reshape(batch, shape[lead], -1)
    return out.reshape(shape[:lead] + (mat.shape[0],) + shape[lead + 1:])


def _windows_first(x, axis, size, step, count):
    """Copy of the windows of ``x`` along ``axis``: window position first, tiles at ``axis``."""
    xp = backend.array_module(x)
    shape = (size,) + x.shape[:axis] + (count,) + x.shape[axis + 1:]
    strides = (x.strides[axis],) + x.strides[:axis] + (x.strides[axis] * step,) + x.strides[axis + 1:]
    return xp.ascontiguousarray(xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides))


def transform_input(x, plans):
    """U = BT d BT^T on every tile: (B, C, S_1..S_d) -> (P, C, B, T_1..T_d)."""
    counts, _ = tile_counts(x.shape[-len(plans):], plans)
    u = x.swapaxes(0, 1)                 # (C, B, ...): the first window copy transposes
    for a, (tc, t) in enumerate(zip(plans, counts)):
        # u: (i_a..i_1, C, B, T_1..T_a, S_a+1, ...); the S axis to tile sits at 2a + 2
        u = _lead_matmul(tc.matrices(x.dtype, x)[2], _windows_first(u, 2 * a + 2, tc.alpha, tc.m, t))
    return u.reshape((-1,) + u.shape[len(plans):])


def transform_input_adjoint(gu, plans, counts):
    """Adjoint of :func:`transform_input`: BT^T gU BT per tile, overlap-added over tiles.

    (P, C, B, T_1..T_d) -> (B, C, S_1..S_d) with S_a = T_a m_a + r_a - 1.
    """
    g = gu.reshape(tuple(tc.alpha for tc in reversed(plans)) + gu.shape[1:])
    for a in reversed(range(len(plans))):
        tc = plans[a]
        g = _lead_matmul(tc.matrices(gu.dtype, gu)[2].T, g)   # (j, i_a..i_1, C, B, T_1..T_a+1, S..)
        g = _overlap_add(g, 2 * a + 3, tc, counts[a])
    return g.swapaxes(0, 1)


def _overlap_add(g, tile_axis, tc, count):
    """Fold (alpha, ..., T at ``tile_axis``, ...) into (..., T m + r - 1, ...), dropping the lead.

    Tile t, window position j = q m + s lands on (t + q) m + s: one add of a
    contiguous slab per window position (a loop over alpha, never over tiles).
    """
    xp = backend.array_module(g)
    m = tc.m
    chunks = -(-tc.alpha // m)
    lead, tail = g.shape[1:tile_axis], g.shape[tile_axis + 1:]
    out = xp.zeros(lead + (count + chunks - 1, m) + tail, dtype=g.dtype)
    idx = (slice(None),) * (tile_axis - 1)
    for j in range(tc.alpha):
        q, s = divmod(j, m)
        out[idx + (slice(q, q + count), s)] += g[j]
    out = out.reshape(lead + ((count + chunks - 1) * m,) + tail)
    return out[idx + (slice(0, count * m + tc.r - 1),)]


def transform_weight(w, plans):
    """W = G g G^T per (out, in) pair: (O, C, r_1..r_d) -> (P, O, C)."""
    xp = backend.array_module(w)
    o, c = w.shape[:2]
    for a, tc in enumerate(plans):
        # w: (i_a..i_1, O, C, r_a+1..r_d): contract the next kernel axis, its point axis leads
        w = xp.tensordot(tc.matrices(w.dtype, w)[1], w, axes=([1], [a + 2]))
    return xp.ascontiguousarray(w.reshape((-1, o, c)))


def weight_adjoint(gw, plans):
    """Adjoint of :func:`transform_weight`: G^T gW G, (P, O, C) -> (O, C, r_1..r_d)."""
    xp = backend.array_module(gw)
    g = gw.reshape(tuple(tc.alpha for tc in reversed(plans)) + gw.shape[1:])
    for a in reversed(range(len(plans))):
        # g: (i_a..i_1, O, C, r_a+1..r_d): contract the leading i_a, put r_a after C
        g = xp.tensordot(plans[a].matrices(gw.dtype, gw)[1].T, g, axes=([1], [0]))
        g = xp.moveaxis(g, 0, a + 2)
    return g


def channel_mix(wt, u):
    """M = W U per point: (P, O, C) @ (P, C, B, T..) -> (P, O, B, T..), P GEMMs."""
    p, c = u.shape[:2]
    return (wt @ u.reshape(p, c, -1)).reshape((p, wt.shape[1]) + u.shape[2:])


def transform_output(mm, plans):
    """Y = AT M AT^T: (P, O, B, T_1..T_d) -> (B, O, T_1 m_1, ..., T_d m_d)."""
    d = len(plans)
    o, b = mm.shape[1:3]
    counts = mm.shape[3:]
    y = mm.reshape(tuple(tc.alpha for tc in reversed(plans)) + mm.shape[1:])
    for k, tc in enumerate(reversed(plans)):                  # i_d first
        y = _lead_matmul(tc.matrices(mm.dtype, mm)[0], y, k)
    # (m_d..m_1, O, B, T_1..T_d) -> (B, O, T_1, m_1, ..., T_d, m_d)
    order = (d + 1, d) + tuple(x for a in range(d) for x in (d + 2 + a, d - 1 - a))
    return y.transpose(order).reshape((b, o) + tuple(t * tc.m for t, tc in zip(counts, plans)))


def transform_output_adjoint(gy, plans, counts):
    """gM = AT^T gY AT on every output tile: (B, O, T_1 m_1, ...) -> (P, O, B, T_1..T_d)."""
    xp = backend.array_module(gy)
    d = len(plans)
    b, o = gy.shape[:2]
    g = gy.reshape((b, o) + tuple(x for t, tc in zip(counts, plans) for x in (t, tc.m)))
    # -> (m_d..m_1, O, B, T_1..T_d)
    order = tuple(3 + 2 * a for a in reversed(range(d))) + (1, 0) + tuple(2 + 2 * a for a in range(d))
    g = xp.ascontiguousarray(g.transpose(order))
    for k, tc in enumerate(reversed(plans)):
        g = _lead_matmul(tc.matrices(gy.dtype, gy)[0].T, g, k)
    return g.reshape((-1,) + g.shape[d:])


def correlate_valid(x, w, plans):
    """Tiled 'valid' CNN correlation y[b,o,n] = sum_{c,j} x[b,c,n+j] w[o,c,j] (1D or 2D).

    ``plans``: one :class:`ToomCook` per spatial axis. Returns (y, U, W) with
    U, W the transformed input and weight (kept for the backward pass).
    """
    xp = backend.array_module(x)
    counts, padded = tile_counts(x.shape[2:], plans)
    outputs = tuple(n - tc.r + 1 for n, tc in zip(x.shape[2:], plans))
    if padded != x.shape[2:]:
        x = xp.pad(x, ((0, 0), (0, 0)) + tuple((0, p - n) for p, n in zip(padded, x.shape[2:])))
    u = transform_input(x, plans)
    wt = transform_weight(w, plans)
    y = transform_output(channel_mix(wt, u), plans)
    return y[(Ellipsis,) + tuple(slice(0, n) for n in outputs)], u, wt


# --------------------------------------------------------------------------
# Whole-signal (un-tiled) evaluation and interpolation, in floating point:
# THEORY.md §9 "whole-signal real-point evaluation does not scale".

def chebyshev_points(count):
    """Chebyshev nodes cos((2i+1) pi / (2 count)), i < count (floats)."""
    return tuple(math.cos((2 * i + 1) * math.pi / (2 * count)) for i in range(count))


def decay_points(count):
    """The seed's real positive p: t = e^{-p} equispaced in (0, 1), t_i = (i+1)/(count+1)."""
    return tuple((i + 1) / (count + 1) for i in range(count))


def power_points(count):
    """0, +-1, +-2, +-1/2, +-4, +-1/4, ... (count of them)."""
    pts = [Fraction(0)]
    k = 0
    while len(pts) < count:
        for v in (Fraction(2) ** k, Fraction(1, 2 ** k) if k else None):
            if v is not None:
                pts.extend([v, -v])
        k += 1
    return tuple(pts[:count])


def condition_bounds(points):
    """Rigorous bounds (low, high) on the 2-norm condition number of the square
    Vandermonde matrix of ``points``, from its exact infinity-norm condition
    number (rational arithmetic): cond_inf / n <= cond_2 <= n cond_inf. Unlike
    a float64 estimate, these hold beyond 1/eps (THEORY.md §9c(i))."""
    n = len(points)
    v = vandermonde(check_points(points, n), n)
    norm = lambda a: max(sum(abs(x) for x in row) for row in a)  # noqa: E731
    cond_inf = norm(v) * norm(exact_inverse(v))
    if cond_inf.numerator.bit_length() - cond_inf.denominator.bit_length() > 1000:
        return math.inf, math.inf                   # beyond any float
    return float(cond_inf / n), float(cond_inf * n)


def whole_signal_convolution(a, g, points, dtype="float64"):
    """Linear convolution of two sequences through their values at real points.

    Evaluates both polynomials at the len(a)+len(g)-1 ``points`` and solves the
    Vandermonde system V c = (Va a)(Vg g) in ``dtype`` (no tiling). Returns
    (c, cond(V)).
    """
    n = len(a) + len(g) - 1
    pts = check_points(points, n)
    v = _to_float(vandermonde(pts, n)).astype(dtype)
    va = _to_float(vandermonde(pts, len(a))).astype(dtype)
    vg = _to_float(vandermonde(pts, len(g))).astype(dtype)
    values = (va @ np.asarray(a, dtype)) * (vg @ np.asarray(g, dtype))
    with np.errstate(all="ignore"):
        cond = float(np.linalg.cond(v.astype(np.float64)))
        try:
            c = np.linalg.solve(v, values)
        except np.linalg.LinAlgError:
            c = np.full(n, np.inf, dtype=dtype)
    return c, cond
