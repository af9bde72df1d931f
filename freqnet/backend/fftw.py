"""Speed route of the host's multi-axis FFTs: FFTW plans, made once per shape.

freqnet's 2D networks transform small planes (8-64 per side) in batches of
thousands, where the transform library's own speed decides the step time.
FFTW (through pyFFTW) with a plan measured once per (shape, dtype, axes,
threads) beats pocketfft (scipy.fft) and torch.fft on these shapes
(DESIGN.md §8; ``benchmarks/fft.py`` measures them side by side). The plan
runs on the caller's arrays (FFTW's new-array execute), with no copy, where
their alignment allows it.

:func:`rfftn`, :func:`irfftn`, :func:`fftn` and :func:`ifftn` equal the
``scipy.fft`` functions of the same name to rounding, or return None where
they do not apply (a device array, one axis, a size change ``s``, other
dtypes); the backend goes through :func:`freqnet.fastpaths.route`, so
``FREQNET_FAST=0`` uses scipy.fft everywhere. tests/test_fast_paths.py
compares the two. The one-axis transforms stay with scipy.fft and
:mod:`~freqnet.backend.short_dft`, which were as fast or faster.

FFTW's c2r transform overwrites its input, so :func:`irfftn` copies the
spectrum into the plan's own buffer first: the caller's array is never
written. Plans are not shared between threads.
"""
import collections

import numpy
import pyfftw

#: FFTW's planner: time a few algorithms per shape on first use (tens of ms).
PLANNER_EFFORT = "FFTW_MEASURE"

_REAL = {"<f4": "<c8", "<f8": "<c16"}          # real dtype -> its complex
_COMPLEX = {"<c8": "<f4", "<c16": "<f8"}        # complex dtype -> its real
#: Plans kept (least recently used dropped first): a training run uses a few
#: dozen shapes; each plan holds its buffers.
MAX_PLANS = 128
_plans = collections.OrderedDict()


def _applies(a, axes, dtypes):
    """The axes, made non-negative, when this is a multi-axis transform of a
    host array of a dtype in ``dtypes``, else None."""
    if type(a) is not numpy.ndarray or a.dtype.str not in dtypes or a.size == 0:
        return None
    if numpy.ndim(axes) != 1 or len(axes) < 2:         # None, one int, or one axis
        return None
    axes = tuple(int(ax) % a.ndim for ax in axes)
    return axes if len(set(axes)) == len(axes) else None


def _plan(kind, in_shape, in_dtype, out_shape, out_dtype, axes, threads):
    """(plan, its own input buffer), made on first use of this transform."""
    key = (kind, in_shape, in_dtype, out_shape, axes, threads)
    entry = _plans.get(key)
    if entry is not None:
        _plans.move_to_end(key)
    else:
        a = pyfftw.empty_aligned(in_shape, in_dtype)
        b = pyfftw.empty_aligned(out_shape, out_dtype)
        direction = "FFTW_BACKWARD" if kind in ("c2r", "ifft") else "FFTW_FORWARD"
        plan = pyfftw.FFTW(a, b, axes=axes, direction=direction, flags=(PLANNER_EFFORT,),
                           threads=threads, normalise_idft=False)
        entry = _plans[key] = (plan, a)
        if len(_plans) > MAX_PLANS:
            _plans.popitem(last=False)
    return entry


def _scale(norm, n, inverse):
    """The factor a ``norm`` puts on a transform of ``n`` points (1 for none)."""
    if norm in (None, "backward"):
        return 1.0 / n if inverse else 1.0
    if norm == "forward":
        return 1.0 if inverse else 1.0 / n
    if norm == "ortho":
        return 1.0 / numpy.sqrt(n)
    raise ValueError(f'norm must be "backward", "ortho" or "forward"; got {norm!r}')


def _execute(kind, a, out_shape, out_dtype, axes, norm, threads, copy_input):
    """Run the plan on ``a`` itself where it is C-contiguous and aligned as
    planned (and ``copy_input`` is False), else on a copy in the plan's buffer."""
    plan, own_input = _plan(kind, a.shape, a.dtype.str, out_shape, out_dtype, axes, threads)
    if copy_input or not a.flags.c_contiguous or a.ctypes.data % plan.input_alignment:
        own_input[...] = a
        a = own_input
    out = numpy.empty(out_shape, out_dtype)
    if out.ctypes.data % plan.output_alignment:
        out = pyfftw.empty_aligned(out_shape, out_dtype)
    plan.update_arrays(a, out)
    plan.execute()
    n = int(numpy.prod([(out_shape if kind == "c2r" else a.shape)[ax] for ax in axes]))
    scale = _scale(norm, n, inverse=kind in ("c2r", "ifft"))
    if scale != 1.0:
        out *= out.real.dtype.type(scale)
    return out


def rfftn(a, s, axes, norm, threads):
    """scipy.fft.rfftn(a, s, axes, norm) over two or more axes, else None."""
    axes = _applies(a, axes, _REAL)
    if axes is None or (s is not None and tuple(s) != tuple(a.shape[ax] for ax in axes)):
        return None
    out_shape = list(a.shape)
    out_shape[axes[-1]] = a.shape[axes[-1]] // 2 + 1
    return _execute("r2c", a, tuple(out_shape), _REAL[a.dtype.str], axes, norm, threads, False)


def irfftn(a, s, axes, norm, threads):
    """scipy.fft.irfftn(a, s, axes, norm) over two or more axes, else None
    (the half spectrum must already have the size ``s`` asks for)."""
    axes = _applies(a, axes, _COMPLEX)
    if axes is None:
        return None
    out_shape = list(a.shape)
    out_shape[axes[-1]] = 2 * (a.shape[axes[-1]] - 1) if s is None else int(s[-1])
    if s is not None and (len(s) != len(axes) or any(
            int(n) != a.shape[ax] for n, ax in zip(s[:-1], axes[:-1]))):
        return None
    if out_shape[axes[-1]] // 2 + 1 != a.shape[axes[-1]]:
        return None
    return _execute("c2r", a, tuple(out_shape), _COMPLEX[a.dtype.str], axes, norm, threads, True)


def _complex(kind, a, s, axes, norm, threads):
    axes = _applies(a, axes, _COMPLEX)
    if axes is None or (s is not None and tuple(s) != tuple(a.shape[ax] for ax in axes)):
        return None
    return _execute(kind, a, a.shape, a.dtype.str, axes, norm, threads, False)


def fftn(a, s, axes, norm, threads):
    """scipy.fft.fftn(a, s, axes, norm) over two or more axes, else None."""
    return _complex("fft", a, s, axes, norm, threads)


def ifftn(a, s, axes, norm, threads):
    """scipy.fft.ifftn(a, s, axes, norm) over two or more axes, else None."""
    return _complex("ifft", a, s, axes, norm, threads)
