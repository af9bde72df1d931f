"""Spatial convolution layers computed in the real-point ("Laplace") domain.

THEORY.md §9(c)(i), DESIGN.md §5: the seed paper's real transform done the
way that works -- Toom-Cook / Winograd F(m, r) on tiles, with the transforms
generated from a chosen point set (:mod:`freqnet.spectral.laplace`). These
layers take and return real *spatial* tensors; they equal
``torch.nn.Conv{1,2}d(padding=k//2)`` ("same", zero padding) or the same with
``padding_mode="circular"`` ("circular"), up to the error the points allow.

Error bounds (max |y - y_direct| / max |y_direct|; inputs U(-1, 1), N(0, 1)
weights, default points, 2D; measured against float64 direct convolution
over several shapes and channel counts, up to 128 x 128 and 16 channels;
tests/test_laplace.py checks them):

    tile  points (3x3 kernel)       cond(V)   float32 3x3   float32 5x5 (cond)
    m=2   0, +-1, inf                  3.2    1e-5 (2e-7)   3e-5 (4e-6, 23.5)
    m=4   0, +-1, +-1/2, inf          23.5    3e-5 (4e-6)   3e-5 (4e-6, 1873)
    m=6   0, +-1, +-1/2, +-2, inf     1873    5e-5 (7e-6)   1e-3 (2.4e-4, 1.7e4)

(bound, and in parentheses the worst error measured). In float64 every row
is below 1e-10. Other point sets err by up to about growth^ndim times the
unit round-off; :class:`~freqnet.spectral.laplace.ToomCook` reports
``condition`` = cond(V) and ``growth``, and a set whose estimate
growth^ndim * eps exceeds 1e-3 in the working dtype warns, naming cond(V)
(:class:`~freqnet.spectral.laplace.IllConditionedPointsWarning`), as F(6, 5)
and the seed's points e^{-p} in (0, 1) do in float32 2D.
"""
import math

from .. import backend
from ..ops.laplace import laplace_correlate
from ..spectral.laplace import ToomCook
from .module import Module, Parameter
from .spectrum import expect_spatial

PADDINGS = ("same", "circular", "valid")


def _tuple(value, ndim, name):
    if isinstance(value, int) and not isinstance(value, bool):
        return (value,) * ndim
    value = tuple(value)
    if len(value) != ndim or not all(isinstance(v, int) and v >= 1 for v in value):
        raise ValueError(f"{name} must be a positive int or {ndim} of them, got {value!r}")
    return value


class _LaplaceConvNd(Module):
    ndim = None

    def __init__(self, in_channels, out_channels, kernel_size, padding="same", tile=2,
                 points=None, bias=True, dtype="float32"):
        super().__init__()
        name = type(self).__name__
        for label, v in (("in_channels", in_channels), ("out_channels", out_channels)):
            if not isinstance(v, int) or isinstance(v, bool) or v < 1:
                raise ValueError(f"{name}: {label} must be a positive int, got {v!r}")
        if padding not in PADDINGS:
            raise ValueError(f"{name}: padding must be one of {PADDINGS}, got {padding!r}")
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = _tuple(kernel_size, self.ndim, f"{name}: kernel_size")
        self.tile = _tuple(tile, self.ndim, f"{name}: tile")
        self.padding = padding
        made = {}
        for key in zip(self.tile, self.kernel_size):
            if key not in made:
                made[key] = ToomCook(*key, points)
                made[key].check_precision(dtype, self.ndim, stacklevel=3)
        self.plans = tuple(made[key] for key in zip(self.tile, self.kernel_size))
        # torch's default init: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for weight and bias
        fan_in = in_channels * math.prod(self.kernel_size)
        bound = 1.0 / math.sqrt(fan_in)
        rand = backend.numpy.random.uniform
        shape = (out_channels, in_channels) + self.kernel_size
        self.weight = Parameter(backend.asarray(rand(-bound, bound, shape), dtype=dtype))
        self.bias = (Parameter(backend.asarray(rand(-bound, bound, out_channels), dtype=dtype))
                     if bias else None)

    @property
    def condition(self):
        """cond(V) of each axis' point set."""
        return tuple(p.condition for p in self.plans)

    def forward(self, x):
        name = type(self).__name__
        expect_spatial(x, self.ndim, name)
        if x.shape[1] != self.in_channels:
            raise ValueError(
                f"{name}: expected {self.in_channels} input channels, got {x.shape[1]} "
                f"(input shape {x.shape})")
        if self.padding == "valid":
            small = [n for n, k in zip(x.shape[2:], self.kernel_size) if n < k]
            if small:
                raise ValueError(
                    f"{name}: 'valid' padding needs spatial sizes >= kernel {self.kernel_size}, "
                    f"got {x.shape[2:]}")
            pads = ((0, 0),) * self.ndim
        else:
            pads = tuple((k // 2, k // 2) for k in self.kernel_size)
        if x.dtype.kind != "f":
            raise ValueError(f"{name}: expected a float32 or float64 input, got dtype {x.dtype}")
        for plan in self.plans:
            plan.check_precision(x.dtype, self.ndim, stacklevel=4)
        mode = "circular" if self.padding == "circular" else "zeros"
        return laplace_correlate(x, self.weight, self.bias, self.plans, pads, mode)

    def extra_repr(self):
        points = ", ".join(repr(p) for p in self.plans)
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"padding={self.padding!r}, tile={self.tile}, bias={self.bias is not None}, "
                f"plans=[{points}]")


class LaplaceConv1d(_LaplaceConvNd):
    """Conv1d (B, C, L) -> (B, O, L') through Toom-Cook F(tile, kernel_size) tiles.

    ``padding``: "same" (zeros, k//2 each side, as torch's ``padding=k//2``),
    "circular", or "valid". ``points``: alpha = tile + k - 1 distinct reals
    (one may be ``inf``); None takes the THEORY §9 defaults. Error bounds: see
    the module docstring (1D errors are smaller than 2D).
    """

    ndim = 1


class LaplaceConv2d(_LaplaceConvNd):
    """Conv2d (B, C, H, W) -> (B, O, H', W') through 2D Toom-Cook F(tile x tile, k x k) tiles.

    Float32 error bounds (relative to max |y|) for 3x3 kernels with the
    default points: m=2 1e-5, m=4 3e-5, m=6 5e-5 (5x5: see the module docstring).
    """

    ndim = 2
