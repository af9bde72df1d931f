"""The Fourier domain's speed routes, each beside the reference it must equal.

Every function here computes exactly what a function of
:mod:`freqnet.domains.fourier.maths` computes (to rounding), faster on the
shapes freqnet's networks use, or returns None where it does not apply; the
callers go through :func:`freqnet.fastpaths.route`, so ``FREQNET_FAST=0``
runs the references instead. tests/test_fast_paths.py compares every pair,
values and gradients, on odd and even sizes.

* :func:`kernel_spectrum` = maths.kernel_spectrum: a direct DFT of the K
  taps (two small GEMMs) instead of an rfftn of the zero-padded kernel.
* :func:`mix` = maths.mix for one input channel: a broadcast outer product
  instead of a stacked GEMM with inner size 1.
* :func:`avg_pool` = maths.avg_pool in 1D: one real GEMM on the interleaved
  (re, im) view instead of short strided slices.
* :func:`readout` = maths.readout: one real GEMM on interleaved views,
  [Xr, Xi] . [Vr, -Vi] = Re(V X), instead of four products of strided parts.
"""
from ... import backend
from .maths import check_kernel_fits, fold, dirichlet, half_size

_np = backend.numpy


# --------------------------------------------------------------------------
# Kernel spectra by a direct DFT of the taps (reference: maths.kernel_spectrum)

@backend.device_constant
def _kernel_dft(k, n, bins, dtype):
    """E[q, i] = exp(+2 pi i q (i - k//2) / n) for q < bins: conj of the DFT of
    a tap placed at (i - k//2) mod n (THEORY.md §1 placement)."""
    q = _np.arange(bins)[:, None]
    i = _np.arange(k)[None, :] - k // 2
    return _np.exp(2j * _np.pi * q * i / n).astype(dtype)


def direct_dft_is_cheaper(kernel_shape, spatial_shape):
    """Direct DFT of a K-tap kernel: K1 M (K2 + H) complex MACs per plane, as
    two GEMMs; an rfftn of the padded plane: ~H W log2(H W) butterflies,
    counted 5x dearer per unit (small strided planes)."""
    h, w = (1,) + tuple(spatial_shape) if len(spatial_shape) == 1 else spatial_shape
    k1, k2 = (1,) + tuple(kernel_shape) if len(kernel_shape) == 1 else kernel_shape
    direct = k1 * half_size(w) * (k2 + h)
    fft = 5.0 * h * w * max(_np.log2(h * w), 1.0)
    return direct <= fft


def kernel_spectrum(w, spatial_shape):
    """maths.kernel_spectrum by E (and, in 2D, E_rows) applied to the taps."""
    ndim = len(spatial_shape)
    kernel = w.shape[-ndim:]
    if not direct_dft_is_cheaper(kernel, spatial_shape):
        return None
    check_kernel_fits(kernel, spatial_shape)
    xp = backend.array_module(w)
    cdtype = _np.dtype(backend.result_type(w.dtype, "complex64")).name
    cout, cin = w.shape[:2]
    m = half_size(spatial_shape[-1])
    e_last = _kernel_dft(kernel[-1], spatial_shape[-1], m, cdtype, xp=xp)
    if ndim == 1:                                                   # (M, K) @ (K, C O): no output transpose
        taps = xp.ascontiguousarray(w.transpose(2, 1, 0)).reshape(kernel[-1], cin * cout)
        return (e_last @ taps).reshape(m, cin, cout)
    t = w.reshape(-1, kernel[-1]) @ e_last.T                        # (O C K1, M)
    h, k1 = spatial_shape[0], kernel[0]
    e_first = _kernel_dft(k1, h, h, cdtype, xp=xp)
    t = t.reshape(cout, cin, k1, m).transpose(2, 3, 1, 0).reshape(k1, -1)
    return (e_first @ t).reshape(h, m, cin, cout)


def kernel_spectrum_adjoint(g, kernel_shape, spatial_shape):
    """maths.kernel_spectrum_adjoint as grad_w = Re(E^H g)."""
    if not direct_dft_is_cheaper(kernel_shape, spatial_shape):
        return None
    xp = backend.array_module(g)
    ndim = len(spatial_shape)
    cin, cout = g.shape[-2:]
    m = half_size(spatial_shape[-1])
    dtype = _np.dtype(g.dtype).name
    k_last = kernel_shape[-1]
    e_last = _kernel_dft(k_last, spatial_shape[-1], m, dtype, xp=xp)
    if ndim == 1:
        s = g.reshape(m, -1).T                                       # (C O, M)
        return (s @ e_last.conj()).real.reshape(cin, cout, k_last).transpose(1, 0, 2)
    h, k1 = spatial_shape[0], kernel_shape[0]
    e_first = _kernel_dft(k1, h, h, dtype, xp=xp)
    s = e_first.conj().T @ g.reshape(h, -1)                          # (K1, M C O)
    s = s.reshape(k1, m, cin, cout).transpose(3, 2, 0, 1).reshape(-1, m)
    return (s @ e_last.conj()).real.reshape(cout, cin, k1, k_last)


# --------------------------------------------------------------------------
# Channel mixing with one input channel (reference: maths.mix)

def mix(xf, wf):
    """(F, B, 1) x (F, 1, Cout) as a broadcast product (NumPy's stacked GEMM
    with inner size 1 is several times slower)."""
    return xf * wf if xf.shape[-1] == 1 else None


# --------------------------------------------------------------------------
# 1D average pooling as one real GEMM (reference: maths.avg_pool)

@backend.device_constant
def _avg_pool_matrix(n, s, dtype):
    """The reference map applied to the real basis: it is real-linear (the
    mirrored aliases are conjugates), so this matrix is the whole map."""
    m = half_size(n)
    basis = _np.eye(2 * m).view(_np.complex128)                       # (2m, m) complex rows
    pooled = fold(basis * dirichlet(n, s, _np, "complex128", half=True), (n,), s)
    return _np.ascontiguousarray(pooled.view(_np.float64)).astype(dtype)


def _pool_gemm(z, n, s, transpose):
    xp = backend.array_module(z)
    real = z.real.dtype
    m = _avg_pool_matrix(n, s, _np.dtype(real).name, xp=xp)
    rows = xp.ascontiguousarray(z).view(real).reshape(-1, z.shape[-1] * 2)
    out = rows @ (m.T if transpose else m)
    return out.view(z.dtype).reshape(z.shape[:-1] + (out.shape[-1] // 2,))


def avg_pool(x, spatial_shape, s):
    """1D C-ordered complex spectra: view(Y) = view(X) @ M."""
    if len(spatial_shape) != 1 or x.dtype.kind != "c" or not x.flags.c_contiguous:
        return None
    return _pool_gemm(x, spatial_shape[-1], s, transpose=False)


def avg_pool_adjoint(g, spatial_shape, s):
    """view(grad_X) = view(grad_Y) @ M^T (any memory order: a C-ordered copy
    plus the GEMM still beat the slices)."""
    if len(spatial_shape) != 1 or g.dtype.kind != "c":
        return None
    return _pool_gemm(g, spatial_shape[-1], s, transpose=True)


# --------------------------------------------------------------------------
# The readout as one real GEMM (reference: maths.readout)

def readout_views(xf, vf):
    """(view(X), view(conj V)) for :func:`readout`, or None unless both are
    complex of one dtype."""
    if xf.dtype.kind != "c" or vf.dtype != xf.dtype:
        return None
    xp = backend.array_module(xf)
    real = xf.real.dtype
    return xp.ascontiguousarray(xf).view(real), xp.conj(vf).view(real)


def readout(xr, vr):
    """Re(V X) = [Xr, Xi] . [Vr, -Vi] on the views of :func:`readout_views`."""
    return xr @ vr.T


def readout_adjoint(g, xr, vr):
    """(grad_X, grad_V) = (g conj(V), g^T conj(X)) as real GEMMs viewed back as complex."""
    return _as_complex(g @ vr), _as_complex(g.T @ xr).conj()


def _as_complex(pairs):
    """A C-ordered real array of interleaved (re, im) pairs viewed as complex."""
    return pairs.view(backend.result_type(pairs.dtype, "complex64"))
