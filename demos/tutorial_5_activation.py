"""Tutorial step 5: activations and their cost (docs/tutorial.md; THEORY.md §3-§5, §11).

The Fourier transform of the *function* sigmoid is a distribution, not a
layer: the spectrum of sigma(x) is not a linear function of X. What can run
on spectra is a polynomial, through spectral self-convolution -- exact, and
O(N^2) per map against O(N log N) for a round trip through space.

    python demos/tutorial_5_activation.py [--out figures] [--quick]
"""
import numpy as np

from _tutorial import Step

import freqnet
from freqnet import nn
from freqnet.spectral import polynomial
from freqnet.theory import activation_cost, distributions, plots
from freqnet.theory.common import quad, special


def main(argv=None):
    step = Step("Step 5: activations and their cost", argv)
    rng = np.random.default_rng(0)

    step.section("the paper's premise: sigmoid is absolutely integrable (it is not)")
    for r in (10.0, 100.0, 1000.0):
        print(f"   int_-{r:g}^{r:g} sigma = {quad(special.expit, -r, r):.12g}")
    step.check("F[sigma] = pi delta - i pi pv csch(pi w), paired with Gaussian test functions",
               distributions.sigmoid_pairing_error(distributions.TEST_FUNCTIONS,
                                                   distributions.sigmoid_transform_pairing), 1e-10)
    step.check("WRONG: 'a frequency sigmoid': spectrum of sigma(x1+x2) vs superposition",
               distributions.superposition_error(32, rng), 0.05, "large")
    step.figure(plots.sigmoid_transform(step.out))

    step.section("polynomial surrogates: least squares on [-r, r] (freqnet.spectral.polynomial)")
    x = np.linspace(-1, 1, 2001)
    for name, f in (("relu", lambda v: np.maximum(v, 0)), ("sigmoid", special.expit)):
        for r in (1.0, 4.0):
            for deg in (2, 4):
                a = polynomial.least_squares_fit(name, r, deg)
                p = sum(c * (r * x) ** j for j, c in enumerate(a))
                print(f"   {name:<8s} r={r:<4g} degree {deg}: coefficients {np.round(a, 5)}  "
                      f"max error {np.abs(p - f(r * x)).max():.3g}")
    step.check("ReLU fits = closed forms 3r/32 + x/2 + 15x^2/(32r), ...",
               max(activation_cost.relu_fit_error(1.0), activation_cost.relu_fit_error(4.0)), 1e-12)
    step.figure(plots.polynomial_fits(step.out))

    step.section("evaluated on the spectrum: DFT(a0 + a1 x + a2 x^2) = a0 N delta + a1 X + (a2/N) X (*) X")
    spec = nn.ToSpectrum2d()(freqnet.tensor(rng.standard_normal((2, 3, 8, 8)), dtype="float64"))
    layer = nn.ReLU(mode="poly", degree=2, r=4.0)
    a = polynomial.least_squares_fit("relu", 4.0, 2)
    xs = nn.ToSpatial2d()(spec).numpy()
    got = nn.ToSpatial2d()(layer(spec)).numpy()
    want = a[0] + a[1] * xs + a[2] * xs ** 2
    step.check("nn.ReLU(mode='poly') on rfft2 vs p(x) in space", np.abs(got - want).max() / np.abs(want).max(), 1e-12)
    counts = activation_cost.transform_counts(spec)
    print(f"   inverse transforms per call: poly {counts['poly']}, exact (round trip) {counts['exact']}")
    step.check("poly mode never leaves the frequency domain (inverse transforms)", counts["poly"], 0)

    step.section("the price: flops per map and measured time")
    for n in (256, 1024, 4096):
        direct, trip = activation_cost.flops(n)
        print(f"   N={n:5d}: spectral squaring {direct:.3g} flops, round trip {trip:.3g}: {direct / trip:.0f}x")
    sizes = (16,) if step.quick else (16, 32)
    for s in sizes:
        big = nn.ToSpectrum2d()(freqnet.tensor(rng.standard_normal((4, 8, s, s)), dtype="float64"))
        secs = activation_cost.timing(big, 2 if step.quick else 5)
        print(f"   (4, 8, {s}x{s}) maps, N={s * s}: poly {secs['poly'] * 1e3:.2f} ms, exact round trip "
              f"{secs['exact'] * 1e3:.2f} ms: {secs['poly'] / secs['exact']:.1f}x")
    step.check("WRONG: 'the all-frequency activation is cheap': flop ratio at N=1024",
               activation_cost.flops(1024)[0] / activation_cost.flops(1024)[1], 10.0, "large")
    step.figure(plots.activation_cost_plot(step.out))
    return step.finish()


if __name__ == "__main__":
    raise SystemExit(main())
