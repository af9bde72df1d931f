"""Tutorial step 1: a spectrum (docs/tutorial.md; THEORY.md §0, §7).

What a half spectrum is, why it holds exactly the information of the real
signal, why the spatial size must travel with it, and how inner products
read off it (Parseval with the multiplicities d_k).

    python demos/tutorial_1_spectrum.py [--out figures] [--quick]
"""
import numpy as np

from _tutorial import Step

import freqnet
from freqnet import fft, nn
from freqnet.data import make_gratings
from freqnet.theory import plots
from freqnet.theory.common import multiplicity


def main(argv=None):
    step = Step("Step 1: a spectrum", argv)
    n = 16
    t = np.arange(n)
    x = 1.0 + 2 * np.cos(2 * np.pi * 3 * t / n) + 0.5 * np.sin(2 * np.pi * 5 * t / n)

    step.section("the rfft half spectrum of x = 1 + 2 cos(2 pi 3n/16) + 0.5 sin(2 pi 5n/16)")
    X = fft.rfft(freqnet.tensor(x, dtype="float64")).numpy()
    print("   |X_k| =", np.round(np.abs(X), 6))
    print("   bins 0, 3, 5 hold N*1 = 16, N*2/2 = 16, N*0.5/2 = 4; all others are 0")
    definition = np.array([(x * np.exp(-2j * np.pi * k * t / n)).sum() for k in range(n // 2 + 1)])
    step.check("freqnet rfft vs the DFT sum X_k = sum x[n] e^{-2 pi i kn/N}",
               np.abs(X - definition).max() / np.abs(definition).max(), 1e-13)

    step.section("the other half is redundant: X[N-k] = conj(X[k]) for a real signal")
    full = fft.fft(freqnet.tensor(x.astype(complex))).numpy()
    step.check("max |X[N-k] - conj X[k]|", np.abs(full[n - np.arange(1, n)] - np.conj(full[1:])).max(), 1e-12)
    print(f"   {n} real numbers <-> {n // 2 + 1} complex bins, Im X_0 = Im X_{n // 2} = 0: "
          f"{2 * (n // 2 + 1) - 2} real numbers")

    step.section("the spatial size must travel with the spectrum")
    x17 = np.random.default_rng(0).standard_normal(17)
    X17 = fft.rfft(freqnet.tensor(x17, dtype="float64"))
    guessed = fft.irfft(X17).data                      # numpy's default guess: 2*(9-1) = 16
    print(f"   a length-17 signal has {X17.shape[-1]} bins; irfft without n returns {guessed.shape[-1]} samples")
    spec = nn.ToSpectrum1d()(freqnet.tensor(x17[None, None], dtype="float64"))
    back = nn.ToSpatial1d()(spec).numpy()[0, 0]
    print(f"   nn.ToSpectrum1d tags the spectrum with spatial_shape={spec.spatial_shape}")
    step.check("ToSpatial1d(ToSpectrum1d(x)) = x for odd N = 17", np.abs(back - x17).max(), 1e-14)

    step.section("inner products on the half spectrum: Parseval with d_k (THEORY §7)")
    y = np.random.default_rng(1).standard_normal(n)
    Y = fft.rfft(freqnet.tensor(y, dtype="float64")).numpy()
    d = multiplicity(n)
    print("   d_k =", d.astype(int), "(1 at DC and Nyquist, 2 for the bins that stand for two)")
    exact = float((x * y).sum())
    with_d = float((d * (X * np.conj(Y)).real).sum() / n)
    without_d = float((X * np.conj(Y)).real.sum() / n)
    print(f"   sum x y = {exact:.12f};  (1/N) sum d Re(X conj Y) = {with_d:.12f};  without d: {without_d:.6f}")
    step.check("Parseval with d_k", abs(with_d - exact) / abs(exact), 1e-13)
    step.check("WRONG: Parseval without d_k", abs(without_d - exact) / abs(exact), 0.1, "large")

    step.section("a 2D spectrum: an oriented grating (freqnet.data.make_gratings)")
    img, label = make_gratings(1, size=32, noise=0.3, seed=3)
    S = fft.rfft2(freqnet.tensor(img[0, 0], dtype="float64")).numpy()
    u, v = np.unravel_index(np.argmax(np.abs(S[:, 1:])), S[:, 1:].shape)
    print(f"   class {label[0]}: the strongest non-DC bin is (u, v) = ({u}, {v + 1}) of a "
          f"{S.shape[0]} x {S.shape[1]} half spectrum")
    step.check("2D Parseval: sum x^2 = (1/HW) sum d_v |X|^2",
               abs((multiplicity(32) * np.abs(S) ** 2).sum() / 1024 - (img[0, 0].astype(float) ** 2).sum())
               / (img[0, 0].astype(float) ** 2).sum(), 1e-12)
    step.figure(plots.spectrum(step.out, x, title="x and its rfft half spectrum", name="tutorial1_spectrum.png"))
    step.figure(plots.spectrum2d(step.out, img[0, 0].astype(float), name="tutorial1_spectrum2d.png"))
    return step.finish()


if __name__ == "__main__":
    raise SystemExit(main())
