"""Polynomials of a signal evaluated on bands of its Fourier spectrum (THEORY.md §5b).

Plain arrays, no autograd (the Function is
:class:`freqnet.domains.fourier.functions.BandPolynomialFunction`).

A *band* is, per axis, a tuple of signed frequencies: ``|k| < m`` (``m``
modes) or the whole axis (:func:`axis_band`). A half spectrum on a grid of
spatial shape ``s`` is read on a band as its Hermitian extension
(:func:`read_band`); products of spectra are direct convolution sums over
the bands (:func:`band_convolve`), computing only the output bins asked
for; the result is written back onto a half spectrum (:func:`write_band`).
Nothing is transformed. Two index rules:

* ``wrap=True`` (circular): frequencies add modulo the grid. With full
  bands the result is exactly DFT(p(x)) of the samples (the rule of
  :mod:`freqnet.domains.fourier.products`), and the energy that a degree-d
  polynomial pushes past the grid's band folds back (aliasing).
* ``wrap=False`` (alias-free): frequencies add as integers: the polynomial
  of the band-limited trigonometric interpolant of x, whose spectrum (d
  times as wide) is then cut to the output band, which never reaches
  +-n/2. An even axis's Nyquist bin is read split in halves at +-n/2 (the
  real interpolant). Nothing folds.

A sum over bands costs |a rows| |a cols| |b rows| |out cols| complex
multiply-adds per map (:func:`band_convolve`), against N H (W/2 + 1) on
the full grid (THEORY §11): a narrow output band is cheap.

Every linear map here sits beside its adjoint (THEORY.md §0 convention).
"""
import functools

from ... import backend
from .maths import hermitian_project

_np = backend.numpy


# -- bands -------------------------------------------------------------------------------

def axis_band(n, modes=None, wrap=True, output=False):
    """Signed frequencies of an axis of size ``n``: ``|k| < modes``, or all.

    All (``modes`` None or reaching the Nyquist bin): the residues
    -(n-1)//2 .. n//2 when ``wrap``; without wrap, an input band of an even
    axis holds both +-n/2 (the split Nyquist bin) and an output band stops
    at |k| < n/2.
    """
    top = n // 2
    if modes is not None and modes - 1 < top:
        return tuple(range(-(modes - 1), modes))
    if wrap:
        return tuple(range(-((n - 1) // 2), top + 1))
    if output:
        return tuple(range(-((n - 1) // 2), (n + 1) // 2))
    return tuple(range(-top, top + 1))


def half_band(band):
    """The non-negative frequencies of a band (the columns a half spectrum stores)."""
    return tuple(k for k in band if k >= 0)


def sum_band(a, b, n, wrap):
    """The band of all sums i + j (i in a, j in b); with ``wrap``, at most
    the n residues of the axis."""
    lo, hi = a[0] + b[0], a[-1] + b[-1]
    if wrap and hi - lo + 1 >= n:
        return axis_band(n, None, True)
    return tuple(range(lo, hi + 1))


def grid(spatial_shape):
    """(H, W) of a 1D (H = 1) or 2D map."""
    if len(spatial_shape) == 1:
        return 1, int(spatial_shape[0])
    return int(spatial_shape[0]), int(spatial_shape[1])


def _positions(values, band, n, wrap):
    """Index in ``band`` of each value (mod n when ``wrap``); len(band) where absent."""
    key = (lambda k: k % n) if wrap else (lambda k: k)
    where = {key(k): i for i, k in enumerate(band)}
    flat = [where.get(key(int(v)), len(band)) for v in _np.ravel(values)]
    return _np.array(flat, dtype=_np.intp).reshape(_np.shape(values))


# -- the convolution sum over bands, and its adjoint ---------------------------------------

@backend.device_constant
def _column_index(a_cols, b_rows, b_cols, out_cols, w, wrap):
    """(|a cols|, |b rows| |out cols|): flat position of B[u, kv - mv] in b's
    plane with one zero column appended (absent bins read the zero)."""
    col = _positions(_np.array(out_cols)[None, :] - _np.array(a_cols)[:, None], b_cols, w, wrap)
    rows = _np.arange(len(b_rows))[None, :, None] * (len(b_cols) + 1)
    return (rows + col[:, None, :]).reshape(len(a_cols), -1)


@backend.device_constant
def _row_index(a_rows, b_rows, out_rows, h, wrap):
    """(|out rows| |a rows|,): flat position of (mu, ku - mu) in the stage-1
    product, whose b-row axis is zero-padded by one."""
    diff = _np.array(out_rows)[:, None] - _np.array(a_rows)[None, :]
    row = _positions(diff, b_rows, h, wrap)
    return (_np.arange(len(a_rows))[None, :] * (len(b_rows) + 1) + row).ravel()


def band_convolve(a, b, a_band, b_band, out_band, spatial_shape, wrap):
    """Y[k] = sum_{m in a_band} A[m] B[k - m] for k in ``out_band`` (B is 0 off its band).

    ``a``: (M, |a rows|, |a cols|) values on ``a_band`` = (rows, cols);
    ``b`` likewise on ``b_band``; returns (M, |out rows|, |out cols|).
    Stage 1: P[mu, u, kv] = sum_mv A[mu, mv] B[u, kv - mv] (a batched matmul);
    stage 2: Y[ku, kv] = sum_mu P[mu, ku - mu, kv] (a gather and a sum).
    """
    xp = backend.array_module(a)
    (ar, ac), (br, bc), (orows, ocols) = a_band, b_band, out_band
    h, w = grid(spatial_shape)
    m = a.shape[0]
    cols = _column_index(ac, br, bc, ocols, w, wrap, xp=xp)
    rows = _row_index(ar, br, orows, h, wrap, xp=xp)
    bp = xp.concatenate([b, xp.zeros((m, len(br), 1), dtype=b.dtype)], axis=2)
    b_matrix = xp.take(bp.reshape(m, -1), cols, axis=1)                 # (M, |a cols|, |b rows| |out cols|)
    p = xp.matmul(a, b_matrix).reshape(m, len(ar), len(br), len(ocols))
    p = xp.concatenate([p, xp.zeros((m, len(ar), 1, len(ocols)), dtype=p.dtype)], axis=2)
    p = p.reshape(m, len(ar) * (len(br) + 1), len(ocols))
    y = xp.take(p, rows, axis=1).reshape(m, len(orows), len(ar), len(ocols))
    return y.sum(axis=2)


def band_correlate(g, b, g_band, b_band, out_band, spatial_shape, wrap):
    """grad_A[m] = sum_{k in g_band} G[k] conj(B[k - m]) for m in ``out_band``:
    the adjoint of A -> A (*) B (:func:`band_convolve`), a convolution with
    B~[j] = conj(B[-j]) on the negated band."""
    rows, cols = b_band
    flipped = b[:, ::-1, ::-1].conj()
    negated = (tuple(-k for k in rows[::-1]), tuple(-k for k in cols[::-1]))
    return band_convolve(g, flipped, g_band, negated, out_band, spatial_shape, wrap)


@backend.device_constant
def _restrict_index(a_band, out_band, h, w, wrap):
    """Flat position in the (|a rows|+1, |a cols|+1) zero-padded band of each
    bin of ``out_band`` (absent bins: the padding)."""
    rows = _positions(out_band[0], a_band[0], h, wrap)
    cols = _positions(out_band[1], a_band[1], w, wrap)
    return (rows[:, None] * (len(a_band[1]) + 1) + cols[None, :]).ravel()


def restrict(a, a_band, out_band, spatial_shape, wrap):
    """The values of A (on ``a_band``, 0 off it) at the bins of ``out_band``."""
    xp = backend.array_module(a)
    m = a.shape[0]
    index = _restrict_index(a_band, out_band, *grid(spatial_shape), wrap, xp=xp)
    padded = xp.zeros((m, len(a_band[0]) + 1, len(a_band[1]) + 1), dtype=a.dtype)
    padded[:, :-1, :-1] = a
    return xp.take(padded.reshape(m, -1), index, axis=1).reshape(
        m, len(out_band[0]), len(out_band[1]))


def restrict_adjoint(g, a_band, out_band, spatial_shape, wrap):
    """Adjoint of :func:`restrict`: ``g`` placed into zeros on ``a_band``. The
    distinct bins of ``out_band`` land on distinct bins of ``a_band``, or all on
    the padding, which is cut off: a plain assignment is the whole adjoint."""
    xp = backend.array_module(g)
    m = g.shape[0]
    index = _restrict_index(a_band, out_band, *grid(spatial_shape), wrap, xp=xp)
    padded = xp.zeros((m, (len(a_band[0]) + 1) * (len(a_band[1]) + 1)), dtype=g.dtype)
    padded[:, index] = g.reshape(m, -1)
    return padded.reshape(m, len(a_band[0]) + 1, len(a_band[1]) + 1)[:, :-1, :-1]


# -- half spectrum <-> band ------------------------------------------------------------------

@functools.lru_cache(maxsize=256)
def _read_tables(h, w, rows, cols, wrap):
    """Flat source index in the (H, W//2+1) half spectrum of each band bin,
    whether it is read through the mirror (conjugated), and the weight 1/2
    of split Nyquist bins (alias-free rule; all 1 when ``wrap``): host arrays."""
    r = _np.array(rows)[:, None] % h
    c = _np.array(cols)[None, :] % w
    mirror = _np.broadcast_to(c > w // 2, (len(rows), len(cols)))
    src = _np.where(mirror, ((-r) % h) * (w // 2 + 1) + (w - c) % w, r * (w // 2 + 1) + c)
    weight = _np.ones((len(rows), len(cols)))
    if not wrap:
        if h % 2 == 0 and h > 1:
            weight[_np.abs(_np.array(rows)) == h // 2, :] *= 0.5
        if w % 2 == 0:
            weight[:, _np.abs(_np.array(cols)) == w // 2] *= 0.5
    return src, _np.ascontiguousarray(mirror), weight


@backend.device_constant
def _read_table(h, w, rows, cols, wrap, which):
    """Entry ``which`` (0: source, 1: mirrored, 2: weight) of :func:`_read_tables`, on a device."""
    table = _read_tables(h, w, rows, cols, wrap)[which]
    return table.ravel() if which == 0 else table


@functools.lru_cache(maxsize=256)
def _read_levels(h, w, rows, cols, wrap):
    """The band positions split into groups with distinct sources (the k-th
    group holds each source's k-th reader), so that the adjoint's scatter-add
    is a few plain indexed adds: (positions, sources) pairs on the host."""
    src = _read_tables(h, w, rows, cols, wrap)[0].ravel()
    seen, level = {}, _np.empty(len(src), dtype=int)
    for i, k in enumerate(src.tolist()):
        level[i] = seen[k] = seen.get(k, -1) + 1
    return tuple((_np.flatnonzero(level == j), src[level == j]) for j in range(level.max() + 1))


@backend.device_constant
def _read_level(h, w, rows, cols, wrap, level, which):
    """Entry ``which`` (0: positions, 1: sources) of group ``level`` of :func:`_read_levels`."""
    return _read_levels(h, w, rows, cols, wrap)[level][which]


def _half_shape(spatial_shape):
    h, w = grid(spatial_shape)
    return (w // 2 + 1,) if len(spatial_shape) == 1 else (h, w // 2 + 1)


def read_band(x_half, spatial_shape, band, wrap):
    """The Hermitian extension of ``x_half`` (..., *half) on ``band``, as
    (M, |rows|, |cols|), M the leading axes flattened. The self-conjugate
    columns are read as ``irfftn`` reads them (their Hermitian part)."""
    xp = backend.array_module(x_half)
    h, w = grid(spatial_shape)
    key = (h, w, band[0], band[1], wrap)
    x = hermitian_project(x_half, spatial_shape).reshape(-1, h * (w // 2 + 1))
    z = xp.take(x, _read_table(*key, 0, xp=xp), axis=1).reshape(
        x.shape[0], len(band[0]), len(band[1]))
    z = xp.where(_read_table(*key, 1, xp=xp), z.conj(), z)
    if wrap:
        return z
    return z * _read_table(*key, 2, xp=xp).astype(x.real.dtype, copy=False)   # split Nyquist


def read_band_adjoint(g, lead_shape, spatial_shape, band, wrap):
    """Adjoint of :func:`read_band`: the half-spectrum gradient (lead + half).
    Bins read more than once (directly and through the mirror, or a split
    Nyquist bin) accumulate: one indexed add per group of distinct sources
    (:func:`_read_levels`)."""
    xp = backend.array_module(g)
    h, w = grid(spatial_shape)
    key = (h, w, band[0], band[1], wrap)
    if not wrap:
        g = g * _read_table(*key, 2, xp=xp).astype(g.real.dtype, copy=False)
    g = xp.where(_read_table(*key, 1, xp=xp), g.conj(), g)
    m = g.shape[0]
    g = g.reshape(m, -1)
    out = xp.zeros((m, h * (w // 2 + 1)), dtype=g.dtype)
    for level in range(len(_read_levels(*key))):
        out[:, _read_level(*key, level, 1, xp=xp)] += g[:, _read_level(*key, level, 0, xp=xp)]
    return hermitian_project(out.reshape(tuple(lead_shape) + _half_shape(spatial_shape)),
                             spatial_shape)


@backend.device_constant
def _write_index(h, w, rows, cols):
    """Flat half-spectrum index of each bin of the band (rows, cols)."""
    if min(cols) < 0 or max(cols) > w // 2:
        raise ValueError(f"write_band takes columns 0..{w // 2}, got {cols[0]}..{cols[-1]}")
    r = _np.array(rows) % h
    if len(set(r.tolist())) != len(rows):
        raise ValueError(f"write_band: the rows {rows} repeat residues mod {h}")
    return (r[:, None] * (w // 2 + 1) + _np.array(cols)[None, :]).ravel()


def write_band(y, lead_shape, spatial_shape, band):
    """The half spectrum (lead + half) holding ``y`` (M, |rows|, |cols|) on
    ``band`` (distinct row residues, columns 0..W/2) and 0 elsewhere."""
    xp = backend.array_module(y)
    h, w = grid(spatial_shape)
    m = y.shape[0]
    out = xp.zeros((m, h * (w // 2 + 1)), dtype=y.dtype)
    out[:, _write_index(h, w, band[0], band[1], xp=xp)] = y.reshape(m, -1)
    return out.reshape(tuple(lead_shape) + _half_shape(spatial_shape))


def write_band_adjoint(g_half, spatial_shape, band):
    """Adjoint of :func:`write_band`: the band's bins of ``g_half``, (M, |rows|, |cols|)."""
    xp = backend.array_module(g_half)
    h, w = grid(spatial_shape)
    g = g_half.reshape(-1, h * (w // 2 + 1))
    return xp.take(g, _write_index(h, w, band[0], band[1], xp=xp), axis=1).reshape(
        g.shape[0], len(band[0]), len(band[1]))


# -- the polynomial on bands ------------------------------------------------------------------

class BandPlan:
    """The bands of one polynomial evaluation: the input (all of the grid),
    the output band (|k| < ``modes_out`` per axis, non-negative columns; all
    when None) and the band of each power x^j on the way (x^d is computed on
    the output band only). Plans are immutable; :func:`band_plan` caches them."""

    def __init__(self, spatial_shape, degree, modes_out=None, wrap=True):
        self.spatial_shape = tuple(int(n) for n in spatial_shape)
        self.degree, self.modes_out, self.wrap = int(degree), modes_out, bool(wrap)
        h, w = grid(self.spatial_shape)
        self.n = h * w
        self.in_band = (axis_band(h, None, wrap), axis_band(w, None, wrap))
        self.out_band = (axis_band(h, modes_out, wrap, output=True),
                         half_band(axis_band(w, modes_out, wrap, output=True)))
        bands = [self.in_band]
        for _ in range(2, self.degree):
            bands.append((sum_band(bands[-1][0], self.in_band[0], h, wrap),
                          sum_band(bands[-1][1], self.in_band[1], w, wrap)))
        bands.append(self.out_band)
        self.bands = tuple(bands)            # bands[j - 1]: the band of x^j (j = 1..degree)
        self.dc = (self.out_band[0].index(0), self.out_band[1].index(0))


@functools.lru_cache(maxsize=128)
def band_plan(spatial_shape, degree, modes_out=None, wrap=True):
    """The cached :class:`BandPlan` of these arguments."""
    return BandPlan(spatial_shape, degree, modes_out, wrap)


def _per_map(coefficients, lead):
    """The (C, d + 1) coefficients repeated for each of the M = B C maps."""
    xp = backend.array_module(coefficients)
    channels = lead[-1]
    if coefficients.shape[0] != channels:
        raise ValueError(f"band polynomial: {coefficients.shape[0]} coefficient rows for "
                         f"{channels} channels")
    return xp.tile(coefficients, (int(_np.prod(lead[:-1], dtype=int)), 1))


def band_polynomial_forward(x_half, coefficients, plan):
    """Half spectrum of p_c(x) on the output band (0 elsewhere), p_c = sum_j a_cj x^j.

    ``x_half`` (B, C, *half); ``coefficients`` (C, d + 1) real, one
    polynomial per channel. P_1 = Z (x read on the input band) and
    P_j = P_{j-1} (*) Z / N (THEORY §5), P_d on the output band only.
    Returns (y_half, saved) with ``saved`` what :func:`band_polynomial_backward` needs.
    """
    s, wrap = plan.spatial_shape, plan.wrap
    lead = x_half.shape[:-len(s)]
    a = _per_map(coefficients, lead)                                    # (M, d + 1)
    z = read_band(x_half, s, plan.in_band, wrap)
    powers = [z]
    for j in range(2, plan.degree + 1):
        powers.append(band_convolve(powers[-1], z, plan.bands[j - 2], plan.in_band,
                                    plan.bands[j - 1], s, wrap) / plan.n)
    restricted = [restrict(p, plan.bands[j], plan.out_band, s, wrap) if j + 1 < plan.degree else p
                  for j, p in enumerate(powers)]
    y = a[:, 1, None, None] * restricted[0]
    for j in range(2, plan.degree + 1):
        y = y + a[:, j, None, None] * restricted[j - 1]
    y[:, plan.dc[0], plan.dc[1]] += a[:, 0] * plan.n
    return write_band(y, lead, s, plan.out_band), (z, powers, restricted, a, lead)


def band_polynomial_backward(g_half, saved, plan, need_coefficients=True):
    """(grad_x_half, grad_coefficients (C, d + 1) or None): the exact adjoint
    of :func:`band_polynomial_forward` (THEORY §0 convention): grad a_cj =
    Re sum conj(G) P_j over the maps and bins of channel c; grad X through
    the powers by :func:`band_correlate`, then :func:`read_band_adjoint`."""
    z, powers, restricted, a, lead = saved
    s, wrap = plan.spatial_shape, plan.wrap
    g = write_band_adjoint(g_half, s, plan.out_band)                    # (M, rows, cols)
    grad_a = None
    if need_coefficients:
        xp = backend.array_module(g)
        columns = [plan.n * g[:, plan.dc[0], plan.dc[1]].real]
        columns += [(g.conj() * r).real.sum(axis=(1, 2)) for r in restricted]
        grad_a = xp.stack(columns, axis=1).reshape(-1, lead[-1], plan.degree + 1).sum(axis=0)
    grads = [a[:, j + 1, None, None] * g if j + 1 == plan.degree else
             restrict_adjoint(a[:, j + 1, None, None] * g, plan.bands[j], plan.out_band, s, wrap)
             for j in range(plan.degree)]
    for j in range(plan.degree, 1, -1):                  # P_j = P_{j-1} (*) Z / N
        gp = grads[j - 1] / plan.n
        through_z = band_correlate(gp, z, plan.bands[j - 1], plan.in_band, plan.bands[j - 2],
                                   s, wrap)
        if j == 2:                                        # Z (*) Z: both factors are Z
            grads[0] = grads[0] + 2 * through_z
            continue
        grads[j - 2] = grads[j - 2] + through_z
        grads[0] = grads[0] + band_correlate(gp, powers[j - 2], plan.bands[j - 1],
                                             plan.bands[j - 2], plan.in_band, s, wrap)
    return read_band_adjoint(grads[0], lead, s, plan.in_band, wrap), grad_a


# -- bandwidth accounting ------------------------------------------------------------------

@backend.device_constant
def _energy_masks(out_band, h, w, modes_kept):
    """(kept, dropped, past the grid) masks over the full sum band ``out_band``."""
    rows = _np.abs(_np.array(out_band[0]))[:, None]
    cols = _np.abs(_np.array(out_band[1]))[None, :]
    on_grid = (rows <= h // 2) & (cols <= w // 2)
    limit = max(h, w) if modes_kept is None else modes_kept
    kept = on_grid & (rows < limit) & (cols < limit)
    return _np.stack([kept, on_grid & ~kept, ~on_grid])


def energy_shares(x_half, coefficients, spatial_shape, modes_kept=None):
    """Where the energy of p_c(x) lies: (kept, dropped, aliased) shares of the
    total over all maps of ``x_half`` (B, C, *half), three Python floats.

    The spectrum of p applied to the band-limited interpolant of x is
    computed in full (no wrap, every sum frequency), and its Parseval energy
    split into ``aliased``: bins past the grid's band (|k| > n/2 on some
    axis: a circular evaluation folds them onto low bins, an alias-free one
    discards them); ``dropped``: bins on the grid outside |k| < ``modes_kept``
    per axis (what the next layer keeps; None keeps the grid); ``kept``: the rest.
    """
    xp = backend.array_module(x_half)
    s = tuple(spatial_shape)
    h, w = grid(s)
    lead = x_half.shape[:-len(s)]
    degree = coefficients.shape[1] - 1
    in_band = (axis_band(h, None, False), axis_band(w, None, False))
    bands = [in_band]
    for _ in range(2, degree + 1):
        bands.append((sum_band(bands[-1][0], in_band[0], h, False),
                      sum_band(bands[-1][1], in_band[1], w, False)))
    out = bands[-1]
    a = _per_map(coefficients, lead)
    z = read_band(x_half, s, in_band, False)
    power, y = z, a[:, 1, None, None] * restrict(z, in_band, out, s, False)
    for j in range(2, degree + 1):
        power = band_convolve(power, z, bands[j - 2], in_band, bands[j - 1], s, False) / (h * w)
        y = y + a[:, j, None, None] * restrict(power, bands[j - 1], out, s, False)
    y[:, out[0].index(0), out[1].index(0)] += a[:, 0] * (h * w)
    energy = y.real ** 2 + y.imag ** 2
    parts = [float((energy * mask).sum()) for mask in _energy_masks(out, h, w, modes_kept, xp=xp)]
    total = sum(parts) or 1.0
    return tuple(part / total for part in parts)
