"""Activations on spectra (DESIGN.md §4, THEORY.md §3-§5).

Pointwise activations ``ReLU``, ``Sigmoid``, ``Tanh``, ``GELU``, two modes:

* ``mode="exact"``: inverse transform, apply the function in space, forward
  transform. Exact; the profiler counts the two domain switches (they go
  through :mod:`freqnet.fft`).
* ``mode="poly"``: the least-squares polynomial of degree 2-4 on [-r, r]
  (THEORY §5 table), evaluated on the spectrum by spectral self-convolution,
  DFT(a0 + a1 x + a2 x^2 + ...) = a0 N delta + a1 X + (a2/N) X(*)X + ...,
  with no transform. ``r`` is a number, or ``"auto"``: a running estimate,
  kept as batch norm keeps its statistics, of the batch spectral bound
  b = max over the batch of (1/N) sum_k d_k |X_k| >= max |x| (THEORY §4c);
  see :class:`_PointwiseActivation`. The radius is treated as a constant in
  backward (the gradient is that of the fixed polynomial p_r, i.e. p_r'(x) g
  in space): b is a max of a sum of moduli, not smooth, and only picks the
  surrogate.

Spectral-native ``CReLU`` and ``ModReLU`` act on coefficients and have no
spatial twin.

Each layer takes ``domain=``; the maths on that domain's spectra comes from
its :class:`~freqnet.domains.Domain`. Exact mode works in every domain.
"""
from .. import backend, ops
from ..domains import get_domain
from ..spectral import polynomial
from ..tensor import Tensor
from .module import Module, Parameter
from .spectrum import expect_spectrum

MODES = ("exact", "poly")


# -- functional forms -------------------------------------------------------------------

def polynomial_activation(x, coefficients):
    """p(x) = sum_j a_j x^j on the spectrum ``x`` (degree >= 1), no transform."""
    return expect_spectrum(x, None, "polynomial_activation").polynomial(
        x, coefficients, "polynomial_activation")


def spectral_bound(x):
    """Per-map bound (1/N) sum_k |X_k| >= max |x| (THEORY §4c), shape (B, C)."""
    return Tensor(expect_spectrum(x, None, "spectral_bound").spectral_bound(x))


def crelu(x):
    """CReLU (Trabelsi et al.) on a spectrum; see :class:`CReLU`."""
    return expect_spectrum(x, None, "crelu").crelu(x, "crelu")


def modrelu(x, bias):
    """modReLU (Arjovsky et al.) on a spectrum with per-channel ``bias``."""
    dom = expect_spectrum(x, None, "modrelu")
    if bias.shape != (x.shape[1],):
        raise ValueError(f"modrelu: bias must have shape ({x.shape[1]},) (one per channel), "
                         f"got {tuple(bias.shape)}")
    return dom.modrelu(x, bias, "modrelu")


# -- layers ------------------------------------------------------------------------------

class _PointwiseActivation(Module):
    """Shared body of ReLU/Sigmoid/Tanh/GELU on spectra (module docstring).

    ``r="auto"`` in poly mode keeps the buffer ``running_radius`` (in the
    state dict; 0 until the first training batch sets it to that batch's
    bound b), updated in training as batch norm's running statistics:
    running = (1 - momentum) running + momentum b. The radius used is

    * training: the running radius, taken after the update, so training
      fits the weights to (almost) the polynomial eval will use. Unlike batch
      norm's statistics, the radius does not normalize: it picks the
      function, and a new polynomial per batch would train the network for
      surrogates eval never applies (docs/DESIGN.md §8 has the measurements).
      Coverage: b is an upper bound on max |x|, typically about 2x loose
      (THEORY §4c), so a batch whose b exceeds the running mean of b still
      lies inside [-r, r] but for rare outliers, where p_r stays a
      polynomial (it grows, no NaN).
    * eval: the running radius, so the layer is a fixed function of each
      sample, whatever the other samples in the batch. Before any training
      batch there is no estimate, and eval falls back to b (batch-dependent).
    """

    function = None          # name of the least-squares fit (polynomial.FUNCTIONS)
    spatial_op = None        # the pointwise op for mode="exact"
    default_degree = 2

    def __init__(self, mode="exact", degree=None, r="auto", domain="fourier", momentum=0.1):
        super().__init__()
        name = type(self).__name__
        if mode not in MODES:
            raise ValueError(f"{name}: mode must be one of {MODES}, got {mode!r}")
        self.domain = get_domain(domain).name
        self.mode = mode
        self.degree = self.default_degree if degree is None else degree
        if self.degree not in polynomial.DEGREES:
            raise ValueError(f"{name}: degree must be one of {polynomial.DEGREES}, got {degree!r}")
        if not (r == "auto" or (isinstance(r, (int, float)) and r > 0)):
            raise ValueError(f"{name}: r must be 'auto' or a positive number, got {r!r}")
        if not (isinstance(momentum, (int, float)) and 0 < momentum <= 1):
            raise ValueError(f"{name}: momentum must be a number in (0, 1], got {momentum!r}")
        self.r, self.momentum = r, float(momentum)
        if mode == "poly":
            if r == "auto":
                self.register_buffer("running_radius", backend.xp.zeros((), dtype="float64"))

    def forward(self, x):
        name = type(self).__name__
        dom = expect_spectrum(x, None, name, self.domain)
        if self.mode == "exact":
            return dom.to_spectrum(type(self).spatial_op(dom.to_spatial(x)), len(x.spatial_shape))
        return dom.polynomial(x, self.polynomial_coefficients(x), name)

    def polynomial_coefficients(self, x):
        """a_0..a_d of the polynomial poly mode applies to the spectrum ``x`` (a
        host array); in training with ``r="auto"`` this updates the running radius."""
        if self.r == "auto":
            bound = float(expect_spectrum(x, None, type(self).__name__).spectral_bound(x).max())
            r = self._auto_radius(bound)
        else:
            r = float(self.r)
        return polynomial.least_squares_fit(self.function, max(r, polynomial.MIN_RADIUS),
                                            self.degree)

    def _auto_radius(self, batch_bound):
        """The fit radius of ``r="auto"`` from the batch bound (class docstring)."""
        running = float(self.running_radius)
        if self.training:
            self.running_radius[...] = batch_bound if running == 0 else (
                (1 - self.momentum) * running + self.momentum * batch_bound)
            return float(self.running_radius)
        return running if running > 0 else batch_bound

    def extra_repr(self):
        if self.mode == "exact":
            return f"mode='exact', domain={self.domain!r}"
        momentum = f", momentum={self.momentum}" if self.r == "auto" else ""
        return (f"mode='poly', degree={self.degree}, r={self.r!r}{momentum}, "
                f"domain={self.domain!r}")


class ReLU(_PointwiseActivation):
    """ReLU on a spectrum. Poly: ReLU = (x + |x|)/2, so degree 2 equals degree 3
    (3r/32 + x/2 + 15x^2/(32r), THEORY §4c)."""

    function = "relu"
    spatial_op = staticmethod(ops.relu)


class Sigmoid(_PointwiseActivation):
    """Sigmoid on a spectrum. Poly default degree 3: sigmoid - 1/2 is odd, so a
    quadratic fit is only linear (THEORY §5)."""

    function = "sigmoid"
    spatial_op = staticmethod(ops.sigmoid)
    default_degree = 3


class Tanh(_PointwiseActivation):
    """Tanh on a spectrum. Poly default degree 3 (tanh is odd)."""

    function = "tanh"
    spatial_op = staticmethod(ops.tanh)
    default_degree = 3


class GELU(_PointwiseActivation):
    """Exact (erf) GELU on a spectrum. Its odd part is x/2, so degree 2 = 3."""

    function = "gelu"
    spatial_op = staticmethod(ops.gelu)


class CReLU(Module):
    """CReLU (Trabelsi et al., "Deep Complex Networks", 2018): ReLU applied to
    the real and the imaginary part of every spectral coefficient.

    Spectral-native: defined on coefficients, it has no spatial twin (it is
    not a pointwise function of the signal). On an rfft half spectrum the
    stored bins of the self-conjugate columns (v = 0 and, for even W,
    v = W/2) hold both X[u] and X[-u] = conj(X[u]), and CReLU of the two is
    not conjugate; so the result is projected there onto its Hermitian part
    (X[u] + conj(X[-u]))/2, the projection irfft would apply silently. The
    output is thus always the spectrum of a real signal (in 1D: Im = 0 at DC
    and Nyquist), and every other bin is plain CReLU of the coefficient.
    """

    def __init__(self, domain="fourier"):
        super().__init__()
        self.domain = get_domain(domain).name

    def forward(self, x):
        return expect_spectrum(x, None, "CReLU", self.domain).crelu(x, "CReLU")

    def extra_repr(self):
        return f"domain={self.domain!r}"


class ModReLU(Module):
    """modReLU (Arjovsky et al., "Unitary Evolution RNNs", 2016):
    z * ReLU(|z| + b) / |z| per coefficient, with a learnable bias b per
    channel (initialised to 0, where it is the identity); 0 at z = 0.

    Spectral-native: defined on coefficients, with no spatial twin. It keeps
    each phase and scales by a function of |z|; conjugate bins have equal
    moduli, so on a half spectrum it equals modReLU of the full spectrum and
    keeps the spectrum of a real signal real.
    """

    def __init__(self, num_channels, domain="fourier", dtype="float32"):
        super().__init__()
        self.num_channels = int(num_channels)
        self.domain = get_domain(domain).name
        self.bias = Parameter(backend.xp.zeros(self.num_channels, dtype=dtype))

    def forward(self, x):
        expect_spectrum(x, None, "ModReLU", self.domain)
        if x.shape[1] != self.num_channels:
            raise ValueError(f"ModReLU: expected {self.num_channels} channels, got {x.shape[1]} "
                             f"(input shape {x.shape})")
        return modrelu(x, self.bias)

    def extra_repr(self):
        return f"{self.num_channels}, domain={self.domain!r}"
