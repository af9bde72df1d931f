"""Crash-safe file writes: temp file in the same directory, fsync, rename.

``os.replace`` is atomic on POSIX and Windows, so a reader sees either the
old file or the complete new one, never a partial write; the directory is
fsynced so the rename itself survives a power cut.
"""
import contextlib
import glob
import os
import tempfile
import time

#: A temporary file of ours older than this belongs to a writer that was killed.
STALE_AFTER_S = 600


@contextlib.contextmanager
def atomic_open(path, mode="wb"):
    """Open a temporary file next to ``path``; on clean exit it replaces ``path``.

    On an exception the temporary file is removed and ``path`` is untouched.
    """
    path = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix="." + os.path.basename(path) + ".", suffix=".tmp",
                               dir=directory)
    try:
        with os.fdopen(fd, mode) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(tmp)
        raise
    _fsync_directory(directory)
    _remove_stale_temporaries(path)


def _temporaries(path):
    pattern = os.path.join(glob.escape(os.path.dirname(os.path.abspath(path))),
                           "." + glob.escape(os.path.basename(path)) + ".*.tmp")
    return glob.glob(pattern)


def _remove_stale_temporaries(path):
    """Delete temporaries of ``path`` left by a writer killed mid-write
    (SIGKILL runs no cleanup); recent ones may belong to a live writer."""
    cutoff = time.time() - STALE_AFTER_S
    for tmp in _temporaries(path):
        with contextlib.suppress(OSError):
            if os.path.getmtime(tmp) < cutoff:
                os.remove(tmp)


def remove_temporaries(path):
    """Delete every temporary of ``path``, whatever its age: for the start of
    the one process that writes ``path`` (a training run and its checkpoint),
    when any temporary left is a killed writer's. Returns the paths removed."""
    removed = []
    for tmp in _temporaries(path):
        with contextlib.suppress(OSError):
            os.remove(tmp)
            removed.append(tmp)
    return removed


def _fsync_directory(directory):
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:          # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
