"""``freqnet.fft``: differentiable FFTs with exact adjoints (THEORY.md §0).

Same names and arguments as ``numpy.fft``; see :mod:`freqnet.ops.fft`.
"""
from .ops.fft import (fft, ifft, rfft, irfft, fft2, ifft2, rfft2, irfft2,  # noqa: F401
                      fftn, ifftn, rfftn, irfftn, multiplicity, NORMS)
