"""A learned polynomial activation per channel, on the bins the next layer keeps (THEORY.md §5b).

:class:`BandPolynomial`: per channel c, y = p_c(x) = q_c(x / r) with
q_c(t) = sum_j b_cj t^j, evaluated on the spectrum by direct spectral
convolutions (the domain's ``band_polynomial``), with no transform:

* ``learn=True``: b is a parameter (all its entries O(1) for the
  optimizer), initialised from the least-squares fit of ``function`` on
  [-r, r] (THEORY §5 table). After batch norm (N(0, 1) gamma + beta, with
  gamma = 1 and beta = 0 at init) the working range is known, so r is a
  fixed number (default 3), not an estimate of the bound.
* ``modes_out``: only the output bins |k| < modes_out per axis are computed
  (the rest are 0): what a following spectral pooling or ``modes``
  truncation keeps (before a pooling by 2 of an n-map, n/4 + 1).
* ``wrap``: True evaluates p on the samples (circular sums: energy past the
  grid's band aliases back); False on the band-limited interpolant, whose
  spectrum past the band is discarded (alias-free).
"""
from .. import backend
from ..domains import get_domain
from ..spectral import polynomial
from .module import Module, Parameter
from .spectrum import expect_spectrum


class BandPolynomial(Module):
    """Per-channel polynomial activation on a spectrum; see the module docstring.

    ``channels``: C of the (B, C, *bins) input. ``function``: the fit used
    at init (polynomial.FUNCTIONS). ``degree`` 2-4.
    """

    def __init__(self, channels, function="gelu", degree=2, radius=3.0, learn=True,
                 modes_out=None, wrap=True, domain="fourier", dtype="float32"):
        super().__init__()
        name = type(self).__name__
        if function not in polynomial.FUNCTIONS:
            raise ValueError(f"{name}: function must be one of {polynomial.FUNCTIONS}, "
                             f"got {function!r}")
        if degree not in polynomial.DEGREES:
            raise ValueError(f"{name}: degree must be one of {polynomial.DEGREES}, got {degree!r}")
        if not (isinstance(radius, (int, float)) and radius > 0):
            raise ValueError(f"{name}: radius must be a positive number, got {radius!r}")
        if modes_out is not None and not (isinstance(modes_out, int) and modes_out >= 1):
            raise ValueError(f"{name}: modes_out must be None or a positive int, got {modes_out!r}")
        self.domain = get_domain(domain).name
        self.channels, self.function, self.degree = int(channels), function, int(degree)
        self.radius, self.learn, self.wrap = float(radius), bool(learn), bool(wrap)
        self.modes_out = modes_out
        np = backend.numpy
        fit = polynomial.least_squares_fit(function, self.radius, self.degree)
        scaled = backend.asarray(np.tile(fit * self.radius ** np.arange(self.degree + 1),
                                         (self.channels, 1)), dtype=dtype)
        if self.learn:
            self.coefficients = Parameter(scaled)
        else:
            self.register_buffer("coefficients", scaled)

    def forward(self, x):
        name = type(self).__name__
        dom = expect_spectrum(x, None, name, self.domain)
        if x.shape[1] != self.channels:
            raise ValueError(f"{name}: expected {self.channels} channels, got {x.shape[1]} "
                             f"(input shape {x.shape})")
        return dom.band_polynomial(x, self.coefficients, self.radius, self.modes_out, self.wrap,
                                   name)

    def polynomial_coefficients(self, x=None):
        """a_cj = b_cj r^-j (C, d + 1), the polynomial each channel applies, on the host
        (the same for every input ``x``; the argument is that of the pointwise layers)."""
        scaled = self.coefficients.data if self.learn else self.coefficients
        return backend.to_numpy(scaled) / self.radius ** backend.numpy.arange(self.degree + 1)

    def extra_repr(self):
        return (f"{self.channels}, function={self.function!r}, degree={self.degree}, "
                f"radius={self.radius}, learn={self.learn}, modes_out={self.modes_out}, "
                f"wrap={self.wrap}, domain={self.domain!r}")
