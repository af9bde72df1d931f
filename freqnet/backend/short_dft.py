"""Speed route of the host's short real FFTs: one real GEMM with a cached DFT matrix.

For a 1D rfft/irfft over the last axis of a host array of length n <= 32,
pocketfft's per-transform overhead dominates, and ``x @ D`` with the (n, 2m)
real DFT matrix D (interleaved (re, im) columns) is faster. :func:`rfftn`
and :func:`irfftn` equal ``scipy.fft.rfftn``/``irfftn`` to rounding
(including c2r ignoring the imaginary parts of the DC and Nyquist bins), or
return None where they do not apply; the backend goes through
:func:`freqnet.fastpaths.route`, so ``FREQNET_FAST=0`` uses pocketfft
everywhere. tests/test_fast_paths.py compares the two.
"""
import functools

import numpy

MAX_LEN = 32
_REAL = {"<f4": numpy.complex64, "<f8": numpy.complex128}       # real dtype -> its complex
_COMPLEX = {"<c8": numpy.float32, "<c16": numpy.float64}       # complex dtype -> its real


def _short_last_axis(a, s, axes, dtypes):
    """n when this is a 1D transform over the last axis of a host array (of a
    dtype in ``dtypes``) with n <= MAX_LEN, else None."""
    if type(a) is not numpy.ndarray or a.dtype.str not in dtypes or a.ndim == 0 or a.size == 0:
        return None
    if axes is None or len(axes) != 1 or axes[0] not in (-1, a.ndim - 1):
        return None
    if s is None:
        n = a.shape[-1]
    elif len(s) == 1:
        n = int(s[0])
    else:
        return None
    return n if 1 <= n <= MAX_LEN else None


@functools.lru_cache(maxsize=None)
def _dft_matrix(n, real_dtype, norm, inverse):
    """rfft: (n, 2m) with x @ D = interleaved (re, im) of the half spectrum;
    irfft: (2m, n) with interleaved (re, im) @ E = the real signal; E weights
    the interior bins by d_k = 2 (THEORY.md §0) and drops Im at DC/Nyquist."""
    m = n // 2 + 1
    k, t = numpy.arange(m), numpy.arange(n)
    ang = 2 * numpy.pi * ((numpy.outer(k, t) % n) / n)               # (m, n)
    cos, sin = numpy.cos(ang), numpy.sin(ang)
    sin[0] = 0.0
    if n % 2 == 0:
        sin[n // 2] = 0.0
    scale = {"backward": 1.0 / n if inverse else 1.0, "forward": 1.0 if inverse else 1.0 / n,
             "ortho": 1.0 / numpy.sqrt(n)}.get(norm or "backward")
    if scale is None:
        raise ValueError(f'norm must be "backward", "ortho" or "forward"; got {norm!r}')
    if inverse:
        d = numpy.full(m, 2.0)
        d[0] = 1.0
        if n % 2 == 0:
            d[-1] = 1.0
        mat = numpy.stack([d[:, None] * cos, -d[:, None] * sin], axis=1).reshape(2 * m, n)
    else:
        mat = numpy.stack([cos.T, -sin.T], axis=2).reshape(n, 2 * m)
    mat = numpy.ascontiguousarray(mat * scale, dtype=real_dtype)
    mat.flags.writeable = False                     # shared by every call
    return mat


def rfftn(a, s, axes, norm):
    """scipy.fft.rfftn(a, s, axes, norm) for a short last axis, else None."""
    n = _short_last_axis(a, s, axes, tuple(_REAL))
    if not n or n != a.shape[-1]:
        return None
    out = a.reshape(-1, n) @ _dft_matrix(n, a.dtype.str, norm, inverse=False)
    return out.view(_REAL[a.dtype.str]).reshape(a.shape[:-1] + (n // 2 + 1,))


def irfftn(a, s, axes, norm):
    """scipy.fft.irfftn(a, s, axes, norm) for a short last axis, else None."""
    sizes = s if s is not None or not getattr(a, "ndim", 0) else (2 * (a.shape[-1] - 1),)
    n = _short_last_axis(a, sizes, axes, tuple(_COMPLEX))
    if not n or a.shape[-1] != n // 2 + 1:
        return None
    m = a.shape[-1]
    ri = numpy.ascontiguousarray(a).view(_COMPLEX[a.dtype.str]).reshape(-1, 2 * m)
    return (ri @ _dft_matrix(n, ri.dtype.str, norm, inverse=True)).reshape(a.shape[:-1] + (n,))
