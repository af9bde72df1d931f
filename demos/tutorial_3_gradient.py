"""Tutorial step 3: the adjoint and the gradient (docs/tutorial.md; THEORY.md §0, §2).

Back-propagation through a linear map is its adjoint. For the rfft that is
N irfft(g / d) -- not N irfft(g); for a convolution it is a correlation,
G conj(W) -- not the paper's (i omega) rule, which is the derivative with
respect to x, the spatial coordinate.

    python demos/tutorial_3_gradient.py [--out figures] [--quick]
"""
import numpy as np

from _tutorial import Step

import freqnet
from freqnet import nn
from freqnet.gradcheck import GradcheckError
from freqnet.theory import convolution, plots
from freqnet.theory.common import irfft


def main(argv=None):
    step = Step("Step 3: the adjoint and the gradient", argv)
    rng = np.random.default_rng(0)

    step.section("the adjoint of rfft, from its matrix (rfft is linear: its columns are rfft(e_j))")
    for n in (8, 9):
        step.check(f"N irfft(g / d) vs Re(R^H g), N={n}",
                   convolution.rfft_adjoint_error(convolution.rfft_adjoint, n, rng), 1e-13)
        step.check(f"freqnet's rfft backward vs Re(R^H g), N={n}", convolution.autograd_rfft_error(n, rng), 1e-13)
        step.check(f"WRONG: N irfft(g) (interior bins doubled), N={n}",
                   convolution.rfft_adjoint_error(lambda g, n: n * irfft(g, n), n, rng), 0.1, "large")

    step.section("the gradient of L = <g, x (*) w> with respect to x (finite differences as the judge)")

    def iw_rule(G, W, omega):
        return 1j * omega * W * G
    step.check("grad_X = G conj(W) (a correlation)", convolution.backprop_error(convolution.conj_rule, 16, rng), 1e-8)
    step.check("WRONG: the paper's (i omega) W G", convolution.backprop_error(iw_rule, 16, rng), 0.5, "large")
    step.check("(i omega) is d/dt: spectral derivative of f (*) g = f' (*) g",
               convolution.spectral_derivative_error(64), 1e-12)
    step.figure(plots.gradients(step.out))

    step.section("freqnet.gradcheck on a spectral conv layer (float64, every element)")
    layer = nn.SpectralConv2d(2, 3, 3, dtype="float64")
    x = freqnet.tensor(rng.standard_normal((2, 2, 5, 4)), dtype="float64")
    x.requires_grad = True
    net = lambda x, w, b: nn.ToSpatial2d()(layer(nn.ToSpectrum2d()(x)))  # noqa: E731
    try:
        failed = not freqnet.gradcheck(net, (x, layer.weight, layer.bias))
    except GradcheckError as err:
        print(f"   {err}")
        failed = True
    step.check("gradcheck of ToSpectrum -> SpectralConv2d -> ToSpatial (0 = passed)", float(failed), 0.0)

    step.section("the bias enters the DC bin only, times HW: dL/db_o = HW sum_b Re G[b, o, 0, 0]")
    layer.zero_grad()
    spec = layer(nn.ToSpectrum2d()(x.detach()))
    G = rng.standard_normal(spec.shape) + 1j * rng.standard_normal(spec.shape)
    (spec * freqnet.tensor(np.conj(G))).real.sum().backward()
    want = 5 * 4 * G[:, :, 0, 0].real.sum(axis=0)
    step.check("autograd bias gradient vs HW sum Re G_DC",
               np.abs(layer.bias.grad.numpy() - want).max() / np.abs(want).max(), 1e-13)
    with freqnet.profile() as prof:
        out = nn.ToSpatial2d()(layer(nn.ToSpectrum2d()(x)))
        out.sum().backward()
    print(f"   transforms in one forward+backward of that stack: forward {prof.transform_count('forward')}, "
          f"inverse {prof.transform_count('inverse')} (activations and the kernel's rfft2 together)")
    return step.finish()


if __name__ == "__main__":
    raise SystemExit(main())
