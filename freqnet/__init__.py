"""freqnet: a deep-learning engine whose CNNs live in the frequency domain."""
try:
    from . import backend
except RuntimeError as _exc:          # backend.BackendError: a wrong FREQNET_BACKEND
    from ._entry import exit_if_command_line
    exit_if_command_line(_exc)
    raise
from .fastpaths import fast_paths, set_fast_paths
from .tensor import Tensor, tensor
from .autograd import no_grad, set_grad_enabled, is_grad_enabled, Function
from .profiler import profile
from .gradcheck import gradcheck
from .summary import summary
from .predict import load_model
from .ops import (exp, log, sqrt, abs, clip, where, real, imag, conj, angle, complex,  # noqa: F401
                  sum, mean, max, reshape, transpose, swapaxes, concatenate, stack, pad,
                  matmul, relu, sigmoid, tanh, gelu)
from . import fft, nn, optim, data

__version__ = "0.1.0"
