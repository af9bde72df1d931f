"""The MPI world: the only module that imports mpi4py (DESIGN.md §6).

mpi4py is optional (``pip install -e '.[mpi]'``); it is imported on first
use with a clear error when missing. Every collective here waits with a
deadline instead of blocking in MPI: it is started non-blocking and polled,
and while it waits the peers' processes (pids exchanged when the world
starts) are checked, so a rank that died is named within about a second
(same host) or at the deadline (``FREQNET_DIST_TIMEOUT`` seconds, default
300). A stuck rank then leaves with :func:`abandon` (no ``MPI_Finalize``,
which would wait for the dead peer forever).

This module never imports :mod:`freqnet.backend`, so a rank whose
``FREQNET_BACKEND`` failed to load can still tell every other rank why
(:func:`report_failed_start`) instead of leaving them waiting for it.
"""
import os
import socket
import sys
import time

TIMEOUT_ENV = "FREQNET_DIST_TIMEOUT"
DEFAULT_TIMEOUT_S = 300.0
#: Environment variables that mpiexec (MPICH/Hydra, Open MPI, Slurm's PMI) sets in each rank.
LAUNCHER_SIZE_VARS = ("PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "MPI_LOCALNRANKS", "PMIX_SIZE")
_TAG_HELLO, _TAG_TABLE = 7101, 7102
_LIVENESS_EVERY_S = 0.5


class DistributedError(RuntimeError):
    """A peer rank died, stopped answering, or started differently from this one."""


def launched_by_mpiexec():
    """True when the environment says this process is one of several MPI ranks."""
    for var in LAUNCHER_SIZE_VARS:
        try:
            if int(os.environ.get(var, "1")) > 1:
                return True
        except ValueError:
            pass
    return False


def import_mpi():
    """``mpi4py.MPI``, or a clear error saying how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as exc:
        raise DistributedError(
            f"distributed training needs mpi4py and an MPI library: install them with "
            f"`pip install -e '.[mpi]'` (mpi4py and the mpich wheel) in the freqnet checkout, "
            f"then run `mpiexec -n N python -m freqnet train ... --distributed` "
            f"({type(exc).__name__}: {exc})") from exc
    return MPI


def timeout_s():
    """The collectives' deadline in seconds (``FREQNET_DIST_TIMEOUT``)."""
    value = os.environ.get(TIMEOUT_ENV, "")
    if not value.strip():
        return DEFAULT_TIMEOUT_S
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if not seconds > 0:
        raise DistributedError(f"{TIMEOUT_ENV} must be a positive number of seconds, got {value!r}")
    return seconds


def abandon(code=1):
    """Leave now without ``MPI_Finalize`` (it would wait for a dead peer)."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _alive(pid):
    """False when process ``pid`` of this host is gone or a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return True


class World:
    """``MPI.COMM_WORLD`` with its ``rank``, ``size`` and the peers' (host, pid)."""

    def __init__(self, comm, timeout=None):
        self.comm, self.rank, self.size = comm, comm.Get_rank(), comm.Get_size()
        comm.Set_errhandler(import_mpi().ERRORS_RETURN)  # errors raise here instead of aborting
        self.timeout = timeout_s() if timeout is None else float(timeout)
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.peers = {}                         # rank -> (host, pid), filled by handshake()

    # -- waiting -----------------------------------------------------------
    def until(self, done, what, ranks=None):
        """Poll ``done()`` until it is true. Raises naming the lost rank if a
        peer dies, or the ranks waited for (``ranks``, default all) at the deadline."""
        start = checked = time.monotonic()
        pause = 0.0
        while not done():
            now = time.monotonic()
            if now - checked >= _LIVENESS_EVERY_S:
                checked = now
                dead = self.dead_peers(ranks)
                if dead:
                    raise DistributedError(f"rank {self.rank}: {self._describe(dead)} died during "
                                           f"{what}; stopping")
            if now - start > self.timeout:
                waiting = [r for r in (ranks if ranks is not None else range(self.size))
                           if r != self.rank]
                raise DistributedError(
                    f"rank {self.rank}: no answer from rank(s) {', '.join(map(str, waiting))} within "
                    f"{self.timeout:g} s during {what} ({TIMEOUT_ENV}); a rank is lost or stuck")
            pause = min(1e-3, pause * 2 or 1e-5)    # spin briefly, then yield the core
            time.sleep(pause)

    def wait(self, requests, what, ranks=None):
        """Wait for MPI ``requests`` (buffer or, lower-case mpi4py, object ones)
        as :meth:`until` does; returns the objects received."""
        MPI = import_mpi()
        requests = list(requests)
        results = [None] * len(requests)
        pending = set(range(len(requests)))

        def done():
            for i in list(pending):
                try:
                    finished, obj = requests[i].test()
                except MPI.Exception as exc:          # the peer's connection broke
                    dead = self.dead_peers(ranks) or self._wait_for_death(ranks)
                    lost = self._describe(dead) if dead else "a peer"
                    raise DistributedError(f"rank {self.rank}: {lost} failed during {what} "
                                           f"(MPI: {exc.Get_error_string().strip()}); "
                                           f"stopping") from None
                if finished:
                    results[i] = obj
                    pending.discard(i)
            return not pending
        self.until(done, what, ranks)
        return results

    def _wait_for_death(self, ranks, seconds=2.0):
        """The peers found dead within ``seconds`` (a broken connection comes
        just before the kernel has reaped the process)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            dead = self.dead_peers(ranks)
            if dead:
                return dead
            time.sleep(0.05)
        return []

    def dead_peers(self, ranks=None):
        """Peers on this host whose process is gone (others cannot be checked)."""
        return [r for r, (host, pid) in sorted(self.peers.items())
                if (ranks is None or r in ranks) and r != self.rank and host == self.host
                and not _alive(pid)]

    def describe(self):
        """``"2 process(es): rank 0 (pid 11 on host), ..."``: maps the launcher's
        messages (which name pids) to ranks."""
        return f"{self.size} process(es): {self._describe(sorted(self.peers))}"

    def _describe(self, ranks):
        return ", ".join(f"rank {r} (pid {self.peers[r][1]} on {self.peers[r][0]})" for r in ranks)

    # -- collectives on host buffers (NumPy arrays: anything with the buffer protocol) ----
    def allreduce_sum_(self, buffer, what="an all-reduce"):
        """Sum ``buffer`` over all ranks, in place."""
        MPI = import_mpi()
        if self.size > 1:
            self.wait([self.comm.Iallreduce(MPI.IN_PLACE, buffer, op=MPI.SUM)], what)
        return buffer

    def broadcast_(self, buffer, root=0, what="a broadcast"):
        """Overwrite ``buffer`` with rank ``root``'s, in place."""
        if self.size > 1:
            self.wait([self.comm.Ibcast(buffer, root=root)], what)
        return buffer

    def broadcast_object(self, obj, root=0, what="a broadcast"):
        """A small picklable object from ``root`` to every rank (nothing
        received is unpickled from outside this MPI job)."""
        if self.size == 1:
            return obj
        if self.rank == root:
            requests = [self.comm.isend(obj, dest=r, tag=_TAG_TABLE)
                        for r in range(self.size) if r != root]
            self.wait(requests, what)
            return obj
        return self.wait([self.comm.irecv(source=root, tag=_TAG_TABLE)], what, ranks=[root])[0]

    # -- start-up ------------------------------------------------------------
    def handshake(self, info):
        """Every rank's ``info`` dict (plus host and pid), gathered at rank 0 and
        sent back; a rank that never reports is named after the deadline."""
        mine = {"host": self.host, "pid": self.pid, **info}
        if self.size == 1:
            table = {0: mine}
        elif self.rank == 0:
            others = list(range(1, self.size))
            hellos = self.wait([self.comm.irecv(source=r, tag=_TAG_HELLO) for r in others],
                               "the start-up handshake (some rank never reported)")
            table = {0: mine, **dict(zip(others, hellos))}
            self.peers = {r: (t["host"], t["pid"]) for r, t in table.items()}
            self.broadcast_object(table, what="the start-up handshake")
        else:
            self.wait([self.comm.isend(mine, dest=0, tag=_TAG_HELLO)], "the start-up handshake",
                      ranks=[0])
            table = self.broadcast_object(None, what="the start-up handshake")
        self.peers = {r: (t["host"], t["pid"]) for r, t in table.items()}
        return table


def comm_world(timeout=None):
    """The :class:`World` of this process (MPI is initialised on first call)."""
    MPI = import_mpi()
    return World(MPI.COMM_WORLD, timeout)


def report_failed_start(exc):
    """Join the start-up handshake with ``exc`` as this rank's error, so that
    every rank stops with it instead of waiting for this one; returns this
    rank's number ("?" when MPI itself cannot start)."""
    rank = "?"
    try:
        world = comm_world()
        rank = world.rank
        world.handshake({"error": f"{type(exc).__name__}: {exc}", "backend": None,
                         "env": os.environ.get("FREQNET_BACKEND", "")})
    except Exception:      # noqa: BLE001 - the original error is the one to report
        pass
    return rank
