"""Op timing and domain-switch accounting (DESIGN.md §4).

``with freqnet.profile() as prof:`` records, for every op run inside it, the
seconds spent per category (transform, channel mixing, activation, other) in
the forward and backward passes, and counts forward and inverse transforms
per pass, so a user sees what each choice of layer costs. Each record is
also attributed to the innermost running layer (``Module.__call__`` pushes
itself while a profile is active; a backward record goes to the layer whose
forward created the op), so :func:`freqnet.summary` can say which layer
causes each transform.
"""
import contextlib
import time
from collections import defaultdict

from . import autograd, backend

_active = []
_layers = []          # the Modules whose forward is running, innermost last
perf_counter = time.perf_counter


class Profile:
    """What happened inside one ``freqnet.profile()`` block."""

    def __init__(self):
        self.seconds = defaultdict(float)        # (pass, category) -> s
        self.calls = defaultdict(int)            # (pass, category) -> n
        self.transforms = defaultdict(int)       # (pass, "forward"|"inverse") -> n
        self.transform_roles = defaultdict(int)  # (pass, direction, "activation"|"weight") -> n
        self.layer_seconds = defaultdict(float)     # layer -> s (None: outside any layer)
        self.layer_transforms = defaultdict(int)    # (layer, pass, direction) -> n
        self.layer_outputs = {}                     # layer -> (shape, spatial_shape) of its output
        self.keep_inputs = frozenset()              # layers whose first input is kept ...
        self.layer_inputs = {}                      # ... here: layer -> that input
        self.steps = 0

    def run(self, fn, phase, call, module):
        """The autograd seam (``freqnet.autograd.observer``): run ``call`` (the
        forward or backward of Function ``fn``), timed between two device
        syncs, and record it, attributed to the layer running the op's forward
        (a backward record to the layer whose forward made the op). A backward
        of a transform is a transform the other way (the adjoint of an rfft is
        an irfft)."""
        if phase == "forward":
            fn.profiled_layer = current_layer()
        backend.synchronize(module)
        t0 = perf_counter()
        out = call()
        backend.synchronize(module)
        transform = fn.transform if phase == "forward" else _REVERSED.get(fn.transform)
        self.record(phase, fn.category, perf_counter() - t0, transform, fn.transform_of,
                    layer=fn.profiled_layer)
        return out

    def record(self, phase, category, seconds, transform=None, role="activation", layer=None):
        """One op run; ``layer`` (a Module) defaults to the innermost running one."""
        if layer is None:
            layer = current_layer()
        self.seconds[phase, category] += seconds
        self.calls[phase, category] += 1
        self.layer_seconds[layer] += seconds
        if transform is not None:
            self.transforms[phase, transform] += 1
            self.transform_roles[phase, transform, role] += 1
            self.layer_transforms[layer, phase, transform] += 1

    def layer_transform_count(self, layer, direction, phase=None):
        """Transforms of ``direction`` attributed to ``layer`` (a Module, or None
        for ops run outside every layer, e.g. the loss)."""
        phases = ("forward", "backward") if phase is None else (phase,)
        return sum(self.layer_transforms.get((layer, p, direction), 0) for p in phases)

    def step(self):
        """Mark the end of a training step, for per-step averages."""
        self.steps += 1

    def transform_count(self, direction, phase=None, role=None):
        """Transforms of ``direction`` ("forward"/"inverse") in one or both
        passes; ``role`` "activation" or "weight" counts only transforms of data
        or only those of parameters (a spatially stored conv kernel)."""
        phases = ("forward", "backward") if phase is None else (phase,)
        if role is None:
            return sum(self.transforms.get((p, direction), 0) for p in phases)
        return sum(self.transform_roles.get((p, direction, role), 0) for p in phases)

    @property
    def inverse_transforms(self):
        return self.transform_count("inverse")

    @property
    def forward_transforms(self):
        return self.transform_count("forward")

    def summary(self):
        """A dict: seconds per category and pass, and transform counts."""
        return {
            "seconds": {f"{p}/{c}": round(s, 6) for (p, c), s in sorted(self.seconds.items())},
            "calls": {f"{p}/{c}": n for (p, c), n in sorted(self.calls.items())},
            "transforms": {f"{p}/{d}": n for (p, d), n in sorted(self.transforms.items())},
            "transforms_by_role": {f"{p}/{d}/{r}": n
                                   for (p, d, r), n in sorted(self.transform_roles.items())},
            "steps": self.steps,
        }

    def table(self):
        """A printable table of time per category and transform counts."""
        total = sum(self.seconds.values()) or 1.0
        lines = [f"{'pass':<9} {'category':<15} {'calls':>7} {'seconds':>9} {'share':>6}"]
        for (p, c), s in sorted(self.seconds.items(), key=lambda kv: -kv[1]):
            lines.append(f"{p:<9} {c:<15} {self.calls[p, c]:>7} {s:>9.4f} {100 * s / total:>5.1f}%")
        for (p, d, r), n in sorted(self.transform_roles.items()):
            lines.append(f"{d} transforms of {r}s in {p} pass: {n}")
        return "\n".join(lines)

    def __repr__(self):
        return f"Profile({self.summary()})"


_REVERSED = {"forward": "inverse", "inverse": "forward"}


def active():
    """The innermost running Profile, or None."""
    return _active[-1] if _active else None


def current_layer():
    """The innermost Module whose forward is running under a profile, or None."""
    return _layers[-1] if _layers else None


def call_layer(module, forward, args, kwargs):
    """``forward(*args, **kwargs)`` with its ops attributed to ``module``, and
    its output shape kept, and its first input where the profile asks for it
    (``keep_inputs``; Module.__call__ while a profile is active)."""
    prof = active()
    if prof is not None and module in prof.keep_inputs and args:
        prof.layer_inputs[module] = args[0]
    _layers.append(module)
    try:
        out = forward(*args, **kwargs)
    finally:
        _layers.pop()
    if prof is not None and hasattr(out, "shape"):
        prof.layer_outputs[module] = (tuple(out.shape), getattr(out, "spatial_shape", None))
    return out


@contextlib.contextmanager
def profile():
    """Context manager that records op time and transform counts (it installs
    the innermost Profile as the autograd observer)."""
    prof = Profile()
    _active.append(prof)
    autograd.observer = prof
    try:
        yield prof
    finally:
        _active.remove(prof)
        autograd.observer = active()
