"""Bandwidth and aliasing accounting of polynomial activations (THEORY.md §5b).

A degree-d polynomial widens a signal's band d times. :func:`bandwidth_report`
runs a model once and says, for every polynomial activation in it (learned
:class:`~freqnet.nn.band_activation.BandPolynomial` layers and ``mode="poly"``
pointwise ones), where the energy of the polynomial of its actual input lies:

* ``aliased``: past the grid's band (a circular evaluation folds it onto
  low bins, an alias-free one discards it);
* ``dropped``: on the grid, but outside what the next layer reads (a
  spectral pooling's band, a conv's ``modes``);
* ``kept``: the rest.

The input of each layer and the order the layers ran in come from
:func:`freqnet.profile` (its ``keep_inputs``); the shares from the domain's
``bandwidth_shares``.
"""
from .. import backend, profiler
from ..autograd import no_grad
from .spectrum import expect_spectrum


def polynomial_layers(model):
    """The modules of ``model`` that apply a polynomial to a spectrum."""
    return [m for m in model.modules() if hasattr(m, "polynomial_coefficients")
            and getattr(m, "mode", "poly") == "poly"]


def bandwidth_report(model, x):
    """``[{"layer", "kept", "dropped", "aliased"}]`` for every polynomial
    activation of ``model``, in the order they run, on the batch ``x``
    (one forward pass in eval mode, no gradients; keep ``x`` small: the
    accounting computes each polynomial's whole widened spectrum)."""
    polys = polynomial_layers(model)
    names = {m: name for name, m in model.named_modules()}
    was = model.training
    model.eval()
    try:
        with no_grad(), profiler.profile() as prof:
            prof.keep_inputs = frozenset(polys)
            model(x)
    finally:
        model.train(was)
    ran = [m for m in prof.layer_outputs if not list(m.children())]
    report = []
    for i, layer in enumerate(ran):
        if layer not in prof.keep_inputs:
            continue
        inp = prof.layer_inputs[layer]
        after = ran[i + 1] if i + 1 < len(ran) else None
        kept = after.kept_modes(inp.spatial_shape) if hasattr(after, "kept_modes") else None
        coefficients = backend.numpy.broadcast_to(layer.polynomial_coefficients(inp),
                                                  (inp.shape[1], layer.degree + 1))
        name = type(layer).__name__
        shares = expect_spectrum(inp, None, name).bandwidth_shares(
            inp, backend.asarray(coefficients, dtype=inp.data.real.dtype, like=inp.data), kept, name)
        report.append({"layer": names[layer], **dict(zip(("kept", "dropped", "aliased"), shares))})
    return report
