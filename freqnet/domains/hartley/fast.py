"""The Hartley domain's speed route, beside the reference it must equal.

:func:`dht` = ``maths.dht(x, ndim, "matrix")`` for a frequency-major array
(the layout the channel mixing leaves its outputs in): the transform is
computed in that layout, with all the maps as the columns of one GEMM per
axis, instead of the reference's GEMMs over the last axes of a transposed
copy. Returns None where it does not apply (callers go through
:func:`freqnet.fastpaths.route`); tests/test_fast_paths.py compares the two.
"""
from .maths import cas_tables


def is_frequency_major(x, ndim):
    """True when the last ``ndim`` axes are the outermost in memory, and not
    merely C-contiguous."""
    lead = x.ndim - ndim
    moved = x.transpose(tuple(range(lead, x.ndim)) + tuple(range(lead)))
    return lead > 0 and moved.flags.c_contiguous and not x.flags.c_contiguous


def dht(x, ndim, method="matrix"):
    """The DHT of a frequency-major real array, in and out in that layout."""
    if method != "matrix" or x.dtype.kind != "f" or not is_frequency_major(x, ndim):
        return None
    lead = x.ndim - ndim
    spatial = x.shape[lead:]
    m = x.transpose(tuple(range(lead, x.ndim)) + tuple(range(lead)))       # (*S, ...), contiguous
    _, _, cas_w, casm_w = cas_tables(spatial[-1], x.dtype, x)
    if ndim == 1:
        out = (cas_w @ m.reshape(spatial[0], -1)).reshape(m.shape)
    else:
        h, w = spatial
        c_h, s_h = cas_tables(h, x.dtype, x)[:2]
        flat = m.reshape(h, w, -1)
        out = (c_h @ (cas_w @ flat).reshape(h, -1) + s_h @ (casm_w @ flat).reshape(h, -1)).reshape(m.shape)
    return out.transpose(tuple(range(ndim, x.ndim)) + tuple(range(ndim)))
