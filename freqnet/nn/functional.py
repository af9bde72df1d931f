"""Functional forms of the layers (``freqnet.nn.functional``), re-exported
from the modules that define them."""
from ..ops import relu, sigmoid, tanh, gelu  # noqa: F401
from .activation import polynomial_activation, spectral_bound, crelu, modrelu  # noqa: F401
from .normalization import batch_norm  # noqa: F401
