"""Smoke test of demos/laplace_points.py (--quick): it runs, prints both
tables, and its numbers agree with independent checks and THEORY §9."""
import importlib.util
import math
import os

import numpy as np

DEMO = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "demos",
                    "laplace_points.py")


def load_demo():
    spec = importlib.util.spec_from_file_location("laplace_points", DEMO)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def vandermonde(points):
    n = len(points)
    return np.array([[0.0] * (n - 1) + [1.0] if math.isinf(float(p)) else
                     [float(p) ** j for j in range(n)] for p in points])


def test_quick_run_prints_both_tables(capsys):
    demo = load_demo()
    tiled, whole = demo.main(["--quick"])
    out = capsys.readouterr().out
    assert "Tiled Toom-Cook" in out and "Whole signal" in out
    assert "seed: e^-p in (0,1)" in out and "Chebyshev" in out
    assert len(tiled) == 15 and [r["n"] for r in whole] == [4, 8, 16]

    for row in tiled:
        pts = demo.point_sets(row["m"])[row["points"]]
        assert abs(row["cond"] / np.linalg.cond(vandermonde(pts)) - 1) < 1e-9
        assert row["mults_per_output"] == ((row["m"] + 2) / row["m"]) ** 2
    by = {(r["m"], r["points"]): r for r in tiled}
    for m in (2, 4, 6):
        default = by[(m, "default (THEORY §9)")]
        seed = by[(m, "seed: e^-p in (0,1)")]
        assert default["fp64"] < 1e-12 and default["fp32"] < 1e-4
        assert seed["cond"] > 100 * default["cond"] and seed["fp32"] > 100 * default["fp32"]
    # THEORY §9 table: cond 3.2, 23.5, 1870 for the default sets
    assert [round(by[(m, "default (THEORY §9)")]["cond"], 1) for m in (2, 4)] == [3.2, 23.5]
    assert abs(by[(6, "default (THEORY §9)")]["cond"] / 1870 - 1) < 0.01

    # whole signals: fine at n=4 with well-spread points, broken at n=16 for powers and the seed
    first, last = whole[0], whole[-1]
    assert first["powers"][1] < 1e-12 and first["Chebyshev"][1] < 1e-12
    assert last["powers"][1] > 1 and last["seed e^-p"][1] > 1e-2
    assert last["Chebyshev"][0] > first["Chebyshev"][0] * 1e6
