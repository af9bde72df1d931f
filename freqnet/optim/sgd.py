"""Stochastic gradient descent with momentum, Nesterov and weight decay.

The update is PyTorch's: g <- g + wd*w; b <- mu*b + (1-dampening)*g (b = g at
the first step); g <- g + mu*b (Nesterov) or b; w <- w - lr*g. Complex
parameters need nothing special (THEORY.md §0 gradient convention).
"""
from .optimizer import Optimizer


class SGD(Optimizer):
    def __init__(self, params, lr=0.01, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov))

    def _check_options(self, group):
        super()._check_options(group)
        for name in ("momentum", "dampening", "weight_decay"):
            if group[name] < 0:
                raise ValueError(f"SGD: {name} must be >= 0, got {group[name]}")
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: nesterov needs momentum > 0 and dampening = 0")

    def _update(self, w, g, state, group):
        if group["weight_decay"]:
            g = g + group["weight_decay"] * w
        mu = group["momentum"]
        if mu:
            if "momentum_buffer" not in state:
                buf = g.copy()
            else:
                buf = mu * state["momentum_buffer"] + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + mu * buf if group["nesterov"] else buf
        return w - group["lr"] * g
