"""The seed paper's "Laplace domain", measured: how the choice of real points
trades speed for error (THEORY.md §9(c)(i), DESIGN.md §5).

Evaluating a sequence's z-transform at real points turns convolution into
pointwise products; going back is Vandermonde interpolation. freqnet uses it
on small tiles (Toom-Cook F(m, 3), :mod:`freqnet.spectral.laplace`). This
script prints, with freqnet's own code:

1. Tiled 2D convolution F(m x m, 3 x 3) for m in {2, 4, 6} and several point
   sets -- the THEORY §9 defaults, integers, Chebyshev nodes (with and
   without infinity), and the seed's choice of real positive p, i.e. points
   t = e^{-p} equispaced in (0, 1): cond(V), the float32 and float64 error
   against direct convolution (max |err| / max |y|; inputs U(-1, 1), filters
   N(0, 1), reference in long double), and multiplies per output.
2. Whole-signal (un-tiled) linear convolution of two length-n sequences
   through 2n - 1 real points, solved in float64, for n = 4, 8, 16, 32: where
   real-point inversion breaks down.

    python demos/laplace_points.py           # 2000 tiles per row
    python demos/laplace_points.py --quick   # 200 tiles, n up to 16
"""
import argparse
import math
import os
import sys
import warnings

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from freqnet import backend  # noqa: E402
from freqnet.spectral import laplace  # noqa: E402

INF = laplace.INF


def point_sets(m, r=3):
    """Named point sets of size alpha = m + r - 1 for F(m, r)."""
    alpha = m + r - 1
    integers = [0]
    k = 1
    while len(integers) < alpha - 1:
        integers += [k, -k]
        k += 1
    return {
        "default (THEORY §9)": laplace.default_points(m, r),
        "integers 0,+-1,+-2,..,inf": tuple(integers[:alpha - 1]) + (INF,),
        "Chebyshev + inf": laplace.chebyshev_points(alpha - 1) + (INF,),
        "Chebyshev": laplace.chebyshev_points(alpha),
        "seed: e^-p in (0,1)": laplace.decay_points(alpha),
    }


def direct_valid(x, w):
    """'valid' 2D correlation, sum over taps, in the dtype of x (long double here)."""
    k = w.shape[-1]
    h, wd = x.shape[-2] - k + 1, x.shape[-1] - k + 1
    y = np.zeros(x.shape[:-2] + (h, wd), dtype=x.dtype)
    for i in range(k):
        for j in range(k):
            y += x[..., i:i + h, j:j + wd] * w[i, j]
    return y


def tiled_row(m, name, points, tiles, rng):
    tc = laplace.toom_cook(m, 3, points)
    side = max(int(math.sqrt(tiles)), 1)
    x = rng.uniform(-1, 1, (1, 1, side * m + 2, side * m + 2))
    w = rng.standard_normal((1, 1, 3, 3))
    ref = direct_valid(x.astype(np.longdouble)[0, 0], w[0, 0].astype(np.longdouble))
    errors = {}
    for dtype in ("float32", "float64"):       # on the active backend; y back to the host
        xd, wd = (backend.xp.asarray(a.astype(dtype)) for a in (x, w))
        y = backend.to_numpy(laplace.correlate_valid(xd, wd, (tc, tc))[0])[0, 0]
        err = np.abs(y.astype(np.longdouble) - ref).max() / np.abs(ref).max()
        errors[dtype] = float(err)
    return {"m": m, "points": name, "cond": tc.condition, "fp32": errors["float32"],
            "fp64": errors["float64"], "mults_per_output": tc.multiplies_per_output(2),
            "tiles": side * side}


def whole_signal_row(n, rng):
    a, g = rng.uniform(-1, 1, n), rng.standard_normal(n)
    ref = np.convolve(a.astype(np.longdouble), g.astype(np.longdouble))
    row = {"n": n}
    families = {"powers": laplace.power_points, "Chebyshev": laplace.chebyshev_points,
                "seed e^-p": laplace.decay_points}
    for label, make in families.items():
        c, cond = laplace.whole_signal_convolution(a, g, make(2 * n - 1))
        with np.errstate(all="ignore"):
            err = float(np.abs(c.astype(np.longdouble) - ref).max() / np.abs(ref).max())
        row[label] = (cond, err)
    return row


def tiled_table(rows):
    head = (f"{'m':>2}  {'points':<27} {'cond(V)':>9} {'fp32 err':>9} {'fp64 err':>9} "
            f"{'mult/out':>8}")
    lines = [head, "-" * len(head)]
    for r in rows:
        lines.append(f"{r['m']:>2}  {r['points']:<27} {r['cond']:>9.3g} {r['fp32']:>9.2g} "
                     f"{r['fp64']:>9.2g} {r['mults_per_output']:>8.2f}")
    lines.append(f"direct 3x3 convolution: 9 multiplies per output; errors are "
                 f"max|err|/max|y| over {rows[0]['tiles']} tiles")
    return "\n".join(lines)


def whole_table(rows):
    labels = [k for k in rows[0] if k != "n"]
    head = f"{'n':>3}  " + "  ".join(f"{label + ': cond, error':<28}" for label in labels)
    lines = [head, "-" * len(head)]
    for r in rows:
        cells = [f"{r[label][0]:>9.2g}, {r[label][1]:<17.2g}" for label in labels]
        lines.append(f"{r['n']:>3}  " + "  ".join(cells))
    return "\n".join(lines)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="200 tiles per row, n up to 16")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    rng = np.random.default_rng(args.seed)
    tiles = 200 if args.quick else 2000
    lengths = (4, 8, 16) if args.quick else (4, 8, 16, 32)

    tiled = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", laplace.IllConditionedPointsWarning)
        for m in (2, 4, 6):
            for name, pts in point_sets(m).items():
                tiled.append(tiled_row(m, name, pts, tiles, rng))
    print("Tiled Toom-Cook F(m x m, 3 x 3): the z-transform at real points, per tile\n")
    print(tiled_table(tiled))
    whole = [whole_signal_row(n, rng) for n in lengths]
    print("\nWhole signal: linear convolution of two length-n sequences through 2n-1 real "
          "points, float64\n(powers: 0,+-1,+-2,+-1/2,+-4,...; seed: t = e^-p equispaced in (0,1))\n")
    print(whole_table(whole))
    print("\nReal points work on small tiles with well-spread points (0, +-1, +-1/2, inf); "
          "the seed's\npoints e^-p in (0,1) crowd together and the inversion degrades fast, "
          "and no real set\nsurvives whole signals: the Vandermonde condition grows exponentially "
          "with the length.")
    return tiled, whole


if __name__ == "__main__":
    main()
