"""NumPy helpers shared by the spectral-layer tests: half spectra (THEORY.md §0)
built with numpy.fft, never with freqnet's own transforms."""
import numpy as np

from freqnet.tensor import Tensor


def spatial_axes(shape):
    """The last ``len(shape)`` axes: the ones a spectrum of that spatial shape transforms."""
    return tuple(range(-len(shape), 0))


def multiplicity(shape):
    """d_k along the half axis (THEORY §0): 1 for the self-conjugate bins, 2 for the others."""
    d = np.full(shape[-1] // 2 + 1, 2.0)
    d[0] = 1
    if shape[-1] % 2 == 0:
        d[-1] = 1
    return d


def half_spectrum(x, shape, dtype=None, requires_grad=False):
    """numpy.fft.rfftn of ``x`` over its spatial axes, tagged as a Fourier spectrum."""
    data = np.fft.rfftn(x, axes=spatial_axes(shape))
    if dtype is not None:
        data = data.astype(dtype)
    return Tensor(data, requires_grad=requires_grad).as_spectrum("fourier", shape)


def spectrum_rel_err(a, b):
    """Largest absolute difference relative to the largest entry of ``b``."""
    return np.abs(a - b).max() / np.abs(b).max()


def official_mnist_dir():
    """Where the optional slow checks look for the official MNIST IDX files:
    ``$FREQNET_MNIST_DIR``, else the ``shared/data/mnist`` folder that sits
    beside this checkout on the project's machines. Never a dependency."""
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    default = os.path.join(here, "..", "..", "shared", "data", "mnist")
    return os.environ.get("FREQNET_MNIST_DIR") or os.path.normpath(default)
