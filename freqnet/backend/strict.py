"""``FREQNET_BACKEND=strict``: NumPy on the CPU behind CuPy's device rules.

A :class:`StrictArray` holds a NumPy array but behaves, to the outside, as
a ``cupy.ndarray`` does, so that CPU-only CI catches every host/device mix
a GPU would break (DESIGN.md §6). The rules, each with its CuPy source:

* No implicit conversion to NumPy: ``numpy.asarray(a)``, ``a.__array__()``
  and passing ``a`` to a NumPy or SciPy function that converts its input
  raise ``TypeError`` ("The N-dimensional array" page of the CuPy docs:
  "cupy.ndarray and numpy.ndarray are not implicitly convertible to each
  other"; ``__array__`` raises since CuPy v10). ``operator.index(a)`` is
  refused as well (cupy/cupy#5784: it "incurs implicit D2H transfer").
* Explicit transfers work and are counted: :func:`asarray` / :func:`array`
  of host data (host to device), ``a.get()`` / :func:`asnumpy`,
  ``float(a)``, ``int(a)``, ``bool(a)``, ``a.item()``, ``a.tolist()``
  (device to host). A NumPy array used as an index is moved, and counted.
* NumPy operands are refused: ``a + numpy_array`` raises ``TypeError:
  Unsupported type <class 'numpy.ndarray'>`` (CuPy's elementwise kernels),
  and ``a[...] = numpy_array`` raises ``ValueError: non-scalar
  numpy.ndarray cannot be used for fill`` (cupy/cupy#593). Python and
  NumPy scalars are fine, as in CuPy.
* NumPy functions and ufuncs called on strict arrays dispatch to this
  module's function of the same name (NEP 13/18, as ``cupy.ndarray``'s
  ``__array_ufunc__``/``__array_function__`` look up ``cupy.<name>``) and
  fail with ``TypeError`` where there is none: ``scipy.special.erf(a)``
  fails, as on CuPy, where ``cupyx.scipy.special`` must be used.
* Reductions return 0-d arrays, not NumPy scalars (CuPy never returns host
  scalars from device computations).
* Only the subset of NumPy's API that freqnet uses is here, all of it also
  in CuPy; anything else is an ``AttributeError``, as a CuPy call that does
  not exist would be.

:data:`transfers` counts host-to-device and device-to-host copies, so that
a test can assert how many a training step makes.
"""
import builtins
import types

import numpy
import scipy.fft
import scipy.special

name = "strict"

#: Host<->device copies since the last :func:`reset_transfers`.
transfers = {"host_to_device": 0, "device_to_host": 0}


def reset_transfers():
    transfers["host_to_device"] = transfers["device_to_host"] = 0


def _h2d():
    transfers["host_to_device"] += 1


def _d2h():
    transfers["device_to_host"] += 1


_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to "
             "construct a NumPy array explicitly.")
_SCALARS = (int, float, complex, bool, numpy.generic)


def _unsupported(value):
    return TypeError(f"Unsupported type {type(value)}")


def _unwrap(value):
    """The NumPy array inside a strict array; scalars and structures as they
    are; a NumPy array is refused (CuPy does not take host operands)."""
    if type(value) is StrictArray:
        return value._a
    if isinstance(value, numpy.ndarray):
        raise _unsupported(value)
    if isinstance(value, (list, tuple)):
        return type(value)(_unwrap(v) for v in value)
    return value


def _wrap(value):
    """NumPy results as strict arrays (scalars as 0-d arrays, as CuPy)."""
    if isinstance(value, numpy.ndarray):
        return StrictArray(value)
    if isinstance(value, numpy.generic):
        return StrictArray(numpy.asarray(value))
    if isinstance(value, (list, tuple)):
        return type(value)(_wrap(v) for v in value)
    return value


def _index(index):
    """An index with strict arrays unwrapped; a host index array is moved (counted)."""
    if type(index) is StrictArray:
        return index._a
    if isinstance(index, numpy.ndarray):
        _h2d()
        return index
    if isinstance(index, tuple):
        return tuple(_index(i) for i in index)
    if isinstance(index, list):
        _h2d()
        return index
    return index


def _operand(other):
    """The right operand of an operator, or NotImplemented for a type this
    array does not know (e.g. a freqnet Tensor, whose reflected op then runs)."""
    if type(other) is StrictArray:
        return other._a
    if isinstance(other, numpy.ndarray):
        raise _unsupported(other)
    if isinstance(other, _SCALARS):
        return other
    return NotImplemented


def _binary(op):
    def method(self, other):
        b = _operand(other)
        return NotImplemented if b is NotImplemented else _wrap(op(self._a, b))
    return method


def _reflected(op):
    def method(self, other):
        b = _operand(other)
        return NotImplemented if b is NotImplemented else _wrap(op(b, self._a))
    return method


def _inplace(op):
    def method(self, other):
        b = _operand(other)
        if b is NotImplemented:
            return NotImplemented
        op(self._a, b)
        return self
    return method


def _method(attr):
    def method(self, *args, **kwargs):
        return _wrap(getattr(self._a, attr)(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))
    method.__name__ = attr
    return method


class _Flags:
    """``a.flags`` as CuPy has it: c_contiguous, f_contiguous, owndata (read only)."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, flags):
        self.c_contiguous, self.f_contiguous, self.owndata = \
            flags.c_contiguous, flags.f_contiguous, flags.owndata


class StrictArray:
    """An array on the emulated device (see the module docstring)."""

    __slots__ = ("_a", "__weakref__")
    __array_priority__ = 100                     # cupy.ndarray's
    __hash__ = None

    def __init__(self, a):
        self._a = a

    # -- conversion: only explicit, and counted ---------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(_IMPLICIT)

    def __index__(self):
        raise TypeError("cupy.ndarray has no __index__: it would be an implicit device-to-host "
                        "transfer; use int(a) or a.item()")

    def get(self):
        """A host (NumPy) copy: a device-to-host transfer."""
        _d2h()
        return self._a.copy()

    def _host_scalar(self, convert):
        if self._a.size != 1:
            raise TypeError(f"only size-1 arrays can be converted to Python scalars, got shape "
                            f"{self._a.shape}")
        _d2h()
        return convert(self._a.reshape(()).item())

    def item(self):
        if self._a.size != 1:
            raise ValueError("can only convert an array of size 1 to a Python scalar")
        return self._host_scalar(lambda v: v)

    def tolist(self):
        _d2h()
        return self._a.tolist()

    def __float__(self):
        return self._host_scalar(float)

    def __int__(self):
        return self._host_scalar(int)

    def __complex__(self):
        return self._host_scalar(complex)

    def __bool__(self):
        if self._a.size != 1:
            raise ValueError("The truth value of an array with more than one element is "
                             "ambiguous. Use a.any() or a.all()")
        return self._host_scalar(bool)

    def __repr__(self):
        return repr(self._a).replace("array(", "strict_array(", 1)

    # -- NumPy protocols: dispatch to this module, as CuPy does ---------------------
    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        impl = _MODULE_FUNCTIONS.get(ufunc.__name__)
        if method != "__call__" or impl is None:
            return NotImplemented
        if builtins.any(isinstance(x, numpy.ndarray) for x in inputs):
            return NotImplemented
        return impl(*inputs, **kwargs)

    def __array_function__(self, func, types_, args, kwargs):
        impl = _MODULE_FUNCTIONS.get(func.__name__)
        if impl is None:
            return NotImplemented
        return impl(*args, **kwargs)

    # -- attributes -------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    strides = property(lambda self: self._a.strides)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    T = property(lambda self: StrictArray(self._a.T))
    flags = property(lambda self: _Flags(self._a.flags))
    device = property(lambda self: "strict")

    @property
    def real(self):
        return StrictArray(self._a.real)

    @property
    def imag(self):
        return StrictArray(self._a.imag)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (StrictArray(row) for row in self._a)

    def __getitem__(self, index):
        return _wrap(self._a[_index(index)])

    def __setitem__(self, index, value):
        if isinstance(value, numpy.ndarray) and value.ndim > 0:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        self._a[_index(index)] = _unwrap(value) if not isinstance(value, numpy.ndarray) else value

    def fill(self, value):
        if isinstance(value, numpy.ndarray) and value.ndim > 0:
            raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
        self._a.fill(_unwrap(value) if type(value) is StrictArray else value)

    # -- operators ------------------------------------------------------------------
    __neg__ = lambda self: StrictArray(-self._a)        # noqa: E731
    __pos__ = lambda self: StrictArray(+self._a)        # noqa: E731
    __abs__ = lambda self: StrictArray(numpy.abs(self._a))    # noqa: E731
    __invert__ = lambda self: StrictArray(~self._a)     # noqa: E731


_OPERATORS = {
    "add": numpy.add, "sub": numpy.subtract, "mul": numpy.multiply, "truediv": numpy.true_divide,
    "floordiv": numpy.floor_divide, "mod": numpy.remainder, "pow": numpy.power,
    "matmul": numpy.matmul, "and": numpy.bitwise_and, "or": numpy.bitwise_or,
    "xor": numpy.bitwise_xor,
}
for _name, _op in _OPERATORS.items():
    setattr(StrictArray, f"__{_name}__", _binary(_op))
    setattr(StrictArray, f"__r{_name}__", _reflected(_op))
    setattr(StrictArray, f"__i{_name}__", _inplace(lambda a, b, op=_op: op(a, b, out=a)))
for _name, _op in {"lt": numpy.less, "le": numpy.less_equal, "gt": numpy.greater,
                   "ge": numpy.greater_equal, "eq": numpy.equal, "ne": numpy.not_equal}.items():
    setattr(StrictArray, f"__{_name}__", _binary(_op))

#: ndarray methods freqnet calls (all of them cupy.ndarray methods too)
_METHODS = ("astype reshape transpose swapaxes copy conj conjugate sum mean max min argmax argmin "
            "prod cumsum all any view ravel flatten squeeze clip dot nonzero round take repeat "
            "std var sort argsort diagonal").split()
for _name in _METHODS:
    setattr(StrictArray, _name, _method(_name))

ndarray = StrictArray


# --------------------------------------------------------------------------
# The module's functions

def asarray(a, dtype=None, order=None):
    """``a`` on the device: no copy for a strict array, a counted transfer for host data."""
    if type(a) is StrictArray:
        return a if dtype is None else StrictArray(a._a.astype(dtype, copy=False))
    if isinstance(a, (list, tuple)) and builtins.any(type(v) is StrictArray for v in a):
        raise _unsupported(a)          # CuPy does not build arrays from a list of device arrays
    _h2d()
    return StrictArray(numpy.array(a, dtype=dtype, order=order or "K"))


def array(a, dtype=None, copy=True, order="K"):
    if type(a) is StrictArray:
        return StrictArray(numpy.array(a._a, dtype=dtype, copy=copy, order=order))
    _h2d()
    return StrictArray(numpy.array(a, dtype=dtype, order=order))


def asnumpy(a):
    """A host copy of ``a`` (cupy.asnumpy): a device-to-host transfer for a strict array."""
    if type(a) is StrictArray:
        return a.get()
    return numpy.asarray(a)


def _function(attr):
    target = getattr(numpy, attr)

    def function(*args, **kwargs):
        return _wrap(target(*_unwrap(args), **{k: _unwrap(v) for k, v in kwargs.items()}))
    function.__name__ = attr
    return function


#: NumPy functions freqnet calls on device arrays; every one exists in CuPy.
_FUNCTIONS = """
abs absolute add angle arange argmax argmin broadcast_to clip concatenate conj conjugate cos
cumsum divide einsum empty empty_like equal exp expand_dims eye flip floor full full_like greater
greater_equal imag iscomplexobj isfinite isnan less less_equal linspace log log1p matmul maximum
mean minimum moveaxis multiply negative not_equal ones ones_like outer pad power prod ravel real
reshape roll sign sin split sqrt square squeeze stack subtract sum swapaxes take tanh tensordot
transpose true_divide where zeros zeros_like ascontiguousarray any all max min nonzero
logical_and logical_or logical_not meshgrid tile repeat count_nonzero allclose array_equal
""".split()

_MODULE_FUNCTIONS = {n: _function(n) for n in _FUNCTIONS}
_MODULE_FUNCTIONS.update(asarray=asarray, array=array, asnumpy=asnumpy)
globals().update(_MODULE_FUNCTIONS)


def result_type(*arrays_and_dtypes):
    return numpy.result_type(*(a.dtype if type(a) is StrictArray else a for a in arrays_and_dtypes))


def scatter_add(target, index, values):
    """``target[index] += values`` with repeats accumulating (``cupyx.scatter_add``)."""
    numpy.add.at(_unwrap(target), _index(index), _unwrap(values))


_MODULE_FUNCTIONS["result_type"] = result_type

# dtypes and constants are shared with NumPy, as in CuPy
for _name in ("float16 float32 float64 complex64 complex128 int8 int16 int32 int64 uint8 uint16 "
              "uint32 uint64 bool_ dtype finfo iinfo newaxis pi e inf nan").split():
    globals()[_name] = getattr(numpy, _name)


# --------------------------------------------------------------------------
# Submodules: fft (as cupy.fft, precision kept), random, lib.stride_tricks

def _fft_function(attr):
    target = getattr(scipy.fft, attr)

    def function(a, *args, **kwargs):
        return _wrap(target(_unwrap(a), *args, **kwargs))
    function.__name__ = attr
    return function


fft = types.SimpleNamespace(**{n: _fft_function(n) for n in (
    "fft ifft rfft irfft fft2 ifft2 rfft2 irfft2 fftn ifftn rfftn irfftn fftfreq rfftfreq "
    "fftshift ifftshift").split()})


class Generator:
    """A device random generator (``cupy.random.Generator``): its draws are device arrays."""

    def __init__(self, seed):
        self._g = numpy.random.default_rng(seed)

    def random(self, size=None, dtype=numpy.float64):
        return _wrap(self._g.random(size, dtype=dtype))

    def standard_normal(self, size=None, dtype=numpy.float64):
        return _wrap(self._g.standard_normal(size, dtype=dtype))

    def uniform(self, low=0.0, high=1.0, size=None):
        return _wrap(self._g.uniform(low, high, size))

    def integers(self, low, high=None, size=None, dtype=numpy.int64):
        return _wrap(self._g.integers(low, high, size, dtype=dtype))


random = types.SimpleNamespace(default_rng=Generator, Generator=Generator)


def _as_strided(x, shape=None, strides=None):
    return StrictArray(numpy.lib.stride_tricks.as_strided(_unwrap(x), shape, strides))


lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(as_strided=_as_strided))


def _erf(x):
    return _wrap(scipy.special.erf(_unwrap(x)).astype(x.dtype, copy=False))


#: the stand-in for ``cupyx.scipy.special`` (device special functions)
special = types.SimpleNamespace(erf=_erf)


def synchronize():
    """The device is the CPU: nothing is ever in flight."""


__all__ = ["StrictArray", "transfers", "reset_transfers"] + sorted(_MODULE_FUNCTIONS)
