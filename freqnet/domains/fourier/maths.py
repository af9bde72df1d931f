"""The Fourier domain's mathematics on plain arrays: the reference forms.

A Fourier spectrum of a real map over ``ndim`` (1 or 2) axes is its rfftn
half spectrum with ``norm="backward"`` (THEORY.md §0): the leading spectral
axis (2D) is a full axis of size H, the last one holds W//2+1 bins. Every
function takes and returns arrays of the module of its input
(``backend.array_module``) and, where it is linear, sits beside its exact
adjoint in the PyTorch complex convention (THEORY.md §0: for Z = A z,
grad_z = A^H grad_Z; for Z = conj(z), grad_z = conj(grad_Z)).

Read in order: the half spectrum and its weights (§0), the convolution
theorem on spectra (§1: kernel placement, kernel spectra, channel mixing),
Hermitian symmetry, average pooling (§6), spectral pooling, FNO modes and
the readout (§7). The speed routes that replace some of these live in
:mod:`freqnet.domains.fourier.fast`; products of spectra (polynomial
activations, §5) in :mod:`freqnet.domains.fourier.products`.
"""
from ... import backend
from ...ops.fft import multiplicity

_np = backend.numpy


def half_size(n):
    """Bins in the half spectrum of a length-n real signal: n//2 + 1."""
    return n // 2 + 1


def spectrum_shape(spatial_shape):
    """(H, W) -> (H, W//2+1); (L,) -> (L//2+1,)."""
    return tuple(spatial_shape[:-1]) + (half_size(spatial_shape[-1]),)


def parseval_weights(spatial_shape, xp, dtype):
    """w over the spectral axes, broadcastable against a half spectrum, with
    sum_n x[n] y[n] = (1/N) sum_k w_k Re(X_k conj(Y_k)) (THEORY.md §7):
    d_v on the halved axis (each interior bin stands for itself and its mirror)."""
    d = multiplicity(spatial_shape[-1], xp=xp, dtype=dtype)
    return d.reshape((1,) * (len(spatial_shape) - 1) + (-1,))


# --------------------------------------------------------------------------
# Kernel placement (THEORY.md §1)

def check_kernel_fits(kernel_shape, spatial_shape, layer="conv"):
    """A K-tap kernel needs K <= n on every axis of a periodic map."""
    if any(k > n for k, n in zip(kernel_shape, spatial_shape)):
        raise ValueError(
            f"{layer}: kernel of size {tuple(kernel_shape)} is larger than the "
            f"{tuple(spatial_shape)} map it is applied to; circular convolution needs "
            f"kernel_size <= map size on every axis")


@backend.device_constant
def placement_index(k, n):
    """Target positions (i - k//2) mod n of the k kernel taps."""
    return (_np.arange(k) - k // 2) % n


def place_kernel(w, spatial_shape):
    """Wpad[..., (i-K//2) mod H, (j-K//2) mod W] = w[..., i, j] (THEORY.md §1).

    ``w`` has the kernel on its last ``len(spatial_shape)`` axes. With this
    placement, Y = X * conj(rfftn(Wpad)) is the circular cross-correlation
    y[n] = sum_i x[(n + i - K//2) mod N] w[i].
    """
    xp = backend.array_module(w)
    ndim = len(spatial_shape)
    kernel = w.shape[-ndim:]
    check_kernel_fits(kernel, spatial_shape)
    out = xp.zeros(w.shape[:-ndim] + tuple(spatial_shape), dtype=w.dtype)
    out[_kernel_index(kernel, spatial_shape, xp)] = w
    return out


def kernel_window(g, kernel_shape):
    """Adjoint of :func:`place_kernel`: read the K taps back out of a map."""
    xp = backend.array_module(g)
    ndim = len(kernel_shape)
    return g[_kernel_index(kernel_shape, g.shape[-ndim:], xp)]


def _kernel_index(kernel_shape, spatial_shape, xp):
    idx = [placement_index(k, n, xp=xp) for k, n in zip(kernel_shape, spatial_shape)]
    if len(idx) == 1:
        return (Ellipsis, idx[0])
    return (Ellipsis, idx[0][:, None], idx[1][None, :])


# --------------------------------------------------------------------------
# Hermitian symmetry of half spectra

@backend.device_constant
def _row_flip(h):
    """(-u) mod H for u < H: the row partner of a half-spectrum column."""
    return (-_np.arange(h)) % h


@backend.device_constant
def _self_conjugate_columns(w):
    """Columns 0 and (even W) W/2 of a half spectrum: their own mirror images."""
    return _np.array([0] + ([w // 2] if w % 2 == 0 else []))


@backend.device_constant
def _mirror_columns(w):
    """The half-spectrum column that column v > W/2 of the full spectrum mirrors."""
    return w - _np.arange(w // 2 + 1, w)


def _as_grid(x_half, spatial_shape):
    """View a 1D or 2D half spectrum as (M, H, W//2+1) (H = 1 in 1D)."""
    h = spatial_shape[0] if len(spatial_shape) == 2 else 1
    return x_half.reshape((-1, h, half_size(spatial_shape[-1]))), h


def hermitian_project(z, spatial_shape):
    """Project a half spectrum onto the spectra of real maps: a copy whose
    self-conjugate columns (v = 0 and, for even W, v = W/2) are replaced by
    their Hermitian part (Z[u] + conj(Z[-u]))/2, exactly what ``irfftn``
    reads (it drops the other part); in 1D that sets Im Z = 0 at DC and
    Nyquist. A real-linear orthogonal projection: its adjoint is itself."""
    xp = backend.array_module(z)
    x, h = _as_grid(z, spatial_shape)
    cols = _self_conjugate_columns(spatial_shape[-1], xp=xp)
    out = x.copy()
    sc = x[..., cols]
    out[..., cols] = (sc + sc[:, _row_flip(h, xp=xp), :].conj()) / 2
    return out.reshape(z.shape)


def hermitian_extend(x_half, spatial_shape):
    """The full (M, H, W) spectrum that ``irfftn(x_half, s=spatial_shape)``
    inverts: the Hermitian projection, mirrored, X[u, W-v] = conj(X[(-u) mod H, v]);
    M = all leading axes flattened."""
    xp = backend.array_module(x_half)
    x, h = _as_grid(hermitian_project(x_half, spatial_shape), spatial_shape)
    w = spatial_shape[-1]
    full = xp.empty(x.shape[:2] + (w,), dtype=x.dtype)
    full[..., : x.shape[-1]] = x
    full[..., x.shape[-1]:] = x[:, _row_flip(h, xp=xp)][..., _mirror_columns(w, xp=xp)].conj()
    return full


def _add_alias_columns(out, z, spatial_shape, start):
    """out += columns start..start+count-1 of the full spectrum (count: out's
    last axis), read off the half spectrum z: column v > W//2 is
    conj(Z[(-u) mod H, W - v]) (Hermitian symmetry; row flip in 2D). Direct
    and mirrored columns are contiguous runs; added in place."""
    n, m = spatial_shape[-1], half_size(spatial_shape[-1])
    end = start + out.shape[-1]
    n_direct = max(min(end, m) - start, 0)
    out[..., :n_direct] += z[..., start:start + n_direct]
    if start + n_direct < end:
        first_mirrored = start + n_direct
        mirrored = z[..., n - first_mirrored:n - end:-1]
        if len(spatial_shape) == 2:
            _add_conj_row_flipped(out[..., n_direct:], mirrored)
        else:
            out[..., n_direct:] += mirrored.conj()


def _alias_columns_adjoint(out, g, spatial_shape, start):
    """Accumulate into ``out`` (a half spectrum) the adjoint of
    :func:`_add_alias_columns` applied to ``g`` (its count columns)."""
    n, m = spatial_shape[-1], half_size(spatial_shape[-1])
    end = start + g.shape[-1]
    n_direct = max(min(end, m) - start, 0)
    out[..., start:start + n_direct] += g[..., :n_direct]
    if start + n_direct < end:
        first_mirrored = start + n_direct
        target = out[..., n - first_mirrored:n - end:-1]
        if len(spatial_shape) == 2:
            _add_conj_row_flipped(target, g[..., n_direct:])
        else:
            target += g[..., n_direct:].conj()


def _add_conj_row_flipped(out, src):
    """out[..., u, :] += conj(src[..., (-u) mod H, :]): row 0 stays, the others
    reverse (slices, so no gathered copy)."""
    out[..., :1, :] += src[..., :1, :].conj()
    out[..., 1:, :] += src[..., :0:-1, :].conj()


def _empty_like_layout(a, last):
    """An empty array shaped as ``a`` but with ``last`` entries on the last
    axis, in ``a``'s memory order (e.g. the frequency-major views that
    spectral convolutions return): NumPy then adds, scales and slices the
    two without strided writes, several times faster on these small maps."""
    xp = backend.array_module(a)
    shape = a.shape[:-1] + (last,)
    order = sorted(range(a.ndim), key=lambda ax: -abs(a.strides[ax]))
    buf = xp.empty(tuple(shape[ax] for ax in order), dtype=a.dtype)
    return buf.transpose(tuple(order.index(ax) for ax in range(a.ndim)))


# --------------------------------------------------------------------------
# Average pooling: Dirichlet multiply + fold (THEORY.md §6)

def dirichlet(n, s, xp, dtype, half=False):
    """conj(B_s)[q] = (1/s) sum_{j<s} e^{+2 pi i j q / n} (THEORY.md §6),
    the DFT factor of correlating with the box b[j] = 1/s, j < s.

    Bins q = 0..n-1, or 0..n//2 with ``half``; equal to 1 at q = 0."""
    return _dirichlet(n, s, half, _np.dtype(dtype).name, xp=xp)


@backend.device_constant
def _dirichlet(n, s, half, dtype):
    q = _np.arange(half_size(n) if half else n)
    phase = _np.exp(2j * _np.pi * _np.outer(_np.arange(s), q) / n)
    return phase.mean(axis=0).astype(dtype)


def _box_filter(spatial_shape, s, xp, dtype):
    """The separable Dirichlet factor conj(B_s(u)) conj(B_s(v)) on a half spectrum."""
    cols = dirichlet(spatial_shape[-1], s, xp, dtype, half=True)
    if len(spatial_shape) == 1:
        return cols
    return dirichlet(spatial_shape[0], s, xp, dtype)[:, None] * cols[None, :]


def fold(z, spatial_shape, s):
    """Decimate by ``s`` in frequency: Y[q'] = (1/s) sum_j Z[q' + j N/s] on
    every axis (THEORY.md §6), half spectrum in, half spectrum out. Columns
    past W/2 come from the Hermitian mirror (:func:`_add_alias_columns`); rows
    fold by a reshape-sum. The sum is built in place in z's memory order."""
    ndim = len(spatial_shape)
    n_out = spatial_shape[-1] // s
    m_out = half_size(n_out)
    y = _empty_like_layout(z, m_out)
    y[...] = z[..., :m_out]                    # alias 0: direct columns (m_out <= W//2+1)
    for j in range(1, s):                      # the other s-1 aliases, not data
        _add_alias_columns(y, z, spatial_shape, j * n_out)
    if ndim == 2:
        h = spatial_shape[0]
        y = y.reshape(y.shape[:-2] + (s, h // s, m_out)).sum(axis=-3)
    y *= y.real.dtype.type(1 / s ** ndim)      # a product: complex / is ~15x slower here
    return y


def fold_adjoint(g, spatial_shape, s):
    """Adjoint of :func:`fold`: tile the rows s times, scale by 1/s^ndim and
    scatter every alias back (with conj and row flip for mirrored columns)."""
    xp = backend.array_module(g)
    ndim = len(spatial_shape)
    n_out = spatial_shape[-1] // s
    g = g * g.real.dtype.type(1 / s ** ndim)
    if ndim == 2:
        g = xp.concatenate([g] * s, axis=-2)
    out = _empty_like_layout(g, half_size(spatial_shape[-1]))
    out[...] = 0
    for j in range(s):
        _alias_columns_adjoint(out, g, spatial_shape, j * n_out)
    return out


def avg_pool(x, spatial_shape, s):
    """AvgPool with window = stride = s on a half spectrum: fold(X conj(B))."""
    xp = backend.array_module(x)
    return fold(x * _box_filter(spatial_shape, s, xp, x.dtype), spatial_shape, s)


def avg_pool_adjoint(g, spatial_shape, s):
    """Adjoint of :func:`avg_pool`: grad_X = fold^H(grad_Y) * B."""
    xp = backend.array_module(g)
    out = fold_adjoint(g, spatial_shape, s)
    out *= _box_filter(spatial_shape, s, xp, g.dtype).conj()
    return out


# --------------------------------------------------------------------------
# Spectral pooling: low-pass crop (Rippel et al. 2015; THEORY.md §6)

def crop_axis(zf, axis, n, n_out):
    """Keep signed frequencies |q| < n_out/2 of a full axis; for even n_out the
    new Nyquist bin is the mean of bins n_out/2 and n - n_out/2."""
    xp = backend.array_module(zf)
    lo = (n_out + 1) // 2
    neg = (n_out - 1) // 2
    take = lambda a, b: xp.take(zf, xp.arange(a, b), axis=axis)  # noqa: E731
    parts = [take(0, lo)]
    if n_out % 2 == 0:
        parts.append(0.5 * (take(n_out // 2, n_out // 2 + 1) + take(n - n_out // 2, n - n_out // 2 + 1)))
    parts.append(take(n - neg, n))
    return xp.concatenate(parts, axis=axis)


def crop_axis_adjoint(g, axis, n, n_out):
    xp = backend.array_module(g)
    lo = (n_out + 1) // 2
    neg = (n_out - 1) // 2
    shape = list(g.shape)
    shape[axis] = n
    out = xp.zeros(shape, dtype=g.dtype)
    ix = lambda a, b: (slice(None),) * (axis % g.ndim) + (slice(a, b),)  # noqa: E731
    out[ix(0, lo)] = g[ix(0, lo)]
    out[ix(n - neg, n)] += g[ix(n_out - neg, n_out)]
    if n_out % 2 == 0:
        half = 0.5 * g[ix(n_out // 2, n_out // 2 + 1)]
        out[ix(n_out // 2, n_out // 2 + 1)] += half
        out[ix(n - n_out // 2, n - n_out // 2 + 1)] += half
    return out


def _mix_nyquist_column(z, spatial_shape, out_shape):
    """For an even output width W' < W, the new Nyquist column W'/2 is the
    mean of its two aliases, Z[u, W'/2] and (mirror) conj(Z[-u, W'/2]).
    A self-adjoint map (identity elsewhere); returns a new array."""
    xp = backend.array_module(z)
    w, w_out = spatial_shape[-1], out_shape[-1]
    z = z.copy()
    if w_out % 2 == 0 and w_out < w:
        col = z[..., w_out // 2]
        if len(out_shape) == 2:
            z[..., w_out // 2] = 0.5 * (col + col[..., _row_flip(out_shape[0], xp=xp)].conj())
        else:
            z[..., w_out // 2] = col.real
    return z


def spectral_crop(z, spatial_shape, out_shape):
    """Rippel's spectral pooling to ``out_shape``: keep the signed frequencies
    |q| < n'/2, average the two aliases of each new Nyquist bin (THEORY.md §6:
    the fold of X*R with R = 1/2 there), and scale by N'/N so that the mean
    is kept. Rows crop as a full axis; columns are the first W'//2+1 of the
    half spectrum."""
    if len(spatial_shape) == 2:
        z = crop_axis(z, z.ndim - 2, spatial_shape[0], out_shape[0])
    z = _mix_nyquist_column(z[..., :half_size(out_shape[-1])], spatial_shape, out_shape)
    return z * (float(_np.prod(out_shape)) / float(_np.prod(spatial_shape)))


def spectral_crop_adjoint(g, spatial_shape, out_shape):
    """Adjoint of :func:`spectral_crop`."""
    xp = backend.array_module(g)
    g = _mix_nyquist_column(g, spatial_shape, out_shape)
    g = g * (float(_np.prod(out_shape)) / float(_np.prod(spatial_shape)))
    out = xp.zeros(g.shape[:-1] + (half_size(spatial_shape[-1]),), dtype=g.dtype)
    out[..., :g.shape[-1]] = g
    if len(spatial_shape) == 2:
        out = crop_axis_adjoint(out, out.ndim - 2, spatial_shape[0], out_shape[0])
    return out


# --------------------------------------------------------------------------
# FNO-style mode truncation (Li et al. 2021)

def check_modes(modes, spatial_shape, layer="conv"):
    m_last = half_size(spatial_shape[-1])
    if modes < 1 or modes > m_last or (len(spatial_shape) == 2 and 2 * modes > spatial_shape[0]):
        raise ValueError(
            f"{layer}: modes={modes} does not fit a {tuple(spatial_shape)} map: it needs "
            f"1 <= modes <= {m_last}" + (f" and 2*modes <= {spatial_shape[0]}"
                                         if len(spatial_shape) == 2 else ""))


@backend.device_constant
def _mode_rows(modes, h):
    """Rows 0..m-1 and H-m..H-1: the kept rows of FNO mode truncation."""
    return _np.concatenate([_np.arange(modes), _np.arange(h - modes, h)])


def low_modes(z, spatial_shape, modes):
    """The kept modes: 1D bins 0..m-1; 2D rows 0..m-1 and H-m..H-1 of
    columns 0..m-1 (shape (..., 2m, m))."""
    xp = backend.array_module(z)
    if len(spatial_shape) == 1:
        return z[..., :modes]
    return z[..., _mode_rows(modes, spatial_shape[0], xp=xp), :modes]


def hermitian_project_modes(w, spatial_shape, modes):
    """:func:`hermitian_project` for mode-truncated weights (..., 2m, m) or (..., m).

    A kept bin of a self-paired column whose conjugate partner is not kept
    (2D: row H-m of column 0 when 2m < H) cannot be Hermitian and is
    zeroed; pairs that are both kept are averaged. An orthogonal projection
    (the mask is flip-symmetric and commutes with the pairing): self-adjoint.
    """
    xp = backend.array_module(w)
    kept = scatter_modes(xp.ones(w.shape[-len(spatial_shape):], dtype=w.real.dtype),
                         spatial_shape, modes)
    paired = hermitian_project(kept, spatial_shape)      # 1 where paired, 1/2 where not
    mask = (paired == 1).astype(w.real.dtype)
    full = hermitian_project(scatter_modes(w, spatial_shape, modes) * mask, spatial_shape)
    return low_modes(full, spatial_shape, modes)


def scatter_modes(y, spatial_shape, modes):
    """Adjoint of :func:`low_modes`: the kept modes in a zero half spectrum."""
    xp = backend.array_module(y)
    ndim = len(spatial_shape)
    out = xp.zeros(y.shape[:-ndim] + spectrum_shape(spatial_shape), dtype=y.dtype)
    if ndim == 1:
        out[..., :modes] = y
    else:
        out[..., _mode_rows(modes, spatial_shape[0], xp=xp), :modes] = y
    return out


# --------------------------------------------------------------------------
# Smooth spectral weights: knot values interpolated across the bins
# (Bruna et al. 2014; THEORY.md §5b). A fixed real matrix per axis, no transform.

def check_knots(knots, spatial_shape, layer="conv"):
    """Knots per spectral axis that a ``spatial_shape`` map can hold: 2..n//2+1
    on the half (last) axis, 2..n on a full axis."""
    most = [n for n in spatial_shape[:-1]] + [half_size(spatial_shape[-1])]
    if len(knots) != len(spatial_shape) or any(
            not isinstance(k, int) or not 2 <= k <= m for k, m in zip(knots, most)):
        raise ValueError(f"{layer}: smooth spectral weights on a {tuple(spatial_shape)} map "
                         f"need 2..{most[-1]} knots on the half axis"
                         + (f" and 2..{most[0]} on the full axis" if len(most) == 2 else "")
                         + f", got {tuple(knots)}")


@backend.device_constant
def _hats(n, knots, half, dtype):
    """S (bins, knots): linear-interpolation weights of the knots at each bin.
    Half axis: bins 0..n//2, knots equally spaced from bin 0 to bin n//2.
    Full axis: bins 0..n-1, knots at k n / knots, the hats wrapping around."""
    bins = _np.arange(half_size(n) if half else n, dtype=float)[:, None]
    at = (_np.linspace(0, n // 2, knots) if half else _np.arange(knots) * (n / knots))[None, :]
    dist = _np.abs(bins - at)
    if not half:
        dist = _np.minimum(dist, n - dist)
    spacing = at[0, 1] - at[0, 0]
    return _np.clip(1.0 - dist / spacing, 0.0, None).astype(dtype)


def interpolate_knots(c, spatial_shape, knots):
    """Half-spectrum weights W (..., *half) from knot values c (..., *knots):
    W = S_rows C S_cols^T, S the hat matrices of :func:`_hats`."""
    xp = backend.array_module(c)
    dtype = _np.dtype(c.real.dtype).name
    w = c @ _hats(spatial_shape[-1], knots[-1], True, dtype, xp=xp).T
    if len(spatial_shape) == 2:
        w = xp.matmul(_hats(spatial_shape[0], knots[0], False, dtype, xp=xp), w)
    return w


def interpolate_knots_adjoint(g, spatial_shape, knots):
    """Adjoint of :func:`interpolate_knots` (real matrices: their transposes)."""
    xp = backend.array_module(g)
    dtype = _np.dtype(g.real.dtype).name
    c = g @ _hats(spatial_shape[-1], knots[-1], True, dtype, xp=xp)
    if len(spatial_shape) == 2:
        c = xp.matmul(_hats(spatial_shape[0], knots[0], False, dtype, xp=xp).T, c)
    return c


# --------------------------------------------------------------------------
# The convolution theorem on spectra (THEORY.md §1, DESIGN §7)
#
# The spectral convolution Y[b,o] = sum_c X[b,c] conj(What[o,c]) runs as one
# batched matmul over frequencies, Y_f = X_f @ Wc_f, with the weights laid out
# frequency-major: Wc[*freq, c, o] = conj(What[o, c, *freq]).

def kernel_spectrum(w, spatial_shape):
    """Wc[*freq, c, o] = conj(rfftn(place_kernel(w)))[o, c, *freq] for a real
    kernel w (out, in, *K): the kernel placed on the map, transformed, and
    laid out for :func:`mix`."""
    xp = backend.array_module(w)
    ndim = len(spatial_shape)
    placed = place_kernel(w, spatial_shape)                             # (O, C, *spatial)
    moved = xp.moveaxis(placed, (0, 1), (-1, -2))                        # (*spatial, C, O)
    return backend.rfftn(moved, axes=tuple(range(ndim))).conj()


def kernel_spectrum_adjoint(g, kernel_shape, spatial_shape):
    """Adjoint of :func:`kernel_spectrum` (a real kernel, so the real part):
    grad_w = window(N irfftn(conj(g) / d)) (THEORY.md §0: the adjoint of
    rfftn is irfftn with the interior bins halved, times N)."""
    xp = backend.array_module(g)
    ndim = len(spatial_shape)
    d = multiplicity(spatial_shape[-1], xp=xp, dtype=g.real.dtype)[:, None, None]
    full = backend.irfftn(g.conj() / d, s=spatial_shape, axes=tuple(range(ndim)))
    full *= float(_np.prod(spatial_shape))
    taps = kernel_window(xp.moveaxis(full, (-1, -2), (0, 1)), kernel_shape)
    return xp.ascontiguousarray(taps)


def to_mixing_layout(w):
    """(out, in, *freq) complex weights -> Wc[*freq, in, out] = conj(w)."""
    xp = backend.array_module(w)
    return xp.ascontiguousarray(xp.moveaxis(w, (0, 1), (-1, -2))).conj()


def from_mixing_layout(g):
    """Adjoint of :func:`to_mixing_layout` (for gradients)."""
    xp = backend.array_module(g)
    return xp.ascontiguousarray(xp.moveaxis(g.conj(), (-1, -2), (0, 1)))


def mix(xf, wf):
    """Y_f = X_f @ Wc_f for every frequency f: (F, B, Cin) @ (F, Cin, Cout)."""
    return backend.array_module(xf).matmul(xf, wf)


# --------------------------------------------------------------------------
# The readout (THEORY.md §7)

def readout(xf, vf):
    """out[b, j] = Re(sum_p V[j, p] X[b, p]) on flattened (channel, bin) axes."""
    return xf.real @ vf.real.T - xf.imag @ vf.imag.T


def readout_adjoint(g, xf, vf):
    """(grad_X, grad_V) of :func:`readout`: g conj(V) and g^T conj(X)."""
    return g @ vf.conj(), g.T @ xf.conj()
