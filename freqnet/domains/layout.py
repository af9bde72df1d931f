"""Memory layouts shared by the domains' channel mixing (DESIGN.md §7).

Channel mixing runs one batched GEMM with frequency as the batch axis,
(F, B, Cin) @ (F, Cin, Cout), so spectra move between the channels-first
shape (B, C, *freq) the layers see and the frequency-major layout (F, B, C)
the GEMM wants. The mixing returns its result as a channels-first *view* of
frequency-major memory, so the next mixing gets its operand without a copy
and the elementwise layers between keep that memory order.
"""
from .. import backend, fastpaths


def channels_first(af, freq_shape):
    """(F, B, C) -> a (B, C, *freq) view of the same memory (no copy)."""
    lead = af.shape[1:]
    af = af.reshape(tuple(freq_shape) + lead)
    nf = len(freq_shape)
    return af.transpose((nf, nf + 1) + tuple(range(nf)))


def frequency_major(a):
    """(B, C, F) -> contiguous (F, B, C); free when ``a`` is already a view of
    frequency-major memory (what :func:`channels_first` returns)."""
    return fastpaths.route(_frequency_major_padded, _frequency_major, a)


def _frequency_major(a):
    """The reference: a transposing copy."""
    return backend.array_module(a).ascontiguousarray(a.transpose(2, 0, 1))


def _frequency_major_padded(a):
    """Speed route of :func:`frequency_major` where the source rows lie a
    multiple of 1 KiB apart (Hartley spectra of power-of-two maps): a
    transposing copy then thrashes the cache (its reads fall into a few
    cache sets), so it copies through rows padded by 16 entries. None for
    other shapes, where the padding costs more than it saves."""
    t = a.transpose(2, 0, 1)
    b, c, f = a.shape
    if t.flags.c_contiguous or (f * a.itemsize) % 1024:
        return None
    xp = backend.array_module(a)
    buf = xp.empty((b * c, f + 16), dtype=a.dtype)
    buf[:, :f] = a.reshape(b * c, f)
    return xp.ascontiguousarray(buf[:, :f].T).reshape(f, b, c)
