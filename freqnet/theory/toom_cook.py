"""Claim 10: the "real-domain Laplace" route, i.e. the z-transform at real
points, is Toom-Cook/Winograd; its error follows cond(V) of the point set
and explodes with the number of points (paper §4, §5; THEORY.md §9c(i)).

Uses freqnet's own generator of the transforms (freqnet.spectral.laplace:
ToomCook, correlate_valid, whole_signal_convolution and the point families)
against a direct correlation in long double written here.
"""
from ..spectral import laplace
from .common import np, on_device, host
from .record import Measure, claim

#: (m, points) for F(m, 3), in the order of THEORY.md §9 table.
TILE_CASES = (
    (2, (0, 1, -1, laplace.INF)),
    (4, (0, 1, -1, 0.5, -0.5, laplace.INF)),
    (4, (0, 1, -1, 2, -2, laplace.INF)),
    (6, (0, 1, -1, 0.5, -0.5, 2, -2, laplace.INF)),
)


def direct_correlation(x, w):
    """y[n] = sum_j x[n+j] w[j] in long double (the reference)."""
    x = x.astype(np.longdouble)
    w = w.astype(np.longdouble)
    k = len(w)
    return sum(x[j: len(x) - k + 1 + j] * w[j] for j in range(k))


def tiled_error(m, points, dtype, tiles, rng):
    """max|y - y_ref| / max|y_ref| for a 1D 'valid' correlation by F(m, 3) tiles
    (inputs U(-1,1), filter N(0,1), both rounded to ``dtype`` first)."""
    plan = laplace.ToomCook(m, 3, points)
    x = rng.uniform(-1, 1, tiles * m + 2).astype(dtype)
    w = rng.standard_normal(3).astype(dtype)
    y, _, _ = laplace.correlate_valid(on_device(x[None, None, :]), on_device(w[None, None, :]), (plan,))
    ref = direct_correlation(x, w)
    err = np.max(np.abs(host(y)[0, 0].astype(np.longdouble) - ref)) / np.max(np.abs(ref))
    return float(err), plan.condition


def whole_signal_error(n, family, rng):
    """Linear convolution of two length-n sequences through 2n-1 real points and a
    Vandermonde solve (no tiles): relative error and cond(V)."""
    a, g = rng.uniform(-1, 1, n), rng.uniform(-1, 1, n)
    c, cond = laplace.whole_signal_convolution(a, g, family(2 * n - 1))
    want = np.convolve(a, g)
    err = np.max(np.abs(c - want)) / np.max(np.abs(want))
    return float(err) if np.isfinite(err) else float("inf"), cond


FAMILIES = {"0,+-1,+-2,+-1/2,...": laplace.power_points,
            "Chebyshev": laplace.chebyshev_points,
            "t = e^-p in (0,1)": laplace.decay_points}


@claim(10, "Laplace ops run entirely in real space", paper="§4, §5, Def. 3", theory="§9c(i)",
       verdict="wrong",
       truth="real points = Toom-Cook on small tiles only; error ~ cond(V) eps grows "
             "exponentially with points; whole-signal inversion fails")
def check_toom_cook(ctx):
    rng = ctx.rng
    tiles = 500 if ctx.quick else 5000
    rows = []
    for m, pts in TILE_CASES:
        e64, cond = tiled_error(m, pts, np.float64, tiles, rng)
        e32, _ = tiled_error(m, pts, np.float32, tiles, rng)
        rows.append((m, laplace.format_points(laplace.check_points(pts, m + 2)), cond, e32, e64))
        ctx.say(f"F({m},3) points {rows[-1][1]:<32s} cond(V) {cond:8.3g}   fp32 {e32:.2g}   fp64 {e64:.2g}")
    ctx.data["tiles"] = rows
    sizes = (4, 8) if ctx.quick else (4, 8, 16, 32)
    whole = {name: [whole_signal_error(n, fam, rng) for n in sizes] for name, fam in FAMILIES.items()}
    ctx.data["whole"] = (sizes, whole)
    for name, vals in whole.items():
        ctx.say(f"whole signal, {name:<22s} " + "  ".join(
            f"n={n}: cond {c:.2g} err {e:.2g}" for n, (e, c) in zip(sizes, vals)))
    eps32 = float(np.finfo(np.float32).eps)
    worst64 = max(r[4] for r in rows)
    # fp32 error in units of cond(V) * eps: the conditioning explains the error
    cond_ratio = max(r[3] / (r[2] * eps32) for r in rows)
    n_bad = 16
    bad_err, bad_cond = whole_signal_error(n_bad, laplace.power_points, rng)
    decay_err, _ = whole_signal_error(n_bad, laplace.decay_points, rng)
    return [
        Measure("tiled F(m,3), m = 2,4,6, fp64 vs long double", worst64, 1e-13),
        Measure("tiled fp32 error / (cond(V) eps32), all point sets", cond_ratio, 1.0, headline=False),
        Measure("whole-signal n=4, points 0,+-1,+-2,...", whole["0,+-1,+-2,+-1/2,..."][0][0], 1e-12),
        Measure("WRONG: whole-signal real points 0,+-1,+-2,..., n=16", bad_err, 1.0, "large"),
        Measure("WRONG: the paper's real positive p (t = e^-p), n=16", decay_err, 0.1, "large"),
        Measure("cond(V): F(4,3) with +-2 over F(4,3) with +-1/2", rows[2][2] / rows[1][2], 5.0, "large"),
        Measure("cond(V) of 31 whole-signal points 0,+-1,+-2,...", bad_cond, 1e20, "large"),
    ]
