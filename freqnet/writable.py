"""Checking output locations before any work is done (fail before, never after).

:func:`check_writable_dir` creates the folder an option names and proves it
takes a file (a one-byte probe, synced, then removed), so a mistyped,
read-only or full location is one clear error naming the option, before the
first epoch rather than after it.
"""
import os
import tempfile


class NotWritableError(ValueError):
    """An output location given by the user cannot be written."""


def check_writable_dir(path, option):
    """Create folder ``path`` if needed and prove a file can be written in it;
    ``option`` (e.g. "--checkpoint-dir") names it in the error."""
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise NotWritableError(f"{option} {path}: is a file, not a folder")
    try:
        os.makedirs(path, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=".freqnet-write-test.", dir=path)
        try:
            os.write(fd, b"\0")
            os.fsync(fd)
        finally:
            os.close(fd)
            os.remove(probe)
    except OSError as exc:
        raise NotWritableError(f"{option} {path}: cannot write there "
                               f"({exc.strerror or type(exc).__name__})") from None
    return path


def check_writable_file(path, option):
    """Refuse ``path`` as an output file when it is a folder or its folder cannot be written."""
    path = os.fspath(path)
    if os.path.isdir(path):
        raise NotWritableError(f"{option} {path}: is a folder, expected a file name")
    check_writable_dir(os.path.dirname(os.path.abspath(path)), f"{option} {path}: folder")
    return path
