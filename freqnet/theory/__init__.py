"""freqnet.theory: one runnable check per claim of the seed paper, computed
with freqnet's own ops (THEORY.md §1-§12).

    python -m freqnet.theory              # all claims, one table; exit 0 iff all pass
    python -m freqnet.theory --claim 5    # one claim with its intermediate numbers
    python -m freqnet.theory --plots DIR  # also write figures

Each claim is a function ``check(ctx) -> [Measure]`` registered with
:func:`record.claim`; a measure is a correct identity whose error must be
small, or a wrong formula (often the paper's) whose error must be large.
The checks run on the active backend (``FREQNET_BACKEND=numpy``, ``strict``
or ``cupy``): freqnet's ops on device arrays, the references in NumPy on the
host, with explicit transfers between them (:func:`record.host`).
"""
from .record import REGISTRY, ClaimRecord, Measure, Context, VERDICTS  # noqa: F401
from . import (convolution, distributions, pooling, readout, loss,  # noqa: F401
               laplace_transforms, toom_cook, hartley, activation_cost)
from .report import format_table, format_detail  # noqa: F401


def run_claim(number, quick=False, verbose=False, out=print):
    """Run claim ``number``; returns its :class:`ClaimRecord`."""
    if number not in REGISTRY:
        raise KeyError(f"no claim {number}; claims are {sorted(REGISTRY)}")
    return REGISTRY[number].run(quick=quick, verbose=verbose, out=out)


def run_all(quick=False):
    """Run every registered claim, in order."""
    return [run_claim(n, quick=quick) for n in sorted(REGISTRY)]
