"""Data-parallel training over MPI (DESIGN.md §2; batch norm: THEORY.md §7).

``mpiexec -n N python -m freqnet train ... --distributed`` runs N copies of
the same program; :func:`init` joins them (:mod:`freqnet.mpi`). Each step:

* :class:`DistributedLoader` gives rank r the samples ``r, r + N, ...`` of
  the global batch: the batches of each epoch's seeded permutation
  (``DataLoader.order(epoch)``) strided over the ranks, as torch's
  ``DistributedSampler`` does, so every sample is seen once per epoch and the
  N local batches of a step together are exactly the one-process batch.
* :meth:`DataParallel.reduce_gradients` sums ``count * grad`` of every
  parameter over the ranks in one flat buffer per real dtype
  (:mod:`freqnet.allreduce`; complex gradients as real views of the same
  bytes), with the local loss sum and the sample count, and divides by the
  global count: the gradient of the mean loss over the global batch, even
  when the last batch splits unevenly.
* Parameters and buffers start as rank 0's (:meth:`DataParallel.broadcast_state`);
  batch-norm running statistics are re-broadcast from rank 0 after each epoch,
  so every rank holds the same model for evaluation and checkpoints.

Batch norm: by default each rank normalises with its own batch's statistics
(torch DDP's default); ``sync_batch_norm=True`` gives the batch-norm modules
a :class:`BatchNormGroup`, which sums the DC and Parseval moments (and, in
backward, the two batch sums of the gradient) over the ranks, so that N
processes compute the one-process batch norm
(:mod:`freqnet.domains.batch_norm`).

With ``FREQNET_BACKEND=cupy`` each rank uses GPU ``local rank % device
count`` and the sums run on NCCL.
"""
import os
import sys

from . import backend
from .allreduce import Flat, Reducer, by_real_dtype
from .mpi import DistributedError, abandon, comm_world
from .tensor import Tensor

__all__ = ["DataParallel", "DistributedError", "DistributedLoader", "init", "is_root", "leave",
           "rank", "world_size"]

_world = None


def init(timeout=None):
    """Join the MPI world (once) and check that every rank started alike:
    same ``FREQNET_BACKEND``, no rank failed to start. Returns the World."""
    global _world
    if _world is not None:
        return _world
    world = comm_world(timeout)
    table = world.handshake({"backend": backend.name,
                             "env": os.environ.get(backend.ENV_VAR, ""), "error": None})
    if world.size > 1:
        _leave_on_uncaught_exceptions()
    _check_same_start(world.rank, table)
    _world = world
    return world


def _leave_on_uncaught_exceptions():
    """A rank that dies of an exception prints it and exits at once: the
    normal exit's ``MPI_Finalize`` would wait for the peers, who wait for it."""
    previous = sys.excepthook

    def hook(kind, value, tb):
        previous(kind, value, tb)
        abandon(1)
    sys.excepthook = hook


def _check_same_start(rank, table):
    failed = {r: t["error"] for r, t in sorted(table.items()) if t.get("error")}
    if failed:
        raise DistributedError(f"rank {rank}: stopping because " + "; ".join(
            f"rank {r} could not start: {e}" for r, e in failed.items()))
    backends = {r: t["backend"] for r, t in sorted(table.items())}
    if len(set(backends.values())) > 1:
        listed = ", ".join(f"rank {r} {b!r} ({backend.ENV_VAR}={table[r]['env']!r})"
                           for r, b in backends.items())
        raise DistributedError(f"rank {rank}: the ranks use different backends: {listed}; "
                               f"set the same {backend.ENV_VAR} on every rank")


def rank():
    """This process's rank (0 before :func:`init` or without MPI)."""
    return _world.rank if _world is not None else 0


def world_size():
    """The number of processes (1 before :func:`init` or without MPI)."""
    return _world.size if _world is not None else 1


def is_root():
    return rank() == 0


def leave(code):
    """End a rank that failed: without ``MPI_Finalize`` once MPI is joined
    (it would wait for peers that are themselves waiting for this rank)."""
    if _world is not None and _world.size > 1:
        abandon(code)
    return code


class DistributedLoader:
    """This rank's share of ``loader``'s batches (see the module docstring)."""

    def __init__(self, loader, rank, size):
        if loader.batch_size % size:
            raise ValueError(f"the global batch size {loader.batch_size} is not divisible by the "
                             f"{size} processes; give --batch-size a multiple of {size}")
        used = min(len(loader) * loader.batch_size, len(loader.dataset))
        tail = used % loader.batch_size
        if tail and tail < size:
            raise ValueError(f"the last batch of {tail} samples cannot be split over {size} "
                             f"processes; drop it (drop_last=True) or change the batch size")
        self.loader, self.rank, self.size, self.used = loader, rank, size, used
        self.dataset = loader.dataset

    def __len__(self):
        return len(self.loader)

    def set_epoch(self, epoch):
        self.loader.set_epoch(epoch)

    def indices(self, epoch):
        """The sample indices of each of this rank's batches in ``epoch``."""
        order, step = self.loader.order(epoch), self.loader.batch_size
        return [order[s:min(s + step, self.used)][self.rank::self.size]
                for s in range(0, self.used, step)]

    def __iter__(self):
        batches = self.indices(self.loader.epoch)
        self.loader.epoch += 1
        for idx in batches:
            yield self.loader.batch(idx)


class DataParallel:
    """What ``fit`` needs to train on every rank of ``world`` as one process."""

    def __init__(self, world=None, sync_batch_norm=False):
        self.world = world or init()
        self.rank, self.size = self.world.rank, self.world.size
        self.sync_batch_norm = bool(sync_batch_norm)
        if backend.name == "cupy":
            _use_local_gpu(self.world)
        self.reducer = Reducer(self.world)

    def shard(self, loader):
        return DistributedLoader(loader, self.rank, self.size)

    def prepare(self, model):
        """Start every rank from rank 0's parameters and buffers; wire batch norm."""
        self.broadcast_state(model)
        group = BatchNormGroup(self.reducer) if self.sync_batch_norm and self.size > 1 else None
        for mod in model.modules():
            if hasattr(mod, "stats_group"):
                mod.stats_group = group
        return model

    def broadcast_state(self, model, buffers_only=False):
        """Overwrite the parameters (unless ``buffers_only``) and buffers with rank 0's."""
        if self.size == 1:
            return
        arrays = [] if buffers_only else [p.data for p in model.parameters()]
        arrays += [b for _, b in model.named_buffers()]
        for group in by_real_dtype(arrays):
            flat = Flat([arrays[i] for i in group])
            host = backend.to_numpy(flat.pack())          # a host copy on every backend
            self.world.broadcast_(host, what="the broadcast of rank 0's state")
            flat.buffer[...] = backend.asarray(host, like=flat.buffer)
            flat.unpack_into()

    def reduce_gradients(self, model, loss, count):
        """Replace every gradient by its mean over the global batch; returns the
        global mean loss, a float (read with the buffer's tail, one transfer).
        ``loss``: this rank's mean loss (a 0-d array); ``count``: its samples."""
        params = [p for p in model.parameters() if p.requires_grad]
        if not params:
            raise ValueError("data-parallel training needs a parameter that requires grad; "
                             "the model has none")
        like = [p.data for p in params]
        value = None
        for group in by_real_dtype(like):
            members = [params[i] for i in group]
            flat = Flat([like[i] for i in group], extra=len(members) + 2)
            grads = [p.grad.data if p.grad is not None else None for p in members]
            flat.pack([g * count if g is not None else None for g in grads])
            n = flat.buffer.size - len(members) - 2
            for j, g in enumerate(grads):
                flat.buffer[n + j] = 0 if g is None else 1
            flat.buffer[-2] = loss * count
            flat.buffer[-1] = count
            self.reducer.sum_(flat.buffer, "the gradient all-reduce")
            tail = backend.to_numpy(flat.buffer[n:])
            total = float(tail[-1])
            for (a, span), p, present in zip(flat.chunks(), members, tail[:-2]):
                p.grad = Tensor(flat.unpacked(a, span) / total) if present else None
            value = float(tail[-2]) / total
        return value

    def sum_metrics(self, *values):
        """Sums of a few host numbers over the ranks (epoch loss, correct, count)."""
        buffer = backend.numpy.array(values, dtype="float64")
        self.world.allreduce_sum_(buffer, "the epoch metrics")
        return [float(v) for v in buffer]


class BatchNormGroup:
    """Sums batch-norm moments over the ranks (the synchronised option)."""

    def __init__(self, reducer):
        self.reducer = reducer

    def sum(self, a):
        """``a`` (an array of any backend) summed over the ranks, as a new array."""
        out = a.copy().reshape(-1)
        self.reducer.sum_(out, "the batch-norm statistics")
        return out.reshape(a.shape)


def _use_local_gpu(world):
    """Put this rank on GPU ``local rank % device count``."""
    cp = backend.cupy_module()
    local = sorted(r for r, (host, _) in world.peers.items() if host == world.host).index(world.rank)
    cp.cuda.Device(local % cp.cuda.runtime.getDeviceCount()).use()
