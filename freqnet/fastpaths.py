"""The switch between freqnet's speed routes and their plain reference forms.

Every speed route (a GEMM instead of a short FFT, a layout trick, a special
case) sits beside the plain form it must equal, in a ``fast.py`` of its
domain (:mod:`freqnet.domains`). With the fast paths off the whole engine
runs on the plain forms: the code to read first, and a check of the fast
routes (the suite compares every pair). ``FREQNET_FAST=0`` at start, or
:func:`fast_paths` at run time::

    with freqnet.fast_paths(False):
        loss = model(x)              # reference forms only
"""
import contextlib
import os

ENV_VAR = "FREQNET_FAST"
_VALUES = {"1": True, "0": False}


def _from_environment():
    value = os.environ.get(ENV_VAR, "").strip() or "1"
    if value not in _VALUES:
        raise ValueError(f"{ENV_VAR}={value!r}: expected 1 (speed routes on, the default) "
                         f"or 0 (reference forms only)")
    return _VALUES[value]


_enabled = _from_environment()


def enabled():
    """Whether the speed routes are on."""
    return _enabled


def set_fast_paths(flag):
    """Turn the speed routes on (True) or off (False) for the whole engine."""
    global _enabled
    if not isinstance(flag, bool):
        raise TypeError(f"set_fast_paths takes True or False, got {flag!r}")
    _enabled = flag


@contextlib.contextmanager
def fast_paths(flag):
    """Context manager: the speed routes on or off inside the block."""
    previous = _enabled
    set_fast_paths(flag)
    try:
        yield
    finally:
        set_fast_paths(previous)


def route(fast, reference, *args):
    """``fast(*args)`` when the speed routes are on and it applies (it returns
    None where it does not), else ``reference(*args)``."""
    if _enabled:
        out = fast(*args)
        if out is not None:
            return out
    return reference(*args)
