"""Shared helpers of the checks: host/device conversions, independent spatial
references (index sums, no FFT), freqnet's FFTs on plain arrays, and quadrature.

The references here are written directly from the definitions (THEORY.md §0,
§1) in NumPy on the host, so that freqnet's spectral code path, which runs on
the active backend, is compared with something it does not share.
"""
import warnings

from .. import backend
from ..tensor import Tensor
from .. import fft as ffn
from .record import host  # noqa: F401  (re-exported: the one way back to the host)

np = backend.numpy
special = backend.special
integrate = backend.integrate


def on_device(a):
    """``a`` (host data, or an array of the active backend) as an array of the
    active backend: an explicit upload of host data, no copy otherwise."""
    if backend.is_array(a) and backend.array_module(a) is backend.xp:
        return a
    return backend.xp.asarray(a)


def tensor(a, requires_grad=False):
    """A float64/complex128 freqnet Tensor of ``a`` (host or device array) on the active backend."""
    a = on_device(a)
    dtype = "complex128" if a.dtype.kind == "c" else "float64"
    return Tensor(a.astype(dtype), requires_grad=requires_grad)


def rfft(x, n=None):
    """freqnet.fft.rfft (norm="backward") of host or device data; a device array."""
    return ffn.rfft(tensor(x), n=n).data


def irfft(X, n):
    return ffn.irfft(tensor(X), n=n).data


def rfft2(x):
    return ffn.rfft2(tensor(x)).data


def irfft2(X, s):
    return ffn.irfft2(tensor(X), s=s).data


def multiplicity(n):
    """d_k of THEORY.md §0, as a host array."""
    return ffn.multiplicity(n, xp=np)


def circular_convolution(x, h):
    """(x (*) h)[n] = sum_m x[m] h[(n - m) mod N], by an index sum (host arrays)."""
    n = len(x)
    idx = (np.arange(n)[:, None] - np.arange(n)[None, :]) % n
    return (x[None, :] * h[idx]).sum(axis=1)


def circular_correlation(x, h):
    """y[n] = sum_m x[(n + m) mod N] h[m] (the CNN "convolution"; host arrays)."""
    n = len(x)
    idx = (np.arange(n)[:, None] + np.arange(n)[None, :]) % n
    return (x[idx] * h[None, :]).sum(axis=1)


def quad(f, a, b, **kw):
    """Real quadrature (scipy.integrate.quad, on the host) returning only the value. Its
    round-off warnings are silenced: every check measures its own error."""
    kw.setdefault("limit", 400)
    kw.setdefault("epsabs", 0.0)
    kw.setdefault("epsrel", 1e-13)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", integrate.IntegrationWarning)
        return integrate.quad(f, a, b, **kw)[0]


def fourier_quad(f, a, b, w):
    """int_a^b f(x) e^{-iwx} dx on a finite interval (QAWO cos/sin weights)."""
    if w == 0:
        return complex(quad(f, a, b), 0.0)
    re = quad(f, a, b, weight="cos", wvar=w)
    im = -quad(f, a, b, weight="sin", wvar=w)
    return complex(re, im)


def mpmath_or_none():
    """mpmath if the optional ``theory`` extra is installed, else None."""
    try:
        import mpmath
    except ImportError:
        return None
    return mpmath
