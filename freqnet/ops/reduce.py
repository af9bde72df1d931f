"""Reductions: sum, mean, max, with NumPy's ``axis``/``keepdims``."""
from .. import backend
from ..autograd import Function
from ._util import normalize_axes


def _expand(g, shape, axes, keepdims):
    """Undo a reduction's shape so ``g`` broadcasts against the input."""
    if not keepdims:
        g = backend.array_module(g).expand_dims(g, axes) if axes else g
    return g


class Sum(Function):
    def forward(self, x, axis, keepdims):
        self.axes = normalize_axes(axis, x.ndim)
        self.keepdims, self.shape = keepdims, x.shape
        return x.sum(axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        xp = backend.array_module(g)
        return xp.broadcast_to(_expand(g, self.shape, self.axes, self.keepdims), self.shape), None, None


class Mean(Function):
    def forward(self, x, axis, keepdims):
        self.axes = normalize_axes(axis, x.ndim)
        self.keepdims, self.shape = keepdims, x.shape
        self.count = 1
        for a in self.axes:
            self.count *= x.shape[a]
        return x.mean(axis=self.axes, keepdims=keepdims)

    def backward(self, g):
        xp = backend.array_module(g)
        g = _expand(g, self.shape, self.axes, self.keepdims) / self.count
        return xp.broadcast_to(g, self.shape), None, None


class Max(Function):
    """Max of a real tensor; ties share the gradient equally."""

    def forward(self, x, axis, keepdims):
        if x.dtype.kind == "c":
            raise TypeError(f"max is defined for real tensors only; got dtype {x.dtype}")
        if x.size == 0:
            raise ValueError("max of an empty tensor")
        self.axes = normalize_axes(axis, x.ndim)
        self.keepdims = keepdims
        y = x.max(axis=self.axes, keepdims=True)
        mask = x == y
        self.save(mask / mask.sum(axis=self.axes, keepdims=True))
        return y if keepdims else y.reshape([n for i, n in enumerate(y.shape) if i not in self.axes])

    def backward(self, g):
        (share,) = self.saved
        return _expand(g, share.shape, self.axes, self.keepdims) * share, None, None


def sum(x, axis=None, keepdims=False): return Sum()(x, axis, keepdims)  # noqa: A001
def mean(x, axis=None, keepdims=False): return Mean()(x, axis, keepdims)
def max(x, axis=None, keepdims=False): return Max()(x, axis, keepdims)  # noqa: A001
