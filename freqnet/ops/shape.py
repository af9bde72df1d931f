"""Shape ops: reshape, transpose, indexing, concatenate/stack, pad, device
moves and casts. Each backward is the adjoint of a pure index map."""
from .. import backend
from ..autograd import Function
from ..tensor import Tensor
from ..backend import numpy as _np


class Reshape(Function):
    def forward(self, x, shape):
        self.shape = x.shape
        try:
            return x.reshape(shape)
        except ValueError:
            raise ValueError(
                f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into {tuple(shape)}"
            ) from None

    def backward(self, g):
        return g.reshape(self.shape), None


class Transpose(Function):
    def forward(self, x, axes):
        if axes is not None and sorted(a % x.ndim for a in axes) != list(range(x.ndim)):
            raise ValueError(f"transpose: axes {tuple(axes)} are not a permutation of {x.ndim} axes")
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        inverse = None if self.axes is None else tuple(_np.argsort([a % g.ndim for a in self.axes]))
        return g.transpose(inverse), None


class SwapAxes(Function):
    def forward(self, x, a, b):
        self.pair = a, b
        return x.swapaxes(a, b)

    def backward(self, g):
        return g.swapaxes(*self.pair), None, None


class GetItem(Function):
    """x[index]; repeated integer indices accumulate in backward."""

    def forward(self, x, index):
        self.index, self.shape = index, x.shape
        try:
            return x[index]
        except IndexError as exc:
            raise IndexError(f"index {index!r} into a tensor of shape {x.shape}: {exc}") from None

    def backward(self, g):
        xp = backend.array_module(g)
        out = xp.zeros(self.shape, dtype=g.dtype)
        if _is_basic(self.index):
            out[self.index] = g          # a view: no index repeats
        else:
            backend.add_at(out, self.index, g)
        return out, None


def _is_basic(index):
    parts = index if isinstance(index, tuple) else (index,)
    return all(p is None or p is Ellipsis or isinstance(p, (int, slice)) for p in parts)


class Concatenate(Function):
    def forward(self, *arrays_and_axis):
        *arrays, axis = arrays_and_axis
        xp = backend.array_module(arrays[0])
        ref = arrays[0].shape
        for a in arrays[1:]:
            if a.ndim != len(ref) or any(
                    n != m for i, (n, m) in enumerate(zip(a.shape, ref)) if i != axis % len(ref)):
                raise ValueError(
                    f"concatenate: shapes {ref} and {a.shape} differ outside axis {axis}")
        self.axis = axis
        self.splits = _np.cumsum([a.shape[axis] for a in arrays])[:-1].tolist()   # host ints
        return xp.concatenate(arrays, axis=axis)

    def backward(self, g):
        xp = backend.array_module(g)
        return (*xp.split(g, self.splits, axis=self.axis), None)


class Stack(Function):
    def forward(self, *arrays_and_axis):
        *arrays, axis = arrays_and_axis
        for a in arrays[1:]:
            if a.shape != arrays[0].shape:
                raise ValueError(f"stack: all shapes must match; got {arrays[0].shape} and {a.shape}")
        self.axis = axis
        return backend.array_module(arrays[0]).stack(arrays, axis=axis)

    def backward(self, g):
        xp = backend.array_module(g)
        parts = xp.split(g, g.shape[self.axis], axis=self.axis)
        return (*(p.squeeze(self.axis) for p in parts), None)


class Pad(Function):
    """Padding, ``mode="constant"`` (a value) or ``"wrap"`` (periodic).

    Both are index maps; backward scatter-adds through the same map.
    """

    MODES = ("constant", "wrap")

    def forward(self, x, pad_width, mode, value):
        if mode not in self.MODES:
            raise ValueError(f"pad: mode must be one of {self.MODES}, got {mode!r}")
        self.shape, self.pad_width, self.mode = x.shape, pad_width, mode
        if mode == "constant":
            return backend.pad(x, pad_width, "constant", constant_values=value)
        return backend.pad(x, pad_width, "wrap")

    def backward(self, g):
        xp = backend.array_module(g)
        if self.mode == "constant":
            index = tuple(slice(lo, lo + n) for (lo, _), n in zip(self.pad_width, self.shape))
            return g[index], None, None, None
        source = xp.arange(int(_np.prod(self.shape))).reshape(self.shape)
        source = backend.pad(source, self.pad_width, "wrap")
        out = xp.zeros(int(_np.prod(self.shape)), dtype=g.dtype)
        backend.add_at(out, source.ravel(), g.ravel())
        return out.reshape(self.shape), None, None, None


class ToDevice(Function):
    def forward(self, x, device):
        self.source = backend.device_of(x)
        return backend.to_device(x, device)

    def backward(self, g):
        return backend.to_device(g, self.source), None


class AsType(Function):
    def forward(self, x, dtype):
        self.source = x.dtype
        if x.dtype.kind == "c" and dtype.kind != "c":
            x = x.real                  # complex -> real keeps Re (as backward assumes)
        return x.astype(dtype)

    def backward(self, g):
        if self.source.kind != "c" and g.dtype.kind == "c":
            g = g.real
        return g.astype(self.source), None


def _pad_width(pad_width, ndim):
    """NumPy's pad_width forms as ((before, after),) * ndim."""
    pw = _np.asarray(pad_width, dtype=int)
    try:
        pw = _np.broadcast_to(pw, (ndim, 2))
    except ValueError:
        raise ValueError(f"pad: pad_width {pad_width!r} does not fit a tensor with {ndim} dimensions") from None
    if (pw < 0).any():
        raise ValueError(f"pad: pad_width must be non-negative, got {pad_width!r}")
    return tuple((int(a), int(b)) for a, b in pw)


def reshape(x, shape): return Reshape()(x, tuple(shape) if not isinstance(shape, int) else (shape,))
def transpose(x, axes=None): return Transpose()(x, axes)
def swapaxes(x, a, b): return SwapAxes()(x, a, b)


def getitem(x, index):
    if isinstance(index, Tensor):
        index = index.data
    elif isinstance(index, tuple):
        index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
    return GetItem()(x, index)


def concatenate(tensors, axis=0): return Concatenate()(*tensors, axis)
def stack(tensors, axis=0): return Stack()(*tensors, axis)


def pad(x, pad_width, mode="constant", constant_values=0):
    return Pad()(x, _pad_width(pad_width, x.ndim), mode, constant_values)


def to_device(x, device): return ToDevice()(x, device)
def astype(x, dtype): return AsType()(x, backend.dtype(dtype))
