"""Records, the claim registry and the run context of :mod:`freqnet.theory`.

A claim of the seed paper is checked by a function that takes a
:class:`Context` and returns a list of :class:`Measure`. A measure is either an
error that must be small (the true statement, computed by freqnet) or an error
that must be large (a wrong formula -- often the paper's -- that the check
must catch). The :func:`claim` decorator turns such a function into a
:class:`ClaimRecord` producer and registers it under its number.

Checks run on the active backend (``FREQNET_BACKEND``, DESIGN.md §6):
freqnet's ops get device arrays, the references are NumPy on the host, and
results cross over only by :func:`host`, an explicit transfer.
"""
from dataclasses import dataclass, field

from .. import backend
from ..tensor import Tensor

VERDICTS = ("right", "wrong", "vague", "incomplete")

#: number -> Claim, filled by the @claim decorator in the claim modules.
REGISTRY = {}


@dataclass
class Measure:
    """One measured number and the bound it must respect.

    ``expect="small"``: value <= bound (a correct identity, checked).
    ``expect="large"``: value >= bound (a wrong formula, shown to fail).
    ``headline=False`` keeps a count or a ratio out of the table's error column.
    """
    name: str
    value: float
    bound: float
    expect: str = "small"
    headline: bool = True

    def __post_init__(self):
        if self.expect not in ("small", "large"):
            raise ValueError(f"expect must be 'small' or 'large', got {self.expect!r}")
        self.value = float(self.value)

    @property
    def passed(self):
        if self.value != self.value:  # NaN never passes
            return False
        return self.value <= self.bound if self.expect == "small" else self.value >= self.bound

    def line(self):
        op = "<=" if self.expect == "small" else ">="
        mark = "ok" if self.passed else "FAIL"
        return f"{self.name:<58s} {self.value:10.3g}  {op} {self.bound:<8.3g} {mark}"


@dataclass
class ClaimRecord:
    """The outcome of one claim: what the paper says, what is true, what freqnet measured."""
    number: int
    claim: str
    paper: str
    theory: str
    verdict: str
    truth: str
    measures: list
    data: dict = field(default_factory=dict)

    @property
    def passed(self):
        return bool(self.measures) and all(m.passed for m in self.measures)

    @property
    def headline(self):
        """The correct-formula error measure closest to (or furthest past) its bound."""
        small = [m for m in self.measures if m.expect == "small" and m.headline and m.bound > 0]
        if not small:
            return None
        return max(small, key=lambda m: m.value / m.bound)

    @property
    def error(self):
        h = self.headline
        return h.value if h is not None else float("nan")

    @property
    def tolerance(self):
        h = self.headline
        return h.bound if h is not None else float("nan")

    @property
    def contrast(self):
        """The first wrong-formula measure (the error the wrong formula makes), or None."""
        large = [m for m in self.measures if m.expect == "large"]
        return large[0] if large else None


class Context:
    """How to run a check: ``quick`` (fewer quadrature points, for the test
    suite), ``verbose`` (print intermediate numbers) and a seeded host RNG
    (its draws are the host references, uploaded where freqnet uses them)."""

    def __init__(self, quick=False, verbose=False, seed=0, out=print):
        self.quick = quick
        self.verbose = verbose
        self.rng = backend.numpy.random.default_rng(seed)
        self._out = out
        self.data = {}

    def say(self, *args):
        """Print only in verbose (``--claim N``) mode."""
        if self.verbose:
            self._out(*args)


@dataclass
class Claim:
    number: int
    title: str
    paper: str
    theory: str
    verdict: str
    truth: str
    check: object

    def run(self, quick=False, verbose=False, seed=0, out=print):
        ctx = Context(quick=quick, verbose=verbose, seed=seed, out=out)
        measures = list(self.check(ctx))
        return ClaimRecord(self.number, self.title, self.paper, self.theory, self.verdict,
                           self.truth, measures, ctx.data)


def claim(number, title, paper, theory, verdict, truth):
    """Register ``fn(ctx) -> [Measure, ...]`` as claim ``number``."""
    if verdict not in VERDICTS:
        raise ValueError(f"verdict must be one of {VERDICTS}, got {verdict!r}")

    def register(fn):
        if number in REGISTRY:
            raise ValueError(f"claim {number} registered twice")
        REGISTRY[number] = Claim(number, title, paper, theory, verdict, truth, fn)
        return fn
    return register


def host(a):
    """A host NumPy copy of a Tensor, an array of any backend, or host data:
    device results come back only through this explicit transfer."""
    if isinstance(a, Tensor):
        return a.numpy()
    if backend.is_array(a):
        return backend.to_numpy(a)
    return backend.numpy.asarray(a)


def relerr(a, b):
    """max|a - b| / max|b|, computed on the host (the error measure used throughout
    THEORY.md); ``a`` and ``b`` may be Tensors, device or host arrays."""
    np = backend.numpy
    a, b = host(a), host(b)
    scale = np.max(np.abs(b))
    return float(np.max(np.abs(a - b)) / (scale if scale > 0 else 1.0))
