"""Functional forms of the layers (``freqnet.nn.functional``), re-exported
from the modules that define them."""
from ..ops import relu, sigmoid, tanh, gelu  # noqa: F401
