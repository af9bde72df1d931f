"""Sums of arrays over the MPI ranks: flat buffers and the engines that sum them (DESIGN.md §6).

:class:`Flat` lays arrays of one real dtype end to end in one buffer (complex
arrays as real views of the same bytes), so a step sums one buffer, not one
per parameter. :class:`Reducer` sums a buffer in place: host (NumPy) buffers
by MPI; under ``FREQNET_BACKEND=cupy`` CuPy buffers by NCCL
(``cupy.cuda.nccl``, its unique id sent by MPI); any other device buffer
(the strict backend's) goes to the host and back by explicit transfers,
counted there: MPI is never handed a device array.
"""
from . import backend


def real_view(a):
    """The same bytes as a real array (complex: (re, im) pairs)."""
    return a.view(a.real.dtype) if a.dtype.kind == "c" else a


def by_real_dtype(arrays):
    """Indices of ``arrays`` grouped by real dtype (complex64 with float32)."""
    groups = {}
    for i, a in enumerate(arrays):
        groups.setdefault(a.real.dtype.str, []).append(i)
    return list(groups.values())


class Flat:
    """Arrays of one real dtype laid end to end in ``buffer`` (plus ``extra`` slots at its end)."""

    def __init__(self, arrays, extra=0):
        self.arrays = arrays
        self.sizes = [a.size * (2 if a.dtype.kind == "c" else 1) for a in arrays]
        xp = backend.array_module(arrays[0])
        self.buffer = xp.zeros(sum(self.sizes) + extra, dtype=arrays[0].real.dtype)

    def chunks(self):
        """(array, slice of the buffer) for each array."""
        start = 0
        for a, n in zip(self.arrays, self.sizes):
            yield a, slice(start, start + n)
            start += n

    def pack(self, arrays=None):
        """Copy ``arrays`` (default: the arrays given; None entries are left
        as zeros) into the buffer; returns it."""
        for (a, span), src in zip(self.chunks(), arrays or self.arrays):
            if src is not None:
                xp = backend.array_module(src)
                self.buffer[span] = real_view(xp.ascontiguousarray(src)).reshape(-1)
        return self.buffer

    def unpacked(self, a, span):
        """A new array shaped and typed as ``a`` holding ``buffer[span]``."""
        return self.buffer[span].copy().view(a.dtype).reshape(a.shape)

    def unpack_into(self):
        """Write the buffer back into the arrays given, in place."""
        for a, span in self.chunks():
            a[...] = self.buffer[span].view(a.dtype).reshape(a.shape)


class Reducer:
    """Sums buffers over the ranks of ``world`` (see the module docstring)."""

    def __init__(self, world):
        self.world, self.nccl = world, None
        if backend.name == "cupy":             # on one process too: a one-GPU check runs it
            self.nccl = NcclReducer(world)

    def sum_(self, buffer, what):
        """Sum ``buffer`` over the ranks, in place; ``what`` names it in errors."""
        module = backend.array_module(buffer)
        if module is backend.numpy:
            return self.world.allreduce_sum_(buffer, what)
        if self.nccl is not None:
            return self.nccl.sum_(buffer, what)
        host = backend.to_numpy(buffer)                  # device to host, counted
        self.world.allreduce_sum_(host, what)
        buffer[...] = backend.asarray(host, like=buffer)  # host to device, counted
        return buffer


class NcclReducer:
    """All-reduce of CuPy buffers through ``cupy.cuda.nccl`` (unique id by MPI),
    waited for with the MPI world's deadline and liveness checks."""

    _TYPES = {"float32": "NCCL_FLOAT32", "float64": "NCCL_FLOAT64"}

    def __init__(self, world):
        self.world, self.nccl = world, backend.nccl_module()
        uid = self.nccl.get_unique_id() if world.rank == 0 else None
        uid = world.broadcast_object(uid, what="the NCCL unique id")
        self.comm = self.nccl.NcclCommunicator(world.size, uid, world.rank)

    def sum_(self, buffer, what):
        kind = self._TYPES.get(buffer.dtype.name)
        if kind is None:
            raise TypeError(f"NCCL all-reduce of {buffer.dtype} is not supported; "
                            f"expected one of {', '.join(self._TYPES)}")
        cp = backend.cupy_module()
        stream = cp.cuda.get_current_stream()
        self.comm.allReduce(buffer.data.ptr, buffer.data.ptr, buffer.size,
                            getattr(self.nccl, kind), self.nccl.NCCL_SUM, stream.ptr)
        finished = cp.cuda.Event(block=False, disable_timing=True)
        finished.record(stream)
        self.world.until(lambda: finished.done, what)
        return buffer
