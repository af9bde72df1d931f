"""Functional forms of the layers (``freqnet.nn.functional``), re-exported
from the modules that define them."""
from ..ops import relu, sigmoid, tanh, gelu  # noqa: F401
from .conv import spectral_conv  # noqa: F401
from .pooling import avg_pool, spectral_pool, global_avg_pool  # noqa: F401
from .linear import linear, flatten, spectral_linear  # noqa: F401
from .activation import polynomial_activation, spectral_bound, crelu, modrelu  # noqa: F401
from .normalization import batch_norm  # noqa: F401
from .dropout import spectral_dropout  # noqa: F401
from .losses import (cross_entropy, binary_cross_entropy_with_logits, mse_loss,  # noqa: F401
                     spectral_mse_loss, log_softmax, softmax)
