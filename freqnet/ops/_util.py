"""Helpers shared by the op modules: broadcasting and shape checks."""
from .. import backend


def shape_of(x):
    return getattr(x, "shape", ())


def broadcast_shape(op_name, a, b):
    """The broadcast shape of two operands, or an error naming both shapes."""
    sa, sb = shape_of(a), shape_of(b)
    try:
        return backend.numpy.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(
            f"{op_name}: operands with shapes {tuple(sa)} and {tuple(sb)} cannot be broadcast together"
        ) from None


def unbroadcast(grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched to
    reach ``shape`` (the adjoint of broadcasting)."""
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    stretched = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if stretched:
        grad = grad.sum(axis=stretched, keepdims=True)
    return grad


def normalize_axes(axis, ndim):
    """``axis`` (None, int or tuple) as a sorted tuple of non-negative ints."""
    if axis is None:
        return tuple(range(ndim))
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    out = []
    for a in axis:
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % ndim)
    return tuple(sorted(out))
