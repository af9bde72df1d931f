"""Differentiable primitives, grouped by theme; each backward rule sits next
to its forward (DESIGN.md §2)."""
from .. import backend
from ..tensor import Tensor
from .arith import add, sub, mul, div, neg, power, matmul
from .elementwise import exp, log, sqrt, abs, clip, where, relu, sigmoid, tanh, gelu
from .complex import real, imag, conj, angle, complex
from .reduce import sum, mean, max
from .shape import (reshape, transpose, swapaxes, getitem, concatenate, stack, pad,
                    to_device, astype)
from . import fft


def compare(name, a, b):
    """Elementwise comparison (``equal``, ``less``, ...): a bool tensor, no gradient."""
    da = a.data if isinstance(a, Tensor) else a
    db = b.data if isinstance(b, Tensor) else b
    xp = backend.array_module(da if isinstance(a, Tensor) else db)
    da, db = backend.join_device(da, xp), backend.join_device(db, xp)
    return Tensor._make(getattr(xp, name)(da, db), False)
