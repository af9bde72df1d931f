"""Parameter initialisation matching ``torch.nn`` defaults.

torch's Conv and Linear layers use kaiming_uniform(a=sqrt(5)) for the weight
and U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for the bias; with a = sqrt(5) the
weight bound is also 1/sqrt(fan_in). Draws come from NumPy's global
generator (seed it with ``numpy.random.seed``) and land on the default
backend.
"""
import math

from .. import backend


def default_bound(fan_in):
    """1/sqrt(fan_in): torch's bound for both weight and bias."""
    return 1.0 / math.sqrt(fan_in) if fan_in > 0 else 0.0


def uniform(shape, bound, dtype="float32"):
    """U(-bound, bound) samples of ``shape``: real, or complex with independent
    real and imaginary parts for a complex ``dtype``."""
    rng = backend.numpy.random
    data = rng.uniform(-bound, bound, size=shape)
    if backend.dtype(dtype).kind == "c":
        data = data + 1j * rng.uniform(-bound, bound, size=shape)
    return backend.asarray(data, dtype=dtype)


def complex_dtype(real_dtype):
    """complex64 for float32, complex128 for float64."""
    return backend.result_type(real_dtype, "complex64")
