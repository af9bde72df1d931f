"""Learning-rate schedules as closed forms of the step count ``t``.

Each scheduler sets ``group["lr"] = lr_at(group["initial_lr"], t)`` for
every param group; ``step()`` advances ``t`` by one (call it once per epoch
or once per batch, consistently). Closed forms make schedules composable
(:class:`SequentialLR`, :class:`LinearWarmup` with ``then=``) and make a
resumed run land on exactly the same learning rates.
"""
import math


class LRScheduler:
    def __init__(self, optimizer):
        self.optimizer = optimizer
        self.last_step = 0
        self._apply()

    def lr_at(self, base_lr, t):
        raise NotImplementedError

    def _apply(self):
        for group in self.optimizer.param_groups:
            group["lr"] = self.lr_at(group["initial_lr"], self.last_step)

    def step(self):
        self.last_step += 1
        self._apply()

    def get_last_lr(self):
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self):
        return {"last_step": self.last_step}

    def load_state_dict(self, state):
        self.last_step = int(state["last_step"])
        self._apply()

    def __repr__(self):
        return f"{type(self).__name__}(last_step={self.last_step})"


def _check_positive_int(owner, name, value):
    if not isinstance(value, int) or value < 1:
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")


class ConstantLR(LRScheduler):
    """The base learning rate at every step."""

    def lr_at(self, base_lr, t):
        return base_lr


class StepLR(LRScheduler):
    """lr = base * gamma ** (t // step_size)."""

    def __init__(self, optimizer, step_size, gamma=0.1):
        _check_positive_int("StepLR", "step_size", step_size)
        self.step_size, self.gamma = step_size, gamma
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        return base_lr * self.gamma ** (t // self.step_size)


class CosineAnnealingLR(LRScheduler):
    """lr = eta_min + (base - eta_min) * (1 + cos(pi * t / T_max)) / 2, held at
    eta_min after T_max (SGDR without restarts, Loshchilov & Hutter)."""

    def __init__(self, optimizer, T_max, eta_min=0.0):
        _check_positive_int("CosineAnnealingLR", "T_max", T_max)
        self.T_max, self.eta_min = T_max, eta_min
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        t = min(t, self.T_max)
        return self.eta_min + (base_lr - self.eta_min) * (1 + math.cos(math.pi * t / self.T_max)) / 2


class LinearWarmup(LRScheduler):
    """Linear ramp from ``start_factor * base`` to ``base`` over ``warmup_steps``,
    then the schedule ``then`` (another scheduler on the same optimizer, run
    from its own step 0) or the constant base rate."""

    def __init__(self, optimizer, warmup_steps, start_factor=0.0, then=None):
        _check_positive_int("LinearWarmup", "warmup_steps", warmup_steps)
        if not 0 <= start_factor <= 1:
            raise ValueError(f"LinearWarmup: start_factor must lie in [0, 1], got {start_factor}")
        self.warmup_steps, self.start_factor, self.then = warmup_steps, start_factor, then
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        if t < self.warmup_steps:
            return base_lr * (self.start_factor + (1 - self.start_factor) * t / self.warmup_steps)
        return base_lr if self.then is None else self.then.lr_at(base_lr, t - self.warmup_steps)


class SequentialLR(LRScheduler):
    """Schedule ``schedulers[i]`` from step ``milestones[i-1]`` on, each
    restarted at its own step 0 (as ``torch.optim.lr_scheduler.SequentialLR``)."""

    def __init__(self, optimizer, schedulers, milestones):
        if len(milestones) != len(schedulers) - 1 or list(milestones) != sorted(milestones):
            raise ValueError("SequentialLR: need len(schedulers) - 1 increasing milestones, "
                             f"got {len(schedulers)} schedulers and milestones {list(milestones)}")
        self.schedulers, self.milestones = list(schedulers), list(milestones)
        super().__init__(optimizer)

    def lr_at(self, base_lr, t):
        start = 0
        chosen = self.schedulers[0]
        for m, s in zip(self.milestones, self.schedulers[1:]):
            if t >= m:
                start, chosen = m, s
        return chosen.lr_at(base_lr, t - start)
