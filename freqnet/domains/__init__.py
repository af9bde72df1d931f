"""Transform domains: each one's maths, Functions and speed routes in one place.

A domain (:class:`~freqnet.domains.base.Domain`) is what the layers of
:mod:`freqnet.nn` call on its spectra; they hold parameters and check
shapes, and know no domain by name. One sub-package per domain:

    fourier/   rfft half spectra, complex (THEORY.md §0-§7)
    hartley/   the discrete Hartley transform, real (THEORY.md §9(c)(ii))

each with ``maths.py`` (the reference maths on plain arrays, each map beside
its adjoint), ``functions.py`` (its autograd Functions), ``domain.py`` (the
Domain the layers call) and ``fast.py`` (speed routes, each beside the
reference it must equal; ``FREQNET_FAST=0`` runs the references). Shared:
``layout.py`` (the frequency-major layout of channel mixing),
``batch_norm.py`` and ``common.py`` (what acts alike on every domain).
"""
from .base import Domain, DomainError
from .fourier.domain import FourierDomain
from .hartley.domain import HartleyDomain

#: name -> Domain; a new domain registers here
DOMAINS = {d.name: d for d in (FourierDomain(), HartleyDomain())}


def get_domain(name):
    """The :class:`Domain` called ``name``, or an error listing the valid ones."""
    try:
        return DOMAINS[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown domain {name!r}; expected one of {sorted(DOMAINS)}") from None
