"""Pointwise functions: exp, log, sqrt, abs, clip, where and the classic
activations. Holomorphic rules use grad_z = g * conj(f'(z)) (THEORY.md §0)."""
from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from ._util import broadcast_shape, shape_of, unbroadcast


def _conj(x):
    return x.conj() if x.dtype.kind == "c" else x


def _require_real(name, x):
    if x.dtype.kind == "c":
        raise TypeError(f"{name} is defined for real tensors only; got dtype {x.dtype}")


class Exp(Function):
    def forward(self, x):
        y = backend.array_module(x).exp(x)
        self.save(y)
        return y

    def backward(self, g):
        return g * _conj(self.saved[0])


class Log(Function):
    def forward(self, x):
        self.save(x)
        return backend.array_module(x).log(x)

    def backward(self, g):
        return g / _conj(self.saved[0])


class Sqrt(Function):
    def forward(self, x):
        y = backend.array_module(x).sqrt(x)
        self.save(y)
        return y

    def backward(self, g):
        return g / (2 * _conj(self.saved[0]))


class Abs(Function):
    """|x|; for complex z the gradient is g * z/|z| (0 at z = 0)."""

    def forward(self, x):
        xp = backend.array_module(x)
        y = xp.abs(x)
        self.save(x, y)
        return y

    def backward(self, g):
        x, y = self.saved
        xp = backend.array_module(x)
        if x.dtype.kind != "c":
            return g * xp.sign(x)
        safe = xp.where(y == 0, 1, y)
        return g * xp.where(y == 0, 0, x / safe)


class Clip(Function):
    def forward(self, x, lo, hi):
        _require_real("clip", x)
        xp = backend.array_module(x)
        self.save(x)
        self.bounds = lo, hi
        return xp.clip(x, lo, hi)

    def backward(self, g):
        (x,) = self.saved
        lo, hi = self.bounds
        mask = True
        if lo is not None:
            mask = mask & (x >= lo)
        if hi is not None:
            mask = mask & (x <= hi)
        return g * mask, None, None


class Where(Function):
    def forward(self, cond, a, b):
        xp = backend.array_module(cond if backend.is_array(cond) else a)
        broadcast_shape("where", a, b)
        self.save(cond)
        self.shapes = shape_of(a), shape_of(b)
        return xp.where(cond, a, b)

    def backward(self, g):
        (cond,) = self.saved
        zero = g.dtype.type(0)
        xp = backend.array_module(g)
        ga = unbroadcast(xp.where(cond, g, zero), self.shapes[0]) if self.needs(1) else None
        gb = unbroadcast(xp.where(cond, zero, g), self.shapes[1]) if self.needs(2) else None
        return None, ga, gb


class ReLU(Function):
    category = "activation"

    def forward(self, x):
        _require_real("relu", x)
        self.save(x > 0)
        return x * self.saved[0]

    def backward(self, g):
        return g * self.saved[0]


class Sigmoid(Function):
    category = "activation"

    def forward(self, x):
        _require_real("sigmoid", x)
        xp = backend.array_module(x)
        e = xp.exp(-xp.abs(x))             # never overflows; accurate in both tails
        y = xp.where(x >= 0, 1, e) / (1 + e)
        self.save(y)
        return y

    def backward(self, g):
        y = self.saved[0]
        return g * y * (1 - y)


class Tanh(Function):
    category = "activation"

    def forward(self, x):
        _require_real("tanh", x)
        y = backend.array_module(x).tanh(x)
        self.save(y)
        return y

    def backward(self, g):
        y = self.saved[0]
        return g * (1 - y * y)


class GELU(Function):
    """Exact GELU: x * Phi(x), Phi the standard normal CDF."""

    category = "activation"

    def forward(self, x):
        _require_real("gelu", x)
        xp = backend.array_module(x)
        cdf = 0.5 * (1 + backend.erf(x / xp.sqrt(x.dtype.type(2))))
        self.save(x, cdf)
        return x * cdf

    def backward(self, g):
        x, cdf = self.saved
        xp = backend.array_module(x)
        pdf = xp.exp(-0.5 * x * x) / x.dtype.type((2 * 3.141592653589793) ** 0.5)
        return g * (cdf + x * pdf)


def exp(x): return Exp()(x)
def log(x): return Log()(x)
def sqrt(x): return Sqrt()(x)
def abs(x): return Abs()(x)  # noqa: A001  (NumPy's name)
def clip(x, a_min=None, a_max=None): return Clip()(x, a_min, a_max)
def where(cond, a, b):
    return Where()(cond.data if isinstance(cond, Tensor) else cond, a, b)
def relu(x): return ReLU()(x)
def sigmoid(x): return Sigmoid()(x)
def tanh(x): return Tanh()(x)
def gelu(x): return GELU()(x)
