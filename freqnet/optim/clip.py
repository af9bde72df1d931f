"""Gradient clipping by the global norm of all gradients (complex-aware).

The norm of a complex gradient counts real and imaginary parts,
||g||_2^2 = sum |g|^2, the same as clipping the stacked real parameters.
"""
import math

from .. import backend


def clip_grad_norm_(parameters, max_norm, norm_type=2.0):
    """Scale all gradients in place so their global norm is at most ``max_norm``.

    Returns the norm before clipping (a float; inf/nan pass through so the
    caller can notice). ``norm_type`` is a p >= 1 or ``inf``.
    """
    if max_norm <= 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be > 0, got {max_norm}")
    norm_type = float(norm_type)
    if not (norm_type >= 1):
        raise ValueError(f"clip_grad_norm_: norm_type must be >= 1 or inf, got {norm_type}")
    grads = [p for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    xp = backend.array_module(grads[0].grad.data)
    mags = [xp.abs(p.grad.data) for p in grads]
    if math.isinf(norm_type):                      # reduced on the device, read back once
        total = float(xp.stack([m.max() for m in mags]).max())
    else:
        total = float(xp.stack([(m.astype("float64") ** norm_type).sum() for m in mags]).sum()) \
            ** (1.0 / norm_type)
    scale = max_norm / (total + 1e-6)
    if scale < 1.0:
        for p in grads:
            p.grad.data = p.grad.data * scale     # a Python float keeps the dtype
    return total
