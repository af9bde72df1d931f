"""Adam and AdamW, complex-aware (DESIGN.md §3, THEORY.md §7).

m <- b1*m + (1-b1)*g;  v <- b2*v + (1-b2)*g*conj(g)  (real: |g|^2)
w <- w - lr * (m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)

For a complex weight the real and imaginary parts share one second moment,
|g|^2 = Re(g)^2 + Im(g)^2, so the step does not depend on the arbitrary
phase of a frequency bin (rotating the gradient rotates the step). Adam
adds ``weight_decay*w`` to the gradient (L2); AdamW decays the weight
directly, w <- w*(1 - lr*wd), before the Adam step (Loshchilov & Hutter).
"""
from .. import backend
from .optimizer import Optimizer


def _abs2(g):
    return (g.real * g.real + g.imag * g.imag) if g.dtype.kind == "c" else g * g


class Adam(Optimizer):
    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay))

    def _check_options(self, group):
        super()._check_options(group)
        b1, b2 = group["betas"]
        if not (0 <= b1 < 1 and 0 <= b2 < 1):
            raise ValueError(f"{type(self).__name__}: betas must lie in [0, 1), got {group['betas']}")
        if group["eps"] < 0 or group["weight_decay"] < 0:
            raise ValueError(f"{type(self).__name__}: eps and weight_decay must be >= 0")
        group["betas"] = (float(b1), float(b2))

    def _update(self, w, g, state, group):
        xp = backend.array_module(w)
        lr, wd, eps = group["lr"], group["weight_decay"], group["eps"]
        b1, b2 = group["betas"]
        if wd and self.decoupled:
            w = w * (1 - lr * wd)
        elif wd:
            g = g + wd * w
        if "step" not in state:
            state["step"] = 0
            state["exp_avg"] = xp.zeros_like(g)
            state["exp_avg_sq"] = xp.zeros(g.shape, dtype=g.real.dtype)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]     # owned by the optimizer: update in place
        m *= b1
        m += (1 - b1) * g
        v *= b2
        v += (1 - b2) * _abs2(g)
        denom = xp.sqrt(v / (1 - b2 ** t))
        denom += eps
        step = m / denom
        step *= lr / (1 - b1 ** t)
        return w - step.astype(w.dtype, copy=False)


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01, as PyTorch)."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.01):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay)
