"""Dense layers: Linear, Flatten, and the spectral head SpectralLinear.

``SpectralLinear`` (THEORY.md §7) reads logits straight off a spectrum:

    out_j = Re( sum_{c,u,v} V[j,c,u,v] X[c,u,v] ) + b_j,   V = d_v conj(rfft2(A_j)) / (H W),

which equals ``Linear(C*H*W, J)`` with weight A applied to the flattened
spatial map (Parseval with the d_v multiplicities), at the same ~2 C H W J
flops, with no inverse transform of the activations.

Weight storage (``parameterization``):

* ``"spatial"`` (default): ``weight`` is A, (out_features, C*H*W), exactly as
  ``torch.nn.Linear`` on the flattened (C, H, W) map, so state dicts carry
  over and plain SGD follows the spatial trajectory. V is recomputed each
  call: one rfftn of J*C planes (a weight transform) and one irfftn of the
  gradient in backward, both counted by the profiler as weight transforms.
  For a head (J small) this costs far less than the readout itself.
* ``"spectral"``: ``weight`` is V itself, complex (out_features, C, H, W//2+1):
  no transform at all. Its initial value is V of a torch-initialised A, so
  the layer starts as the same function. Im V at the self-conjugate bins
  (u, v in {0, H/2} x {0, W/2}) is dead (X is real there, so it gets a zero
  gradient), and gradient descent on V is spatial descent preconditioned by
  N/d per bin (THEORY.md §7): lr_V = lr_A * d/N reproduces plain SGD.
"""
import math

from ..domains import get_domain
from ..ops import reshape, matmul, transpose
from . import init
from .module import Module, Parameter
from .spectrum import check_bias, check_parameterization, expect_spectrum

def linear(x, weight, bias=None):
    """x @ weight.T + bias, as ``torch.nn.functional.linear``, on a spatial tensor."""
    if getattr(x, "domain", None) is not None:
        raise ValueError(f"linear: expected a spatial (batch, features) tensor, got a {x.domain} "
                         f"spectrum of shape {x.shape} (spatial shape {x.spatial_shape}); use "
                         f"SpectralLinear on spectra, or GlobalAvgPool / ToSpatial first")
    if x.shape[-1] != weight.shape[1]:
        raise ValueError(f"linear: expected {weight.shape[1]} input features, got "
                         f"{x.shape[-1]} (input of shape {x.shape})")
    check_bias(bias, weight.shape[0], "linear")
    y = matmul(x, transpose(weight))
    return y if bias is None else y + bias


def flatten(x, start_dim=1, end_dim=-1):
    """Merge axes start_dim..end_dim into one, as ``torch.flatten``."""
    nd = x.ndim
    a, b = start_dim % nd, end_dim % nd
    if a > b:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim} "
                         f"for a tensor of rank {nd}")
    shape = tuple(x.shape[:a]) + (math.prod(x.shape[a:b + 1]),) + tuple(x.shape[b + 1:])
    return reshape(x, shape)


class Linear(Module):
    """y = x A^T + b with torch's names (``weight`` (out, in), ``bias``) and init."""

    def __init__(self, in_features, out_features, bias=True, dtype="float32"):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        bound = init.default_bound(self.in_features)
        self.weight = Parameter(init.uniform((self.out_features, self.in_features), bound, dtype))
        self.bias = Parameter(init.uniform((self.out_features,), bound, dtype)) if bias else None

    def forward(self, x):
        return linear(x, self.weight, self.bias)

    def extra_repr(self):
        return f"in_features={self.in_features}, out_features={self.out_features}, " \
               f"bias={self.bias is not None}"


class Flatten(Module):
    """Flatten axes start_dim..end_dim (default: all but the batch axis)."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim, self.end_dim = start_dim, end_dim

    def forward(self, x):
        return flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


def spectral_linear(x, weight, bias=None, parameterization="spatial", ndim=2,
                    layer="spectral_linear", domain=None):
    """Functional SpectralLinear: logits (B, J) from a spectrum (module docstring)."""
    dom = expect_spectrum(x, ndim, layer, domain)
    check_parameterization(parameterization, layer)
    if parameterization == "spatial":
        features = x.shape[1] * math.prod(x.spatial_shape)
        if weight.ndim != 2 or weight.shape[1] != features:
            raise ValueError(
                f"{layer}: expected a weight of shape (out_features, {features}) for "
                f"{x.shape[1]} channels of {x.spatial_shape} maps, got {tuple(weight.shape)}")
    else:
        want = (weight.shape[0],) + tuple(x.shape[1:])
        if tuple(weight.shape) != want:
            raise ValueError(f"{layer}: spectral weights of shape {tuple(weight.shape)} do not "
                             f"fit a spectrum of shape {x.shape}; expected {want}")
    check_bias(bias, weight.shape[0], layer)
    return dom.readout(x, weight, bias, parameterization, layer)


class SpectralLinear(Module):
    """Linear head on a spectrum = ``Linear(C*prod(spatial_shape), out_features)``
    on the flattened spatial map (THEORY.md §7; see the module docstring).

    ``spatial_shape`` is (H, W) for 2D spectra or (L,) for 1D ones.
    """

    def __init__(self, in_channels, spatial_shape, out_features, bias=True,
                 parameterization="spatial", domain="fourier", dtype="float32"):
        super().__init__()
        layer = type(self).__name__
        dom = get_domain(domain)
        self.domain = dom.name
        check_parameterization(parameterization, layer)
        self.in_channels, self.out_features = int(in_channels), int(out_features)
        self.spatial_shape = tuple(int(n) for n in spatial_shape)
        if len(self.spatial_shape) not in (1, 2):
            raise ValueError(f"{layer}: spatial_shape must have 1 or 2 entries, got {spatial_shape!r}")
        self.parameterization = parameterization
        features = self.in_channels * math.prod(self.spatial_shape)
        bound = init.default_bound(features)
        weight = init.uniform((self.out_features, features), bound, dtype)
        if parameterization == "spectral":
            weight = dom.spectral_readout_weight(weight, self.in_channels, self.spatial_shape)
        self.weight = Parameter(weight)
        self.bias = Parameter(init.uniform((self.out_features,), bound, dtype)) if bias else None

    def forward(self, x):
        layer = type(self).__name__
        ndim = len(self.spatial_shape)
        expect_spectrum(x, ndim, layer, self.domain)
        if x.shape[1] != self.in_channels or x.spatial_shape != self.spatial_shape:
            raise ValueError(
                f"{layer}: expected {self.in_channels} channels of {self.spatial_shape} maps, got "
                f"{x.shape[1]} channels of {x.spatial_shape} maps (input of shape {x.shape})")
        check_bias(self.bias, self.out_features, layer)
        return get_domain(self.domain).readout(x, self.weight, self.bias, self.parameterization,
                                               layer)

    def extra_repr(self):
        return (f"in_channels={self.in_channels}, spatial_shape={self.spatial_shape}, "
                f"out_features={self.out_features}, parameterization={self.parameterization!r}, "
                f"domain={self.domain!r}")
