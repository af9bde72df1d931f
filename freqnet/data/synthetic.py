"""A synthetic 2D image set that needs no files: noisy oriented gratings.

Class k in 0..9 is a sinusoidal grating at orientation (k mod 5) * 36
degrees and one of two spatial frequencies (k // 5), with a random phase,
small random jitter of orientation and frequency, and additive Gaussian
noise. Fully determined by ``seed``.
"""
import math

from .. import backend


def make_gratings(n, size=16, noise=0.5, seed=0, num_classes=10):
    """``(x, y)``: float32 images (n, 1, size, size) and int64 labels (n,)."""
    if num_classes < 1 or num_classes > 10:
        raise ValueError(f"make_gratings: num_classes must lie in 1..10, got {num_classes}")
    np = backend.numpy
    rng = np.random.default_rng(seed)
    y = rng.integers(0, num_classes, size=n)
    theta = (y % 5) * (math.pi / 5) + rng.normal(0, 0.05, n)
    cycles = np.where(y // 5 == 0, 2.0, 4.0) * (1 + rng.normal(0, 0.03, n))
    phase = rng.uniform(0, 2 * math.pi, n)
    r = np.arange(size) / size
    u = np.cos(theta)[:, None, None] * r[None, :, None] + np.sin(theta)[:, None, None] * r[None, None, :]
    x = np.cos(2 * math.pi * cycles[:, None, None] * u + phase[:, None, None])
    x = x + noise * rng.standard_normal(x.shape)
    return x[:, None].astype("float32"), y.astype("int64")
