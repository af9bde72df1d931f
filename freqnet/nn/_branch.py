"""Helpers shared by the spectral layers: per-domain maths chosen in one place.

A layer that works on spectra keeps its domain-specific maths in a table
``{"fourier": ..., "hartley": ...}``; :func:`domain_branch` picks the entry
for a domain or raises a clear error. :func:`parseval_weights` gives the
weights w with sum_n x[n]^2 = (1/N) sum_k w_k |X_k|^2 (THEORY.md §7).
"""
from .. import fft
from ..tensor import Tensor
from .spectrum import DOMAINS, expect_spectrum


def domain_branch(table, domain, layer):
    """``table[domain]``, or a ValueError naming the layer, the domain given
    and the domains this layer supports."""
    if domain in table:
        return table[domain]
    if domain not in DOMAINS:
        raise ValueError(f"{layer}: unknown domain {domain!r}; expected one of {sorted(table)}")
    raise ValueError(f"{layer}: the {domain!r} domain is not implemented for this layer; "
                     f"supported: {sorted(table)}")


def _fourier_weights(spatial_shape, xp, dtype):
    """d_v on the last (halved) axis, broadcast over the other spectral axes."""
    d = fft.multiplicity(spatial_shape[-1], xp=xp, dtype=dtype)
    return d.reshape((1,) * (len(spatial_shape) - 1) + (-1,))


def _hartley_weights(spatial_shape, xp, dtype):
    """1 on every bin: sum_n x[n]^2 = (1/N) sum_k H_k^2 (real, full-size spectra)."""
    return xp.ones((1,) * len(spatial_shape), dtype=dtype)


_PARSEVAL = {"fourier": _fourier_weights, "hartley": _hartley_weights}


def parseval_weights(domain, spatial_shape, xp, dtype, layer="parseval_weights"):
    """Weights over the spectral axes for Parseval's sum (broadcastable)."""
    return domain_branch(_PARSEVAL, domain, layer)(tuple(spatial_shape), xp, dtype)


def spectrum_ndim(x, layer, domain=None):
    """The number of spectral axes of ``x`` (from its ``spatial_shape``), after
    :func:`expect_spectrum` has checked it (clear errors for spatial tensors,
    spectra that lost their size, and wrong ranks or domains)."""
    shape = x.spatial_shape if isinstance(x, Tensor) else None
    ndim = len(shape) if shape else max(getattr(x, "ndim", 3) - 2, 1)
    expect_spectrum(x, ndim, layer, domain)
    return ndim


#: how a layer may store its weights: spatial kernels, or their spectra (nn.conv, nn.linear)
PARAMETERIZATIONS = ("spatial", "spectral")


def check_parameterization(parameterization, layer):
    """A clear error unless ``parameterization`` is one of :data:`PARAMETERIZATIONS`."""
    if parameterization not in PARAMETERIZATIONS:
        raise ValueError(f"{layer}: parameterization must be one of {PARAMETERIZATIONS}, "
                         f"got {parameterization!r}")


def check_bias(bias, features, layer):
    """A clear error unless ``bias`` is None or has shape (features,)."""
    if bias is not None and tuple(bias.shape) != (features,):
        raise ValueError(f"{layer}: bias must have shape ({features},) (one per output), "
                         f"got {tuple(bias.shape)}")
