"""Arithmetic ops: + - * / ** @ and negation, with broadcasting.

Complex rules (THEORY.md §0): for y = a*b, grad_a = g*conj(b); for a
holomorphic f, grad_z = g*conj(f'(z)).
"""
from .. import backend
from ..autograd import Function
from ._util import broadcast_shape, shape_of, unbroadcast


def _conj(x):
    if isinstance(x, complex):          # a Python complex constant
        return x.conjugate()
    return x.conj() if getattr(x, "dtype", None) is not None and x.dtype.kind == "c" else x


class Add(Function):
    def forward(self, a, b):
        broadcast_shape("add", a, b)
        self.shapes = shape_of(a), shape_of(b)
        return a + b

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(g, self.shapes[1])


class Sub(Function):
    def forward(self, a, b):
        broadcast_shape("subtract", a, b)
        self.shapes = shape_of(a), shape_of(b)
        return a - b

    def backward(self, g):
        return unbroadcast(g, self.shapes[0]), unbroadcast(-g, self.shapes[1])


class Mul(Function):
    def forward(self, a, b):
        broadcast_shape("multiply", a, b)
        self.save(a, b)
        return a * b

    def backward(self, g):
        a, b = self.saved
        ga = unbroadcast(g * _conj(b), shape_of(a)) if self.needs(0) else None
        gb = unbroadcast(g * _conj(a), shape_of(b)) if self.needs(1) else None
        return ga, gb


class Div(Function):
    def forward(self, a, b):
        broadcast_shape("divide", a, b)
        y = a / b
        self.save(b, y)                  # backward needs only a's shape
        self.shape_a = shape_of(a)
        return y

    def backward(self, g):
        b, y = self.saved
        gb_ = g / _conj(b)
        ga = unbroadcast(gb_, self.shape_a) if self.needs(0) else None
        gb = unbroadcast(-gb_ * _conj(y), shape_of(b)) if self.needs(1) else None
        return ga, gb


class Neg(Function):
    def forward(self, a):
        return -a

    def backward(self, g):
        return -g


class Power(Function):
    """y = a ** b; d/da = b a^(b-1), d/db = y log a."""

    def forward(self, a, b):
        broadcast_shape("power", a, b)
        y = a ** b
        self.save(a, b, y if backend.is_array(b) else None)   # y only for a tensor exponent
        return y

    def backward(self, g):
        a, b, y = self.saved
        ga = gb = None
        if self.needs(0):
            ga = unbroadcast(g * _conj(b * a ** (b - 1)), shape_of(a))
        if self.needs(1):
            from ..backend import array_module
            log_a = array_module(y).log(a)
            gb = unbroadcast(g * _conj(y * log_a), shape_of(b))
        return ga, gb


def _matmul_shapes(a, b):
    sa, sb = shape_of(a), shape_of(b)
    if len(sa) == 0 or len(sb) == 0:
        raise ValueError(f"matmul: operands must have at least 1 dimension, got shapes {sa} and {sb}")
    ka = sa[-1]
    kb = sb[-2] if len(sb) > 1 else sb[0]
    if ka != kb:
        raise ValueError(
            f"matmul: shapes {tuple(sa)} and {tuple(sb)} do not align: "
            f"{ka} (last axis of the first) != {kb} (second-to-last axis of the second)"
        )
    if len(sa) > 2 or len(sb) > 2:
        try:
            from ..backend import numpy
            numpy.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            raise ValueError(f"matmul: batch shapes of {tuple(sa)} and {tuple(sb)} cannot be broadcast") from None


class MatMul(Function):
    """y = a @ b (NumPy semantics, with batch broadcasting)."""

    category = "channel_mixing"

    def forward(self, a, b):
        _matmul_shapes(a, b)
        self.save(a, b)
        return a @ b

    def backward(self, g):
        a, b = self.saved
        a2, b2 = a, b
        g = backend.array_module(g).asarray(g)      # 1-D @ 1-D: g may be a NumPy scalar
        if b.ndim == 1:
            b2, g = b[:, None], g[..., None]
        if a.ndim == 1:
            a2, g = a[None, :], g[..., None, :]
        ga = gb = None
        if self.needs(0):
            ga = unbroadcast(g @ _conj(b2).swapaxes(-1, -2), a2.shape).reshape(a.shape)
        if self.needs(1):
            gb = unbroadcast(_conj(a2).swapaxes(-1, -2) @ g, b2.shape).reshape(b.shape)
        return ga, gb


def add(a, b): return Add()(a, b)
def sub(a, b): return Sub()(a, b)
def mul(a, b): return Mul()(a, b)
def div(a, b): return Div()(a, b)
def neg(a): return Neg()(a)
def power(a, b): return Power()(a, b)
def matmul(a, b): return MatMul()(a, b)
