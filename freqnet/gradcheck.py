"""Gradient checking by central finite differences (DESIGN.md §3).

The function's output y (real or complex, any shape) is reduced to the real
scalar L = Re sum(conj(R) * y) with a fixed random R, so every output entry
is probed. The analytic gradient of L (PyTorch's complex convention, THEORY.md
§0) is compared with central differences of L taken on the real part and,
for complex inputs, the imaginary part of every input element, and with a
directional derivative along a seeded random direction.
"""
from . import backend
from .autograd import no_grad
from .tensor import Tensor


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree."""


def _random_like(rng, arr):
    xp = backend.array_module(arr)
    r = rng.standard_normal(arr.shape)
    if arr.dtype.kind == "c":
        r = r + 1j * rng.standard_normal(arr.shape)
    return xp.asarray(r.astype(arr.dtype))


def _as_tuple(x):
    return x if isinstance(x, (tuple, list)) else (x,)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-8, rtol=1e-6, seed=0, elementwise=True,
              max_elements=None):
    """Check ``fn(*inputs)``'s gradients against finite differences.

    ``inputs`` are Tensors; those with ``requires_grad`` are checked and must
    be float64 or complex128. ``elementwise`` probes every element (keep
    shapes small); the random-direction test always runs. Raises
    :class:`GradcheckError` naming the input and element on a mismatch, and
    returns True otherwise.
    """
    inputs = _as_tuple(inputs)
    checked = [x for x in inputs if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True")
    for x in checked:
        if x.dtype.name not in ("float64", "complex128"):
            raise ValueError(f"gradcheck needs float64 or complex128 inputs; got {x.dtype}")
    rng = backend.numpy.random.default_rng(seed)

    outputs = _as_tuple(fn(*inputs))
    weights = [_random_like(rng, y.data) for y in outputs]

    def loss_of(outs):
        total = 0.0
        for y, w in zip(_as_tuple(outs), weights):
            total = total + (y.data * w.conj()).real.sum()
        return float(total)

    def loss_tensor(outs):
        total = None
        for y, w in zip(_as_tuple(outs), weights):
            term = (y * Tensor(w.conj())).real.sum()
            total = term if total is None else total + term
        return total

    for x in checked:
        x.grad = None
    loss_tensor(outputs).backward()
    analytic = [x.grad.data if x.grad is not None else
                backend.array_module(x.data).zeros_like(x.data) for x in checked]

    def numeric(x, direction):
        orig = x.data
        with no_grad():
            x.data = orig + eps * direction
            plus = loss_of(fn(*inputs))
            x.data = orig - eps * direction
            minus = loss_of(fn(*inputs))
        x.data = orig
        return (plus - minus) / (2 * eps)

    def close(a, n):
        return abs(a - n) <= atol + rtol * max(abs(a), abs(n))

    for k, (x, ga) in enumerate(zip(checked, analytic)):
        if elementwise:
            xp = backend.array_module(x.data)
            flat_count = x.data.size if max_elements is None else min(x.data.size, max_elements)
            parts = (1.0, 1j) if x.dtype.kind == "c" else (1.0,)
            for idx in range(flat_count):
                for part in parts:
                    e = xp.zeros(x.data.size, dtype=x.dtype)
                    e[idx] = part
                    n = numeric(x, e.reshape(x.shape))
                    gflat = ga.reshape(-1)[idx]
                    a = float(gflat.real if part == 1.0 else gflat.imag) if x.dtype.kind == "c" else float(gflat)
                    if not close(a, n):
                        raise GradcheckError(
                            f"gradcheck: input {k} (shape {x.shape}), element {idx}, "
                            f"{'real' if part == 1.0 else 'imaginary'} part: analytic {a:.10g} "
                            f"vs numerical {n:.10g}")
        v = _random_like(rng, x.data)
        n = numeric(x, v)
        a = float((ga * v.conj()).real.sum())
        if not close(a, n):
            raise GradcheckError(
                f"gradcheck: input {k} (shape {x.shape}), random direction: analytic "
                f"{a:.10g} vs numerical {n:.10g}")
    return True
