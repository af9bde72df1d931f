"""Complex parts: real, imag, conj, angle, and building a complex tensor.

THEORY.md §0: Y = conj(X) gives grad_X = conj(grad_Y); Y = Re X gives
grad_X = Re grad_Y; Y = Im X gives grad_X = i grad_Y.
"""
from .. import backend
from ..autograd import Function
from ._util import broadcast_shape, shape_of, unbroadcast


class Real(Function):
    def forward(self, x):
        return x.real.copy() if x.dtype.kind == "c" else x

    def backward(self, g):
        return g


class Imag(Function):
    def forward(self, x):
        self.complex_in = x.dtype.kind == "c"
        return x.imag.copy() if self.complex_in else backend.array_module(x).zeros_like(x)

    def backward(self, g):
        return 1j * g if self.complex_in else None


class Conj(Function):
    def forward(self, x):
        return x.conj()

    def backward(self, g):
        return g.conj()


class Angle(Function):
    """arg z; grad_z = g * i / conj(z) (0 at z = 0 and for real input)."""

    def forward(self, x):
        xp = backend.array_module(x)
        self.save(x)
        return xp.angle(x).astype(x.real.dtype, copy=False)

    def backward(self, g):
        (x,) = self.saved
        xp = backend.array_module(x)
        if x.dtype.kind != "c":
            return xp.zeros_like(x)
        safe = xp.where(x == 0, 1, x)
        return xp.where(x == 0, 0, g * 1j / safe.conj())


class Complex(Function):
    """re + i im from two real tensors."""

    def forward(self, re, im):
        broadcast_shape("complex", re, im)
        if getattr(re, "dtype", None) is not None and re.dtype.kind == "c" or \
           getattr(im, "dtype", None) is not None and im.dtype.kind == "c":
            raise TypeError("complex(re, im) takes real tensors")
        self.shapes = shape_of(re), shape_of(im)
        return re + 1j * im

    def backward(self, g):
        return unbroadcast(g.real, self.shapes[0]), unbroadcast(g.imag, self.shapes[1])


def real(x): return Real()(x)
def imag(x): return Imag()(x)
def conj(x): return Conj()(x)
def angle(x): return Angle()(x)
def complex(re, im): return Complex()(re, im)  # noqa: A001
