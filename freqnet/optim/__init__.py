"""Optimizers, learning-rate schedules and gradient clipping (DESIGN.md §3).

Complex parameters follow the PyTorch gradient convention (THEORY.md §0), so
plain descent ``p -= lr * p.grad`` is correct on them; Adam's second moment
uses ``g * conj(g) = |g|^2`` (real). THEORY.md §7 (optimisation caveat):
descent on spectral weights is spatial descent preconditioned per bin, so
give spectral parameters their own param group (learning rate) if needed.
"""
from .optimizer import Optimizer
from .sgd import SGD
from .adam import Adam, AdamW
from .lr_scheduler import (LRScheduler, StepLR, CosineAnnealingLR, LinearWarmup,
                           SequentialLR, ConstantLR)
from .clip import clip_grad_norm_
