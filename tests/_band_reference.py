"""Independent references for polynomials on spectra (THEORY.md §5b), plain
NumPy written here: direct DFT sums (no FFT), pointwise polynomials on the
spatial signal, and the band-limited trigonometric interpolant sampled on a
finer grid. Never freqnet's own code path."""
import itertools

import numpy as np


def dft(x, ndim):
    """Direct DFT sum over the last ``ndim`` axes: X[k] = sum_n x[n] e^{-2 pi i k.n/N}."""
    out = x.astype(complex)
    for axis in range(-ndim, 0):
        n = x.shape[axis]
        f = np.exp(-2j * np.pi * np.outer(np.arange(n), np.arange(n)) / n)
        out = np.moveaxis(np.tensordot(out, f, axes=([axis], [1])), -1, axis)
    return out


def half(full):
    """The half spectrum (bins 0..W//2 of the last axis) of a full one."""
    return full[..., : full.shape[-1] // 2 + 1]


def signed(k, n):
    return k if k <= n // 2 else k - n


def poly(coef, x, ndim):
    """sum_j coef[c, j] x^j, channels on axis 1."""
    c = coef.reshape((1, coef.shape[0]) + (1,) * ndim + (coef.shape[1],))
    return sum(c[..., j] * x ** j for j in range(coef.shape[1]))


def interpolant_spectrum(x, ndim, factor):
    """Full spectrum of x's trigonometric interpolant on a grid ``factor`` x
    finer (Nyquist bins split in halves at +-n/2), scaled so that its
    inverse DFT samples the interpolant."""
    shape = x.shape[-ndim:]
    fine = tuple(factor * n for n in shape)
    X = dft(x, ndim)
    out = np.zeros(x.shape[:-ndim] + fine, dtype=complex)
    for idx in itertools.product(*[range(n) for n in shape]):
        options = []
        for k, n in zip(idx, shape):
            s = signed(k, n)
            options.append([(-n // 2, 0.5), (n // 2, 0.5)] if n % 2 == 0 and abs(s) == n // 2
                           else [(s, 1.0)])
        for combo in itertools.product(*options):
            w = np.prod([c[1] for c in combo])
            target = tuple(c[0] % m for c, m in zip(combo, fine))
            out[(Ellipsis,) + target] += w * X[(Ellipsis,) + idx] * np.prod(fine) / np.prod(shape)
    return out


def cut(y, shape, modes):
    """``y`` (a half spectrum) with the bins |k| >= modes on some axis zeroed."""
    if modes is None:
        return y
    y = y.copy()
    for idx in np.ndindex(y.shape[-len(shape):]):
        s = [signed(k, n) for k, n in zip(idx[:-1], shape[:-1])] + [idx[-1]]
        if any(abs(k) >= modes for k in s):
            y[(Ellipsis,) + idx] = 0
    return y


def wrap_reference(x, coef, ndim, modes_out=None):
    """DFT of p(x) on the samples, bins |k| >= modes_out zeroed (half spectrum)."""
    return cut(half(dft(poly(coef, x, ndim), ndim)), x.shape[-ndim:], modes_out)


def fine_polynomial_spectrum(x, coef, ndim, factor=4):
    """DFT of p on the interpolant sampled ``factor`` x finer, scaled to the
    coarse grid's convention (so its low bins compare with a coarse DFT)."""
    fine = np.real(np.fft.ifftn(interpolant_spectrum(x, ndim, factor),
                                axes=tuple(range(-ndim, 0))))
    return dft(poly(coef, fine, ndim), ndim) / factor ** ndim


def alias_free_reference(x, coef, ndim, modes_out=None, factor=4):
    """p on the interpolant (a finer grid), spectrum cut to |k| < n/2 (and modes_out)."""
    shape = x.shape[-ndim:]
    P = fine_polynomial_spectrum(x, coef, ndim, factor)
    y = np.zeros(x.shape[:-ndim] + shape[:-1] + (shape[-1] // 2 + 1,), dtype=complex)
    for idx in itertools.product(*[range(n) for n in shape[:-1]], range(shape[-1] // 2 + 1)):
        s = [signed(k, n) for k, n in zip(idx[:-1], shape[:-1])] + [idx[-1]]
        if all(abs(k) < n / 2 for k, n in zip(s, shape)):
            y[(Ellipsis,) + idx] = P[(Ellipsis,) + tuple(k % (factor * n) for k, n in zip(s, shape))]
    return cut(y, shape, modes_out)


def rel(a, b):
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-300)
