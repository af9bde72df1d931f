"""The Tensor: an xp array, its gradient, and the op that created it.

DESIGN.md §3. A Tensor wraps a numpy or cupy array of float32, float64,
complex64 or complex128 (integer and bool arrays are allowed for labels and
indices and never require grad). Operators and methods follow NumPy's names
and arguments and are differentiable through :mod:`freqnet.ops`.

A spectrum (DESIGN.md §4) is a Tensor whose ``domain`` is ``"fourier"`` or
``"hartley"`` and whose ``spatial_shape`` holds the size of the transformed
axes, so that inversion never guesses it. Ops do not carry these tags: only
layers that map spectrum to spectrum set them on their outputs.
"""
from . import backend

_FLOAT_KINDS = "fc"
_ALLOWED = {"float32", "float64", "complex64", "complex128", "bool",
            "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"}
_DEFAULT_FOR_PYTHON_DATA = {"float64": "float32", "complex128": "complex64"}


def _check_dtype(dt):
    if dt.name not in _ALLOWED:
        raise TypeError(
            f"freqnet tensors hold float32, float64, complex64, complex128, integer "
            f"or bool data; got dtype {dt.name}"
        )


class Tensor:
    """An array with reverse-mode autograd (see the module docstring)."""

    __slots__ = ("_data", "grad", "requires_grad", "creator", "output_index",
                 "domain", "spatial_shape", "__weakref__")
    __array_ufunc__ = None          # ndarray <op> Tensor defers to Tensor
    __array_priority__ = 1000

    def __init__(self, data, requires_grad=False, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        if not backend.is_array(data):
            arr = backend.asarray(data, dtype=dtype)
            python_data = not isinstance(data, backend.numpy.generic)   # NumPy scalars keep theirs
            if dtype is None and python_data and arr.dtype.name in _DEFAULT_FOR_PYTHON_DATA:
                arr = arr.astype(_DEFAULT_FOR_PYTHON_DATA[arr.dtype.name])
            data = arr
        else:
            data = backend.to_default_device(data)
            if dtype is not None:
                data = data.astype(dtype, copy=False)
        _check_dtype(data.dtype)
        if requires_grad and data.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(
                f"only float and complex tensors can require grad; got dtype {data.dtype}"
            )
        self._data = data
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self.creator = None
        self.output_index = 0
        self.domain = None
        self.spatial_shape = None

    @classmethod
    def _make(cls, data, requires_grad):
        """Fast constructor for op outputs (data already a checked array)."""
        t = cls.__new__(cls)
        t._data = data
        t.grad = None
        t.requires_grad = requires_grad
        t.creator = None
        t.output_index = 0
        t.domain = None
        t.spatial_shape = None
        return t

    # -- attributes ----------------------------------------------------------
    @property
    def data(self):
        """The array (numpy, or a device array under cupy/strict)."""
        return self._data

    @data.setter
    def data(self, array):
        """Replace the array, on the same device: a host array assigned to a
        device tensor (or the reverse) is refused here, where the mistake is,
        instead of failing later as "inputs are on different devices"."""
        if backend.array_module(array) is not backend.array_module(self._data):
            have, got = backend.device_of(self._data), backend.device_of(array)
            raise TypeError(
                f"Tensor.data: cannot assign a {got} array ({type(array).__name__}) to a tensor "
                f"on the {have}; move it first (freqnet.tensor(a).data lands on the default "
                f"device, backend.asarray(a, like=t.data) on this tensor's), or use .to()")
        self._data = array

    @property
    def shape(self):
        return self.data.shape

    @property
    def ndim(self):
        return self.data.ndim

    @property
    def size(self):
        return self.data.size

    @property
    def dtype(self):
        return self.data.dtype

    @property
    def device(self):
        return backend.device_of(self.data)

    @property
    def is_complex(self):
        return self.data.dtype.kind == "c"

    @property
    def is_leaf(self):
        return self.creator is None

    @property
    def is_spectrum(self):
        return self.domain is not None

    def __len__(self):
        return len(self.data)

    def __repr__(self):
        body = repr(backend.to_numpy(self.data)).replace("array(", "tensor(", 1)
        extra = []
        if self.device != "cpu":
            extra.append(f"device='{self.device}'")
        if self.domain is not None:
            extra.append(f"domain='{self.domain}', spatial_shape={self.spatial_shape}")
        if self.creator is not None:
            extra.append(f"grad_fn={type(self.creator).__name__}")
        elif self.requires_grad:
            extra.append("requires_grad=True")
        return body[:-1] + "".join(", " + e for e in extra) + ")" if extra else body

    # -- conversion and autograd ---------------------------------------------
    def numpy(self):
        """A host (numpy) copy of the data."""
        return backend.to_numpy(self.data)

    def item(self):
        return self.data.item()

    def detach(self):
        """The same data, cut from the graph (spectral tags kept)."""
        t = Tensor._make(self.data, False)
        t.domain, t.spatial_shape = self.domain, self.spatial_shape
        return t

    def requires_grad_(self, flag=True):
        if flag and self.dtype.kind not in _FLOAT_KINDS:
            raise TypeError(f"only float and complex tensors can require grad; got {self.dtype}")
        self.requires_grad = bool(flag)
        return self

    def backward(self, grad=None, retain_graph=False):
        """Accumulate gradients of this tensor into the leaves' ``.grad``."""
        autograd.backward(self, grad, retain_graph)

    def zero_grad(self):
        self.grad = None

    def _accumulate(self, g):
        if self.grad is None:
            # always a private copy: one backward may hand the same array to
            # several leaves (x + y) or pass the caller's grad= through; in the
            # gradient's own memory order (a plain memcpy, where order "C"
            # would transpose a frequency-major spectrum)
            self.grad = Tensor._make(g.copy(order="K"), False)
        else:
            self.grad = Tensor._make(self.grad.data + g, False)

    def to(self, device):
        """This tensor on ``"cpu"`` or ``"gpu"`` (differentiable)."""
        return ops.to_device(self, device)

    def astype(self, dtype):
        return ops.astype(self, dtype)

    # -- spectral tags ---------------------------------------------------------
    def as_spectrum(self, domain, spatial_shape):
        """Tag this tensor as a ``domain`` spectrum of ``spatial_shape`` (in place)."""
        self.domain = domain
        self.spatial_shape = tuple(int(n) for n in spatial_shape)
        return self

    # -- operators -------------------------------------------------------------
    def __add__(self, other): return ops.add(self, other)
    def __radd__(self, other): return ops.add(other, self)
    def __sub__(self, other): return ops.sub(self, other)
    def __rsub__(self, other): return ops.sub(other, self)
    def __mul__(self, other): return ops.mul(self, other)
    def __rmul__(self, other): return ops.mul(other, self)
    def __truediv__(self, other): return ops.div(self, other)
    def __rtruediv__(self, other): return ops.div(other, self)
    def __pow__(self, other): return ops.power(self, other)
    def __rpow__(self, other): return ops.power(other, self)
    def __matmul__(self, other): return ops.matmul(self, other)
    def __rmatmul__(self, other): return ops.matmul(other, self)
    def __neg__(self): return ops.neg(self)
    def __pos__(self): return self
    def __abs__(self): return ops.abs(self)
    def __getitem__(self, index): return ops.getitem(self, index)

    def __eq__(self, other): return ops.compare("equal", self, other)
    def __ne__(self, other): return ops.compare("not_equal", self, other)
    def __lt__(self, other): return ops.compare("less", self, other)
    def __le__(self, other): return ops.compare("less_equal", self, other)
    def __gt__(self, other): return ops.compare("greater", self, other)
    def __ge__(self, other): return ops.compare("greater_equal", self, other)
    __hash__ = object.__hash__

    def __bool__(self):
        if self.data.size != 1:
            raise ValueError(
                f"the truth value of a tensor of shape {self.shape} is ambiguous; use .any() or .all()"
            )
        return bool(self.data)

    def __float__(self):
        return float(self._scalar("float"))

    def __int__(self):
        return int(self._scalar("int"))

    def _scalar(self, what):
        if self.data.size != 1:
            raise ValueError(f"{what}() needs a tensor with one element, got shape {self.shape}")
        return self.data.item()

    def __array__(self, dtype=None, copy=None):
        """NumPy conversion (``numpy.asarray(t)``) for tensors on the CPU."""
        if self.device != "cpu":
            raise TypeError("numpy.asarray() of a GPU tensor: call .numpy() for a host copy")
        return self.data if dtype is None else self.data.astype(dtype)

    def any(self): return bool(self.data.any())
    def all(self): return bool(self.data.all())

    # -- methods (NumPy names) -------------------------------------------------
    @property
    def real(self): return ops.real(self)

    @property
    def imag(self): return ops.imag(self)

    @property
    def T(self): return ops.transpose(self)

    def conj(self): return ops.conj(self)
    def angle(self): return ops.angle(self)
    def abs(self): return ops.abs(self)
    def exp(self): return ops.exp(self)
    def log(self): return ops.log(self)
    def sqrt(self): return ops.sqrt(self)
    def clip(self, a_min=None, a_max=None): return ops.clip(self, a_min, a_max)
    def sum(self, axis=None, keepdims=False): return ops.sum(self, axis, keepdims)
    def mean(self, axis=None, keepdims=False): return ops.mean(self, axis, keepdims)
    def max(self, axis=None, keepdims=False): return ops.max(self, axis, keepdims)
    def reshape(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        return ops.reshape(self, shape)
    def transpose(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = tuple(axes[0])
        return ops.transpose(self, axes or None)
    def swapaxes(self, a, b): return ops.swapaxes(self, a, b)
    def flatten(self): return ops.reshape(self, (-1,))
    def argmax(self, axis=None): return Tensor._make(self.data.argmax(axis=axis), False)


def tensor(data, requires_grad=False, dtype=None):
    """A new leaf Tensor from array-like ``data`` (as ``torch.tensor``).

    Python lists and scalars of floats default to float32 (complex64), as in
    PyTorch; numpy/cupy arrays keep their dtype unless ``dtype`` is given.
    Host data lands on the default backend (the GPU under
    ``FREQNET_BACKEND=cupy``). The data is copied, so later changes to either
    side do not leak.
    """
    if isinstance(data, Tensor):
        data = data.data
    if backend.is_array(data):
        data = data.astype(dtype if dtype is not None else data.dtype, copy=True)
    return Tensor(data, requires_grad=requires_grad, dtype=dtype)


# The one import circle (tensor -> autograd/ops -> tensor), closed one way: this
# module imports them at its end, once Tensor exists; they import Tensor at
# their top (the package imports tensor first). Nothing else imports lazily.
from . import autograd, ops  # noqa: E402
