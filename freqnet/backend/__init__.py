"""Array-library backend: the only package that imports numpy, cupy or scipy.

DESIGN.md §6. ``FREQNET_BACKEND`` (``numpy`` by default, ``cupy``, or
``strict``) is read once at import; :func:`use` switches at run time.
Everything else asks this module for ``xp`` or dispatches on an array's own
module with :func:`array_module`, so one code path serves CPU and GPU.

``strict`` (:mod:`freqnet.backend.strict`) runs on the CPU but obeys CuPy's
device rules and counts host/device transfers: the way to check that code is
device-clean without a GPU.
"""
import functools
import os

import numpy
import scipy.fft
import scipy.special

from .. import fastpaths
from . import fftw, short_dft, strict

VALID_BACKENDS = ("numpy", "cupy", "strict")
ENV_VAR = "FREQNET_BACKEND"

#: Threads for CPU FFTs (scipy.fft ``workers``); all cores by default.
FFT_WORKERS = os.cpu_count() or 1

special = scipy.special


def __getattr__(attr):
    """``backend.integrate`` (scipy.integrate, for the quadrature checks of
    freqnet.theory) is imported on first use, keeping ``import freqnet`` fast."""
    if attr == "integrate":
        import scipy.integrate
        return scipy.integrate
    raise AttributeError(f"module {__name__!r} has no attribute {attr!r}")


class BackendError(RuntimeError):
    """A backend was asked for that does not exist or cannot run here."""


#: CuPy's wheels, one per CUDA major version: the wheel's CUDA must not be
#: newer than what the driver supports (`nvidia-smi` prints it as "CUDA Version").
CUPY_WHEELS = {12: "cupy-cuda12x", 13: "cupy-cuda13x"}


def _cupy_wheel_advice(cupy):
    """Which CuPy wheel fits this machine's driver, and which one is installed,
    as a sentence (empty when the driver cannot be asked)."""
    try:
        driver = cupy.cuda.runtime.driverGetVersion() // 1000
        built = cupy.cuda.runtime.runtimeGetVersion() // 1000
    except Exception:
        return ""
    fits = CUPY_WHEELS.get(driver, f"the cupy-cuda{driver}x wheel")
    if built > driver:
        return (f" The installed CuPy is built for CUDA {built} ({CUPY_WHEELS.get(built, '?')}), "
                f"but the driver supports CUDA {driver}: pip uninstall {CUPY_WHEELS.get(built, 'cupy')} "
                f"&& pip install {fits}.")
    return f" (CuPy built for CUDA {built}, driver for CUDA {driver}: {fits} fits.)"


def _import_cupy():
    """Import cupy and prove a GPU is usable, or raise with the reason."""
    try:
        import cupy
    except Exception as exc:  # ImportError, or a broken CUDA install
        raise BackendError(
            f"the cupy backend was asked for, but cupy cannot be imported: "
            f"{type(exc).__name__}: {exc}. Install it with `pip install -e "
            f"'.[gpu]'` in the freqnet checkout (cupy-cuda13x, for CUDA 13 drivers), or "
            f"`pip install -e '.[gpu-cuda12]'` (cupy-cuda12x) for CUDA 12 drivers; "
            f"`nvidia-smi` shows the driver's CUDA version. Or use {ENV_VAR}=numpy."
        ) from exc
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        raise BackendError(
            f"the cupy backend was asked for, but CUDA reports no usable GPU: "
            f"{type(exc).__name__}: {exc}.{_cupy_wheel_advice(cupy)}"
        ) from exc
    if count < 1:
        raise BackendError("the cupy backend was asked for, but no GPU is visible (0 devices)")
    return cupy


def _load(name):
    if not isinstance(name, str) or name.strip().lower() not in VALID_BACKENDS:
        raise BackendError(
            f"unknown freqnet backend {name!r}; expected one of {', '.join(VALID_BACKENDS)}"
        )
    name = name.strip().lower()
    if name == "strict":
        return name, strict
    return name, (numpy if name == "numpy" else _import_cupy())


def _from_environment():
    value = os.environ.get(ENV_VAR, "")
    if value.strip() == "":
        return _load("numpy")
    try:
        return _load(value)
    except BackendError as exc:
        raise BackendError(f"{ENV_VAR}={value!r}: {exc}") from None


name, xp = _from_environment()


def use(backend):
    """Switch the default array library at run time (``"numpy"``, ``"cupy"`` or ``"strict"``)."""
    global name, xp
    name, xp = _load(backend)
    return xp


def get_xp():
    """The current default array module (numpy or cupy)."""
    return xp


def cupy_module():
    """The cupy module if it was loaded, else None (never imports it)."""
    import sys
    return sys.modules.get("cupy")


def nccl_module():
    """``cupy.cuda.nccl`` (the GPU all-reduce of :mod:`freqnet.allreduce`), or a clear error."""
    _import_cupy()
    try:
        from cupy.cuda import nccl
    except ImportError as exc:
        raise BackendError(f"distributed training on GPUs needs cupy with NCCL: {exc}") from exc
    if not getattr(nccl, "available", True):
        raise BackendError("distributed training on GPUs needs cupy built with NCCL; this cupy "
                           "has none (pip install nvidia-nccl-cu12, or nvidia-nccl-cu13, matching "
                           "the cupy wheel)")
    return nccl


def is_array(obj):
    """True for a numpy, strict or cupy ndarray."""
    if isinstance(obj, (numpy.ndarray, strict.StrictArray)):
        return True
    cp = cupy_module()
    return cp is not None and isinstance(obj, cp.ndarray)


def array_module(arr):
    """The module (numpy, strict or cupy) that owns ``arr``; numpy for scalars."""
    kind = type(arr)
    if kind is numpy.ndarray:                  # the common cases, without a sys.modules lookup
        return numpy
    if kind is strict.StrictArray:
        return strict
    cp = cupy_module()
    if cp is not None and isinstance(arr, cp.ndarray):
        return cp
    return numpy


def device_of(arr):
    """``"gpu"`` for a device (cupy or strict) array, else ``"cpu"``."""
    return "gpu" if array_module(arr) is not numpy else "cpu"


def default_device():
    """The device new tensors land on: ``"gpu"`` under cupy or strict, else ``"cpu"``."""
    return "cpu" if xp is numpy else "gpu"


def _device_module():
    """The array module of ``"gpu"``: strict when it is the default, else cupy."""
    return strict if xp is strict else _import_cupy()


def to_device(arr, device):
    """Copy ``arr`` to ``"cpu"`` or ``"gpu"`` (no copy when already there)."""
    if device not in ("cpu", "gpu"):
        raise ValueError(f"device must be 'cpu' or 'gpu', got {device!r}")
    if device == device_of(arr):
        return arr
    if device == "cpu":
        return arr.get()
    return _device_module().asarray(arr)


def to_default_device(arr):
    """Host (numpy) data moved to the default backend's device; device
    arrays are left where they are. This is how ``freqnet.tensor(np_array)``
    lands on the GPU under ``FREQNET_BACKEND=cupy``, so the same code runs
    on either backend."""
    if xp is not numpy and isinstance(arr, numpy.ndarray):
        return xp.asarray(arr)
    return arr


def join_device(arr, module):
    """A host (NumPy) operand of an op whose tensors live on ``module``'s device,
    moved there (a counted transfer under strict); anything else unchanged
    (DESIGN.md §6: host operands join the device of their tensors)."""
    if module is not numpy and type(arr) is numpy.ndarray:
        return module.asarray(arr)
    return arr


def to_numpy(arr):
    """A host (numpy) copy of ``arr`` (an explicit transfer for device arrays)."""
    if array_module(arr) is numpy:
        return numpy.array(arr, copy=True)
    return arr.get()


def device_constant(builder):
    """Decorator for a function ``builder(*key) -> host array`` that makes a
    constant (a DFT matrix, a Dirichlet factor, an index table): the result
    ``get(*key, xp=module)`` is that array on ``module``'s device, built once
    per key and uploaded once per device, then reused, so a training step
    moves no constants (DESIGN.md §7). The host copy is read-only (shared by
    every call); callers must not write into either copy. ``get.host(*key)``
    is the host array."""
    copies = {}

    def get(*key, xp):
        array = host(*key)
        if xp is numpy:
            return array
        hit = copies.get((key, xp.__name__))
        if hit is None:
            hit = copies[key, xp.__name__] = xp.asarray(array)
        return hit

    def build(*key):
        array = builder(*key)
        array.flags.writeable = False
        return array

    host = functools.lru_cache(maxsize=None)(build)
    get.host = host
    get.__doc__ = builder.__doc__
    get.__name__ = builder.__name__
    return get


def random_generator(seed, module=None):
    """A random Generator seeded with ``seed`` whose draws are arrays of
    ``module`` (default: the default backend): NumPy's, the strict device's
    (the same stream as NumPy's for the same seed), or CuPy's."""
    mod = module or xp
    return numpy.random.default_rng(seed) if mod is numpy else mod.random.default_rng(seed)


def synchronize(module=None):
    """Wait until the device of array ``module`` (default: the default
    backend's) has finished its queued work; a no-op on the host. Only the
    profiler calls it (around each timed op), so timing costs nothing when
    profiling is off."""
    mod = module or xp
    if mod is strict:
        strict.synchronize()
    elif mod is not numpy:
        mod.cuda.get_current_stream().synchronize()


def transfer_counts():
    """Host/device copies counted by the strict backend since :func:`reset_transfer_counts`:
    ``{"host_to_device": n, "device_to_host": n}``."""
    return dict(strict.transfers)


def reset_transfer_counts():
    strict.reset_transfers()


def asarray(data, dtype=None, like=None):
    """``data`` as an array of the module of ``like`` (or the default backend)."""
    mod = array_module(like) if like is not None else xp
    return mod.asarray(data, dtype=dtype)


def result_type(*arrays_and_dtypes):
    return numpy.result_type(*arrays_and_dtypes)


def dtype(spec):
    """A numpy dtype object (cupy shares numpy's dtypes)."""
    return numpy.dtype(spec)


def add_at(target, index, values):
    """Unbuffered ``target[index] += values``: repeated indices accumulate."""
    mod = array_module(target)
    if mod is numpy:
        numpy.add.at(target, index, values)
    elif mod is strict:
        strict.scatter_add(target, index, values)
    else:
        import cupyx
        if numpy.iscomplexobj(target):
            cupyx.scatter_add(target.real, index, values.real)
            cupyx.scatter_add(target.imag, index, values.imag)
        else:
            cupyx.scatter_add(target, index, values)
    return target


def erf(x):
    """The error function of ``x`` on its own device, keeping its dtype."""
    mod = array_module(x)
    if mod is numpy:
        return scipy.special.erf(x).astype(x.dtype, copy=False)
    if mod is strict:
        return strict.special.erf(x)
    import cupyx.scipy.special
    return cupyx.scipy.special.erf(x)


def pad(arr, pad_width, mode, **kwargs):
    return array_module(arr).pad(arr, pad_width, mode=mode, **kwargs)


# --------------------------------------------------------------------------
# FFTs (DESIGN.md §6): scipy.fft with threads on CPU, cupy.fft on GPU; the
# host's speed routes are FFTW plans (fftw.py) for transforms over two or
# more axes and GEMMs (short_dft.py) for short one-axis ones.
# Single precision stays single precision.

def _fft_module(arr):
    mod = array_module(arr)
    return scipy.fft if mod is numpy else mod.fft


#: Below this many elements one FFT thread is faster than FFT_WORKERS (DESIGN.md §8).
FFT_PARALLEL_MIN_SIZE = 1 << 17


def _threads(arr):
    return FFT_WORKERS if arr.size >= FFT_PARALLEL_MIN_SIZE else 1


def _fft_kwargs(arr):
    return {"workers": _threads(arr)} if array_module(arr) is numpy else {}


def _fast(fftw_route, short_route=None):
    """The host speed route of one transform: FFTW where it applies, else the
    short-DFT GEMM (if any); None leaves the call to scipy.fft."""
    def fast(a, s, axes, norm):
        out = fftw_route(a, s, axes, norm, _threads(a))
        if out is None and short_route is not None:
            out = short_route(a, s, axes, norm)
        return out
    return fast


def _reference(name):
    def reference(a, s, axes, norm):
        return getattr(_fft_module(a), name)(a, s=s, axes=axes, norm=norm, **_fft_kwargs(a))
    return reference


def _transform(name, fast):
    reference = _reference(name)

    def transform(a, s=None, axes=None, norm="backward"):
        return fastpaths.route(fast, reference, a, s, axes, norm)
    transform.__name__ = transform.__qualname__ = name
    transform.__doc__ = f"scipy.fft.{name} (cupy.fft.{name} on a device), through the speed routes."
    return transform


fftn = _transform("fftn", _fast(fftw.fftn))
ifftn = _transform("ifftn", _fast(fftw.ifftn))
rfftn = _transform("rfftn", _fast(fftw.rfftn, short_dft.rfftn))
irfftn = _transform("irfftn", _fast(fftw.irfftn, short_dft.irfftn))


def next_fast_len(n):
    return scipy.fft.next_fast_len(int(n))


# --------------------------------------------------------------------------
# Host allocator (DESIGN.md §7)

MALLOC_MMAP_THRESHOLD = 32 << 20     # glibc's largest allowed value on 64-bit
MALLOC_TRIM_THRESHOLD = 512 << 20


def tune_host_allocator(mmap_threshold=MALLOC_MMAP_THRESHOLD, trim_threshold=MALLOC_TRIM_THRESHOLD):
    """Keep freed memory in the heap: raise glibc's mmap and trim thresholds
    (``mallopt``). By default glibc returns freed blocks above its dynamic
    mmap threshold to the kernel, so every step's megabyte-sized temporaries
    come back as fresh pages (page faults cost more than a small conv
    layer's arithmetic). Called by the training entry points (the CLI, the
    demos, the benchmarks), never on import. False where the C library has
    no ``mallopt`` (not glibc) or refuses the values."""
    import ctypes
    import ctypes.util
    try:
        mallopt = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").mallopt
    except (OSError, AttributeError):
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    return bool(mallopt(m_mmap_threshold, int(mmap_threshold))) and \
        bool(mallopt(m_trim_threshold, int(trim_threshold)))
