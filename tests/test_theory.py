"""freqnet.theory (issue 6): every claim check runs here and can fail, and the
wrong formulas (Parseval without d_k, the (i omega) backprop rule, linear
convolution without padding, the rfft gradient as N irfft(g), ...) are shown
to be caught by the same verifiers that pass the right ones."""
import numpy as np
import pytest

import freqnet
from freqnet import backend
from freqnet.theory import REGISTRY, VERDICTS, run_claim, format_table
from freqnet.theory import convolution, distributions, hartley, readout, record
from freqnet.theory.__main__ import main


@pytest.mark.parametrize("number", sorted(REGISTRY))
def test_claim_passes(number):
    rec = run_claim(number, quick=True)
    failed = [m.line() for m in rec.measures if not m.passed]
    assert rec.passed, f"claim {number} ({rec.claim}) failed:\n" + "\n".join(failed)


def test_registry_covers_the_twelve_claims_with_a_wrong_formula_each():
    assert sorted(REGISTRY) == list(range(1, 13))
    for number in REGISTRY:
        rec = run_claim(number, quick=True)
        assert rec.verdict in VERDICTS
        assert any(m.expect == "small" for m in rec.measures)
        assert rec.contrast is not None, f"claim {number} shows no wrong formula failing"
        assert rec.headline is not None


# -- the verifiers reject wrong formulas --------------------------------------

def rng():
    return np.random.default_rng(1)


def test_parseval_without_multiplicities_fails():
    def unweighted(X, Y, shape):
        return float((X * Y.conj()).real.sum() / np.prod(shape))

    def all_twos(X, Y, shape):          # every bin counted twice: wrong at DC (and Nyquist)
        return float((2 * X * Y.conj()).real.sum() / np.prod(shape))
    assert readout.parseval_error(readout.parseval_weighted, rng()) < 1e-13
    assert readout.parseval_error(unweighted, rng()) > 0.1
    assert readout.parseval_error(all_twos, rng()) > 1e-3


def test_i_omega_backprop_rule_fails_and_conj_rule_passes():
    def iw_rule(G, W, omega):
        return 1j * omega * W * G

    def no_conj(G, W, omega):           # convolution instead of correlation
        return G * W
    for n in (8, 9):
        assert convolution.backprop_error(convolution.conj_rule, n, rng()) < 1e-8
        assert convolution.backprop_error(iw_rule, n, rng()) > 0.5
        assert convolution.backprop_error(no_conj, n, rng()) > 0.1


def test_linear_convolution_without_padding_fails():
    assert convolution.linear_convolution_error(32, 9, rng(), convolution.padded_length) < 1e-13
    assert convolution.linear_convolution_error(32, 9, rng(), lambda n, k: n, head=8) > 0.1
    assert convolution.linear_convolution_error(32, 9, rng(), lambda n, k: n + k - 2) > 0.01


def test_rfft_gradient_as_n_irfft_fails():
    def naive(g, n):
        return n * np.fft.irfft(g, n)
    for n in (8, 9):
        assert convolution.rfft_adjoint_error(convolution.rfft_adjoint, n, rng()) < 1e-13
        assert convolution.rfft_adjoint_error(naive, n, rng()) > 0.1


def test_distributional_checks_reject_dropped_deltas():
    tests = distributions.TEST_FUNCTIONS
    assert distributions.pairing_error(tests, lambda x: 1.0, distributions.heaviside_pairing) < 1e-10
    assert distributions.pairing_error(
        tests, lambda x: 1.0, lambda t: distributions.heaviside_pairing(t) - np.pi * t.phi0) > 0.1
    no_delta = lambda t: distributions.sigmoid_transform_pairing(t, with_delta=False)  # noqa: E731
    assert distributions.sigmoid_pairing_error(tests, no_delta) > 0.1
    # ReLU: a wrong sign of the delta' term
    flipped = lambda t: distributions.relu_pairing(t) + 2j * np.pi * t.derivative_at_zero()  # noqa: E731
    assert distributions.pairing_error(tests, lambda x: x, flipped) > 0.1


def test_hartley_plain_product_fails():
    assert hartley.convolution_error(16, rng()) < 1e-13
    assert hartley.convolution_error(16, rng(), product=lambda a, b: a * b) > 0.1
    assert hartley.convolution_error(17, rng(), product=lambda a, b: a * b / 17) > 0.1


# -- the checks exercise freqnet's own code: break it and they fail -----------

def test_claim_5_catches_a_sinc_in_place_of_the_dirichlet_kernel(monkeypatch):
    from freqnet.domains.fourier import maths as fourier

    def sinc_kernel(n, s, xp, dtype, half=False):
        q = np.arange(n // 2 + 1 if half else n)
        return xp.asarray(np.exp(1j * np.pi * q * (s - 1) / n) * np.sinc(q * s / n), dtype=dtype)
    monkeypatch.setattr(fourier, "dirichlet", sinc_kernel)
    assert not run_claim(5, quick=True).passed


def test_claim_2_catches_an_rfft_backward_without_multiplicities(monkeypatch):
    import freqnet.ops.fft as opsfft
    from freqnet import backend
    monkeypatch.setattr(opsfft, "multiplicity",
                        lambda n, m=None, xp=None, dtype=None: (xp or backend.xp).ones(
                            n // 2 + 1 if m is None else m, dtype=dtype or "float64"))
    rec = run_claim(2, quick=True)
    assert not rec.passed
    assert any("freqnet" in m.name and not m.passed for m in rec.measures)


def test_claim_2_catches_a_short_gemm_irfft_without_multiplicities(monkeypatch):
    """The speed route of short transforms (backend/short_dft.py) serves the
    rfft backward's irfft too: a GEMM matrix without the doubled interior
    bins breaks the gradient, and the claim sees it (on NumPy, where the
    route runs; on a device the check is the same as the FFT form's)."""
    from freqnet.backend import short_dft
    real = short_dft._dft_matrix

    def undoubled(n, real_dtype, norm, inverse):
        mat = real(n, real_dtype, norm, inverse)
        if not inverse:
            return mat
        half = mat.copy()
        last = half.shape[0] // 2 - (1 if n % 2 == 0 else 0)
        half[2:2 * last] /= 2                           # interior bins counted once
        return half
    monkeypatch.setattr(short_dft, "_dft_matrix", undoubled)
    with freqnet.fast_paths(True):                      # the route under test
        rec = run_claim(2, quick=True)
    if backend.name == "numpy":
        assert not rec.passed
        assert any("freqnet" in m.name and not m.passed for m in rec.measures)
    else:
        assert rec.passed                               # the device never takes this route


def test_claim_12_catches_a_wrong_spectral_square(monkeypatch):
    from freqnet.domains.fourier import products as polynomial
    real = polynomial.polynomial_forward

    def one_percent_off(x_half, coefficients, spatial_shape):
        y, dp = real(x_half, coefficients, spatial_shape)
        return 1.01 * y, dp
    monkeypatch.setattr(polynomial, "polynomial_forward", one_percent_off)
    rec = run_claim(12, quick=True)
    assert not rec.passed
    assert not rec.measures[0].passed


# -- records, table and command line ------------------------------------------

def test_measure_directions():
    assert record.Measure("e", 1e-16, 1e-13).passed
    assert not record.Measure("e", 1e-12, 1e-13).passed
    assert record.Measure("w", 2.0, 0.1, "large").passed
    assert not record.Measure("w", 0.01, 0.1, "large").passed
    assert not record.Measure("nan", float("nan"), 1.0).passed
    with pytest.raises(ValueError, match="expect"):
        record.Measure("x", 0.0, 1.0, "tiny")


def test_table_lists_every_claim_with_verdict_and_errors():
    recs = [run_claim(n, quick=True) for n in (1, 6)]
    table = format_table(recs)
    for rec in recs:
        assert rec.claim in table and rec.verdict in table and rec.truth in table
    assert "2/2 claims" in table


def test_cli_exit_code_reflects_failures(monkeypatch, capsys):
    assert main(["--claim", "1", "--quick"]) == 0
    out = capsys.readouterr().out
    assert "claim 1" in out and "PASS" in out
    failing = record.Claim(1, "broken", "x", "§0", "right", "t",
                           lambda ctx: [record.Measure("always wrong", 1.0, 0.0)])
    monkeypatch.setitem(REGISTRY, 1, failing)
    assert main(["--claim", "1", "--quick"]) == 1
    with pytest.raises(SystemExit):
        main(["--claim", "99"])


def test_cli_writes_plots(tmp_path, capsys):
    assert main(["--claim", "5", "--claim", "12", "--quick", "--plots", str(tmp_path)]) == 0
    pngs = sorted(p.name for p in tmp_path.glob("*.png"))
    assert pngs == ["claim12_cost.png", "claim12_polynomial_fits.png", "claim5_aliasing.png",
                    "claim5_dirichlet.png"]
    assert all((tmp_path / p).stat().st_size > 1000 for p in pngs)


def test_theory_uses_freqnet_ffts_not_numpy_ones():
    """The checks' FFTs go through freqnet.fft (recorded by the profiler)."""
    with freqnet.profile() as prof:
        run_claim(1, quick=True)
    assert prof.transform_count("forward") > 0 and prof.transform_count("inverse") > 0


@pytest.mark.parametrize("number", sorted(REGISTRY))
def test_claim_runs_freqnet_on_the_active_backend(number, monkeypatch):
    """No claim pins itself to NumPy: every array freqnet transforms while a claim runs
    is on the session's backend (under FREQNET_BACKEND=strict, the emulated device)."""
    from freqnet import backend
    seen = []
    for name in ("fftn", "rfftn", "irfftn"):
        real = getattr(backend, name)

        def spy(a, *args, _real=real, **kwargs):
            seen.append(backend.array_module(a).__name__)
            return _real(a, *args, **kwargs)
        monkeypatch.setattr(backend, name, spy)
    before = backend.name
    assert run_claim(number, quick=True).passed
    assert backend.name == before
    assert set(seen) <= {backend.xp.__name__}, f"claim {number} transformed arrays on {set(seen)}"
