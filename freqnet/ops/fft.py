"""FFT ops with exact adjoints (THEORY.md §0 and §2).

For the linear map Y = A x in the PyTorch convention, grad_x = A^H grad_Y.
* fft/ifft: the adjoint of a DFT with ``norm`` is the inverse DFT with the
  swapped norm ("backward" <-> "forward", "ortho" stays), as in Chainer.
* rfft: grad_x = irfft(grad_Y / d, norm=swapped) -- the half spectrum holds
  the interior bins once, so they are divided by their multiplicity d_k.
* irfft: grad_Y = d * rfft(grad_x, norm=swapped) -- the interior bins are
  doubled; irfft ignores Im of the DC and Nyquist bins, and so does this.
Odd and even lengths work; ``n``/``s`` crops or zero-pads as NumPy does, and
the adjoint of a crop is a zero-pad.
"""
from .. import backend
from ..autograd import Function
from ._util import normalize_axes

NORMS = ("backward", "ortho", "forward")


def multiplicity(n, m=None, xp=None, dtype=None):
    """d_k for the half spectrum of a length-n real signal (THEORY.md §0):
    1 for k = 0 and (n even) k = n/2, else 2. Length ``m`` (default n//2+1)."""
    xp = xp or backend.xp
    m = n // 2 + 1 if m is None else m
    d = xp.full(m, 2.0, dtype=dtype or "float64")
    d[0] = 1.0
    if n % 2 == 0 and n // 2 < m:
        d[n // 2] = 1.0
    return d
_SWAP = {"backward": "forward", "ortho": "ortho", "forward": "backward"}


def _check_norm(norm):
    if norm is None:                     # NumPy's spelling of the default
        return "backward"
    if norm not in NORMS:
        raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
    return norm


def _fit(a, axes, sizes):
    """Crop or zero-pad ``a`` along ``axes`` to ``sizes`` (from the start)."""
    xp = backend.array_module(a)
    for ax, n in zip(axes, sizes):
        m = a.shape[ax]
        if m > n:
            a = a[(slice(None),) * ax + (slice(0, n),)]
        elif m < n:
            width = [(0, 0)] * a.ndim
            width[ax] = (0, n - m)
            a = xp.pad(a, width)
    return a


def _axes_and_sizes(x, s, axes, ndefault):
    if axes is None:
        axes = tuple(range(-ndefault, 0)) if s is None else tuple(range(-len(s), 0))
    elif isinstance(axes, int):
        axes = (axes,)
    normalize_axes(axes, x.ndim)            # out-of-range axes raise here
    axes = tuple(a % x.ndim for a in axes)
    if len(set(axes)) != len(axes):
        raise ValueError(f"repeated axes are not supported: {axes}")
    if s is None:
        s = tuple(x.shape[a] for a in axes)
    elif isinstance(s, int):
        s = (s,)
    if len(s) != len(axes):
        raise ValueError(f"s={tuple(s)} and axes={axes} must have the same length")
    return axes, tuple(int(n) for n in s)


class FFTN(Function):
    """Complex DFT (``inverse=False``) or inverse DFT over ``axes``."""

    category = "transform"

    def __init__(self, inverse):
        self.inverse = inverse
        self.transform = "inverse" if inverse else "forward"

    def forward(self, x, s, axes, norm):
        self.axes, s = _axes_and_sizes(x, s, axes, 1 if axes is None and s is None else 0)
        self.in_sizes = tuple(x.shape[a] for a in self.axes)
        self.norm = _check_norm(norm)
        op = backend.ifftn if self.inverse else backend.fftn
        return op(x, s=s, axes=self.axes, norm=norm)

    def backward(self, g):
        op = backend.fftn if self.inverse else backend.ifftn
        gx = op(g, axes=self.axes, norm=_SWAP[self.norm])
        return _fit(gx, self.axes, self.in_sizes), None, None, None


class RFFTN(Function):
    """Real-to-half-spectrum DFT over ``axes`` (the last one is halved)."""

    category = "transform"
    transform = "forward"

    def forward(self, x, s, axes, norm):
        if x.dtype.kind == "c":
            raise TypeError(f"rfft takes a real tensor; got dtype {x.dtype} (use fft for complex input)")
        self.axes, self.s = _axes_and_sizes(x, s, axes, 0)
        self.in_sizes = tuple(x.shape[a] for a in self.axes)
        self.norm = _check_norm(norm)
        return backend.rfftn(x, s=self.s, axes=self.axes, norm=norm)

    def backward(self, g):
        xp = backend.array_module(g)
        n = self.s[-1]
        inv_d = 1 / multiplicity(n, xp=xp, dtype=g.real.dtype)      # a product: complex / is ~15x slower
        g = g * inv_d.reshape((-1,) + (1,) * (g.ndim - 1 - self.axes[-1]))
        gx = backend.irfftn(g, s=self.s, axes=self.axes, norm=_SWAP[self.norm])
        return _fit(gx, self.axes, self.in_sizes), None, None, None


class IRFFTN(Function):
    """Half spectrum to real signal over ``axes``; ``s`` gives the output size."""

    category = "transform"
    transform = "inverse"

    def forward(self, x, s, axes, norm):
        self.axes, _ = _axes_and_sizes(x, s, axes, 0)
        if s is None:
            s = tuple(x.shape[a] for a in self.axes[:-1]) + (2 * (x.shape[self.axes[-1]] - 1),)
        elif isinstance(s, int):
            s = (s,)
        self.s = tuple(int(n) for n in s)
        self.in_sizes = tuple(x.shape[a] for a in self.axes)
        self.norm = _check_norm(norm)
        if x.dtype.kind != "c":
            x = x.astype(backend.result_type(x.dtype, "complex64"))
        return backend.irfftn(x, s=self.s, axes=self.axes, norm=norm)

    def backward(self, g):
        xp = backend.array_module(g)
        n = self.s[-1]
        gy = backend.rfftn(g, axes=self.axes, norm=_SWAP[self.norm])
        d = multiplicity(n, xp=xp, dtype=g.dtype)
        gy *= d.reshape((-1,) + (1,) * (g.ndim - 1 - self.axes[-1]))              # gy is ours: in place
        return _fit(gy, self.axes, self.in_sizes), None, None, None


def fft(x, n=None, axis=-1, norm="backward"):
    return FFTN(False)(x, None if n is None else (n,), (axis,), norm)


def ifft(x, n=None, axis=-1, norm="backward"):
    return FFTN(True)(x, None if n is None else (n,), (axis,), norm)


def rfft(x, n=None, axis=-1, norm="backward"):
    return RFFTN()(x, None if n is None else (n,), (axis,), norm)


def irfft(x, n=None, axis=-1, norm="backward"):
    return IRFFTN()(x, None if n is None else (n,), (axis,), norm)


def fftn(x, s=None, axes=None, norm="backward"):
    return FFTN(False)(x, s, _all_axes(x, s, axes), norm)


def ifftn(x, s=None, axes=None, norm="backward"):
    return FFTN(True)(x, s, _all_axes(x, s, axes), norm)


def rfftn(x, s=None, axes=None, norm="backward"):
    return RFFTN()(x, s, _all_axes(x, s, axes), norm)


def irfftn(x, s=None, axes=None, norm="backward"):
    return IRFFTN()(x, s, _all_axes(x, s, axes), norm)


def fft2(x, s=None, axes=(-2, -1), norm="backward"):
    return FFTN(False)(x, s, axes, norm)


def ifft2(x, s=None, axes=(-2, -1), norm="backward"):
    return FFTN(True)(x, s, axes, norm)


def rfft2(x, s=None, axes=(-2, -1), norm="backward"):
    return RFFTN()(x, s, axes, norm)


def irfft2(x, s=None, axes=(-2, -1), norm="backward"):
    return IRFFTN()(x, s, axes, norm)


def _all_axes(x, s, axes):
    if axes is not None:
        return axes
    if s is not None:
        return tuple(range(-len(s), 0))
    return tuple(range(x.ndim))
