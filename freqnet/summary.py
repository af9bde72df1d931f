"""``freqnet.summary(model, input_shape)``: one row per layer (DESIGN.md §4).

Each row gives the layer's output shape (spatial, and spectral for a
spectrum), its parameters, the forward and inverse transforms it causes in
one training step (forward pass / backward pass) and its share of the step's
op time. The counts come from :func:`freqnet.profile`, attributed per layer,
so the rows add up to the profiler's totals. A container appears when it runs
ops of its own (FrequencyCNN's input padding); the summary's loss,
``mean(logits**2)``, runs outside every layer and gets the row "(loss)".
"""
from . import backend, profiler
from .tensor import tensor


def _parameters(module):
    return int(sum(p.data.size * (2 if p.is_complex else 1)
                   for p in module._parameters.values() if p is not None))


def _shape(shape):
    return "(" + ", ".join(str(n) for n in shape) + ")"


class ModelSummary:
    """The rows of :func:`summary` (dicts), the :class:`~freqnet.profiler.Profile`
    they come from, and the table as ``str()``."""

    def __init__(self, rows, profile):
        self.rows, self.profile = rows, profile

    def total(self, key):
        return sum(r[key] for r in self.rows)

    def table(self):
        head = (f"{'layer':<34} {'output (spatial)':<20} {'spectrum':<18} {'params':>8} "
                f"{'fwd f/b':>8} {'inv f/b':>8} {'time':>6}")
        lines = [head, "-" * len(head)]
        for r in self.rows:
            lines.append(f"{r['name'] + ' ' + r['type']:<34.34} {r['spatial']:<20} "
                         f"{r['spectral']:<18} {r['parameters']:>8} "
                         f"{str(r['forward'][0]) + '/' + str(r['forward'][1]):>8} "
                         f"{str(r['inverse'][0]) + '/' + str(r['inverse'][1]):>8} "
                         f"{100 * r['time_share']:>5.1f}%")
        fwd, inv = self.profile.forward_transforms, self.profile.inverse_transforms
        lines += ["-" * len(head),
                  f"parameters: {self.total('parameters')}; transforms per training step: "
                  f"{fwd} forward, {inv} inverse (f/b: forward/backward pass)"]
        return "\n".join(lines)

    __str__ = __repr__ = table


def _row(name, module, prof, total_seconds):
    shape, spatial = prof.layer_outputs.get(module, (None, None))
    if shape is None:
        spatial_text = spectral_text = "-"
    elif spatial is None:
        spatial_text, spectral_text = _shape(shape[1:]), "-"
    else:
        spatial_text = _shape(shape[1:len(shape) - len(spatial)] + tuple(spatial))
        spectral_text = _shape(shape[1:])
    count = prof.layer_transform_count
    return {"name": name or "(model)", "type": type(module).__name__ if module else "",
            "spatial": spatial_text, "spectral": spectral_text,
            "parameters": _parameters(module) if module else 0,
            "forward": (count(module, "forward", "forward"), count(module, "forward", "backward")),
            "inverse": (count(module, "inverse", "forward"), count(module, "inverse", "backward")),
            "time_share": prof.layer_seconds.get(module, 0.0) / total_seconds}


def summary(model, input_shape, batch_size=2, seed=0):
    """Profile one training step of ``model`` on a random batch of
    ``batch_size`` inputs of shape ``input_shape`` (one sample, no batch axis)
    and return a :class:`ModelSummary`. The model's parameters, statistics,
    random generators and mode are left as they were."""
    from .checkpoint import _generator_states, _set_generator_states
    shape = tuple(int(n) for n in input_shape)
    dtype = next((p.dtype for p in model.parameters() if p.dtype.kind == "f"), "float32")
    x = backend.numpy.random.default_rng(seed).standard_normal((batch_size,) + shape)
    state, generators, training = model.state_dict(), _generator_states(model), model.training
    model.train()
    x = tensor(x.astype(dtype))
    try:
        for run in range(2):          # the first step warms caches (DFT matrices) up
            with profiler.profile() as prof:
                out = model(x)
                (out * out).mean().backward()
    finally:
        model.zero_grad()
        model.load_state_dict(state)
        _set_generator_states(model, generators, "summary")
        model.train(training)
    total = sum(prof.layer_seconds.values()) or 1.0
    rows = []
    for name, module in model.named_modules():
        if not module._modules or module in prof.layer_seconds:   # leaves, and own ops
            rows.append(_row(name, module, prof, total))
    if None in prof.layer_seconds:
        rows.append(_row("(loss)", None, prof, total))
    return ModelSummary(rows, prof)
