"""Tutorial step 4: pooling and aliasing (docs/tutorial.md; THEORY.md §6).

Average pooling with window = stride = s is a multiplication by a Dirichlet
kernel (the periodic sinc) *followed by a fold* of the spectrum: the stride
aliases. The paper's Theorem 3.6 keeps only the multiplication. Spectral
pooling (a low-pass crop) removes the aliasing.

    python demos/tutorial_4_pooling.py [--out figures] [--quick]
"""
import numpy as np

from _tutorial import Step

import freqnet
from freqnet import nn
from freqnet.gradcheck import GradcheckError
from freqnet.theory import plots, pooling


def main(argv=None):
    step = Step("Step 4: pooling and aliasing", argv)
    rng = np.random.default_rng(0)

    step.section("the filter: Dirichlet kernel conj(B_s)[q] = (1/s) e^{i pi q(s-1)/N} sin(pi qs/N)/sin(pi q/N)")
    step.check("freqnet's Dirichlet vs closed form and conj(rfft(box)), N=48, s=4",
               pooling.dirichlet_errors(48, 4), 1e-14)
    step.figure(plots.dirichlet_kernel(step.out))

    step.section("the layer: nn.AvgPool2d on a spectrum = window means in space")
    x = rng.standard_normal((2, 3, 8, 12))
    for s in (2, 4):
        y = nn.ToSpatial2d()(nn.AvgPool2d(s)(nn.ToSpectrum2d()(freqnet.tensor(x, dtype="float64")))).numpy()
        ref = pooling.window_means(x, s)
        step.check(f"AvgPool2d({s}) on rfft2 vs mean over {s}x{s} windows",
                   np.abs(y - ref).max() / np.abs(ref).max(), 1e-13)
    xs = freqnet.tensor(rng.standard_normal((1, 2, 4, 6)), dtype="float64")
    xs.requires_grad = True
    try:
        failed = not freqnet.gradcheck(lambda v: nn.AvgPool2d(2)(nn.ToSpectrum2d()(v)), (xs,))
    except GradcheckError as err:
        print(f"   {err}")
        failed = True
    step.check("gradcheck of ToSpectrum2d -> AvgPool2d(2) (0 = passed)", float(failed), 0.0)
    step.check("WRONG: continuous sinc instead of the Dirichlet kernel (cos at q=18, N=48, s=4)",
               pooling.relerr(pooling.sinc_pool_1d(np.cos(2 * np.pi * 18 * np.arange(48) / 48), 4),
                              pooling.window_means(np.cos(2 * np.pi * 18 * np.arange(48) / 48), 4)),
               0.1, "large")

    step.section(f"aliasing: a unit cosine at k = N/s + 1 (N={pooling.ALIAS_N}, s={pooling.ALIAS_S}) "
                 f"folds onto pooled bin 1")
    leaks = pooling.aliasing()
    for name, v in leaks.items():
        print(f"   {name:<10s} pooling leaves amplitude {v:.3g}")
    step.check("average-pool leak = |B_s(k)| (the box only attenuates)",
               abs(leaks["average"] - abs(pooling.dirichlet_closed_form(48, 4)[13])), 1e-12)
    step.check("spectral pooling (crop) leaks nothing", leaks["spectral"], 1e-13)
    step.check("subsampling x[::s] leaks everything: leak", leaks["subsample"], 0.999, "large")
    step.figure(plots.aliasing(step.out))

    step.section("spectral pooling keeps the mean and equals x[::s] on band-limited signals")
    step.check("band-limited x: spectral pool vs x[::s]", pooling.bandlimited_crop_error(48, 4, rng), 1e-13)
    z = rng.standard_normal((1, 1, 8, 8))
    p = nn.ToSpatial2d()(nn.SpectralPool2d(factor=2)(nn.ToSpectrum2d()(freqnet.tensor(z, dtype="float64")))).numpy()
    step.check("spectral pool: mean before vs after", abs(p.mean() - z.mean()), 1e-14)
    return step.finish()


if __name__ == "__main__":
    raise SystemExit(main())
