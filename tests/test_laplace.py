"""Toom-Cook ("Laplace", THEORY §9(c)(i)) transforms and LaplaceConv1d/2d,
against plain-NumPy loops and scipy.signal references."""
import math
import re
import warnings
from fractions import Fraction

import numpy as np
import pytest
from scipy.signal import correlate, correlate2d

import freqnet
from freqnet.nn.laplace_conv import LaplaceConv1d, LaplaceConv2d
from freqnet.ops.laplace import laplace_correlate
from freqnet.spectral import laplace

# float32 bounds stated in freqnet/nn/laplace_conv.py: (tile, kernel) -> bound
BOUND32 = {(2, 3): 1e-5, (4, 3): 3e-5, (6, 3): 5e-5, (2, 5): 3e-5, (4, 5): 3e-5, (6, 5): 1e-3}


def rel(a, b):
    return np.abs(np.asarray(a, float) - b).max() / np.abs(b).max()


# ---------------------------------------------------------------- references
def loop_correlate1d(x, w):
    """'valid' CNN correlation, plain loops: y[n] = sum_j x[n+j] w[j]."""
    n, k = len(x), len(w)
    return np.array([sum(x[i + j] * w[j] for j in range(k)) for i in range(n - k + 1)])


def loop_conv2d(x, w, b, padding):
    """Conv2d(padding=k//2) with zero or circular padding, plain loops over pixels."""
    bsz, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    mode = "wrap" if padding == "circular" else "constant"
    xp = np.pad(x, ((0, 0), (0, 0), (kh // 2, kh // 2), (kw // 2, kw // 2)), mode=mode)
    ho, wo = xp.shape[2] - kh + 1, xp.shape[3] - kw + 1
    y = np.zeros((bsz, o, ho, wo))
    for i in range(ho):
        for j in range(wo):
            y[:, :, i, j] = np.einsum("bcuv,ocuv->bo", xp[:, :, i:i + kh, j:j + kw], w)
    return y + b[None, :, None, None]


def scipy_conv2d(x, w, b, padding):
    mode = "wrap" if padding == "circular" else "constant"
    p = w.shape[-1] // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)), mode=mode)
    return np.stack([np.stack([sum(correlate2d(xp[i, c], w[o, c], "valid") for c in range(x.shape[1]))
                               + b[o] for o in range(w.shape[0])]) for i in range(x.shape[0])])


def scipy_conv1d(x, w, b, padding):
    mode = "wrap" if padding == "circular" else "constant"
    p = w.shape[-1] // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p)), mode=mode)
    return np.stack([np.stack([sum(correlate(xp[i, c], w[o, c], "valid") for c in range(x.shape[1]))
                               + b[o] for o in range(w.shape[0])]) for i in range(x.shape[0])])


def vandermonde_float(points, n):
    return np.array([[0.0] * (n - 1) + [1.0] if math.isinf(p) else [p ** j for j in range(n)]
                     for p in map(float, points)])


# ---------------------------------------------------------------- transforms
@pytest.mark.parametrize("m,r", [(2, 3), (4, 3), (6, 3), (2, 5), (3, 2), (1, 3), (4, 1)])
def test_tile_transform_is_correlation(m, r):
    tc = laplace.toom_cook(m, r)
    rng = np.random.default_rng(m * 10 + r)
    d = rng.standard_normal(tc.alpha)
    g = rng.standard_normal(r)
    y = tc.AT @ ((tc.G @ g) * (tc.BT @ d))
    assert np.abs(y - loop_correlate1d(d, g)).max() < 1e-12
    d2 = rng.standard_normal((tc.alpha, tc.alpha))
    g2 = rng.standard_normal((r, r))
    y2 = tc.AT @ ((tc.G @ g2 @ tc.G.T) * (tc.BT @ d2 @ tc.BT.T)) @ tc.AT.T
    assert np.abs(y2 - correlate2d(d2, g2, "valid")).max() < 1e-11


def test_matrices_follow_the_vandermonde_construction():
    pts = (0, 1, -1, Fraction(1, 2), Fraction(-1, 2), math.inf)
    tc = laplace.toom_cook(4, 3, pts)
    v = vandermonde_float(pts, 6)
    np.testing.assert_allclose(tc.AT, vandermonde_float(pts, 4).T, atol=0)
    np.testing.assert_allclose(tc.G, vandermonde_float(pts, 3), atol=0)
    np.testing.assert_allclose(tc.BT, np.linalg.inv(v).T, atol=1e-13)
    assert tc.G[-1].tolist() == [0, 0, 1]          # the row for infinity
    assert tc.condition == pytest.approx(np.linalg.cond(v), rel=1e-12)


@pytest.mark.parametrize("m,pts,cond", [
    (2, (0, 1, -1, "inf"), 3.2),
    (4, (0, 1, -1, 2, -2, "inf"), 305),
    (4, (0, 1, -1, 0.5, -0.5, "inf"), 23.5),
    (6, (0, 1, -1, 2, -2, 0.5, -0.5, "inf"), 1870),
])
def test_condition_numbers_match_theory_table(m, pts, cond):
    assert laplace.toom_cook(m, 3, pts).condition == pytest.approx(cond, rel=0.01)


def test_default_points_follow_the_theory_table():
    assert [float(p) for p in laplace.default_points(2)] == [0, 1, -1, math.inf]
    assert [float(p) for p in laplace.default_points(4)] == [0, 1, -1, 0.5, -0.5, math.inf]
    assert sorted(float(p) for p in laplace.default_points(6)) == [-2, -1, -0.5, 0, 0.5, 1, 2, math.inf]


def test_bad_point_sets():
    with pytest.raises(ValueError, match="distinct.*1/2 is repeated"):
        laplace.toom_cook(2, 3, (0, 0.5, 0.5, "inf"))
    with pytest.raises(ValueError, match="distinct.*inf is repeated"):
        laplace.toom_cook(2, 3, (0, 1, "inf", math.inf))
    with pytest.raises(ValueError, match=r"exactly alpha = m \+ r - 1 = 4 distinct points, got 3"):
        laplace.toom_cook(2, 3, (0, 1, -1))
    with pytest.raises(ValueError, match="real numbers or inf"):
        laplace.toom_cook(2, 3, (0, 1, float("nan"), "inf"))
    with pytest.raises(ValueError, match="real numbers or inf"):
        laplace.toom_cook(2, 3, (0, 1, "two", "inf"))
    with pytest.raises(ValueError, match="got -inf"):
        laplace.toom_cook(2, 3, (0, 1, -1, -math.inf))
    numpy_points = laplace.toom_cook(2, 3, (np.float32(0), np.int64(1), -1.0, np.float32("inf")))
    assert numpy_points.condition == pytest.approx(laplace.toom_cook(2, 3).condition)
    with pytest.raises(ValueError, match="tile m must be a positive integer"):
        laplace.toom_cook(0, 3)
    with pytest.raises(ValueError, match="points must be distinct"):
        LaplaceConv2d(1, 1, 3, tile=2, points=(0, 1, 1, "inf"))


def test_ill_conditioned_points_warn_with_the_condition_number():
    pts = (0, 1, -1, 2, -2, 3, -3, 4, "inf")                  # F(7, 3): cond ~ 1.8e7
    cond = np.linalg.cond(vandermonde_float(pts, 9))
    assert cond * np.finfo(np.float32).eps > 1e-3
    with pytest.warns(laplace.IllConditionedPointsWarning,
                      match=re.escape(f"ill-conditioned for float32: cond(V) = {cond:.3g}")) as record:
        LaplaceConv2d(1, 1, 3, tile=7, points=pts)
    assert len(record) == 1 and record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        LaplaceConv2d(1, 1, 3, tile=7, points=pts, dtype="float64")   # fine in float64
        LaplaceConv2d(1, 1, 3, tile=6)                               # default set: cond 1873


def tap_conv2d(x, w, b):
    """Conv2d(padding=k//2), zeros, as a sum over taps (float64)."""
    k = w.shape[-1]
    h, wd = x.shape[-2:]
    xp = np.pad(x, ((0, 0), (0, 0), (k // 2, k // 2), (k // 2, k // 2)))
    y = sum(np.einsum("bchw,oc->bohw", xp[:, :, i:i + h, j:j + wd], w[:, :, i, j])
            for i in range(k) for j in range(k))
    return y + b[None, :, None, None]


@pytest.mark.parametrize("m,k,points", [
    (2, 3, None), (4, 3, None), (6, 3, None), (6, 5, None),
    (2, 3, laplace.decay_points(4)),                       # the seed's e^-p: cond 428
    (4, 3, laplace.decay_points(6)),
    (6, 3, (0, 1, -1, 2, -2, 3, -3, "inf")),
    (6, 3, laplace.chebyshev_points(8)),
])
def test_error_estimate_bounds_the_float32_error_and_warns_when_digits_are_lost(m, k, points):
    """The stated estimate growth^2 * eps is at least the measured float32 error,
    and every set that loses 3 digits (error > 1e-3) warns, naming cond(V).
    (cond(V) * eps alone said 5e-5 for the seed's F(2, 3) points, which err by 3e-3.)"""
    rng = np.random.default_rng(m * 100 + k)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always", laplace.IllConditionedPointsWarning)
        layer = LaplaceConv2d(4, 4, k, tile=m, points=points)
    plan = layer.plans[0]
    layer.weight.data[...] = freqnet.tensor(rng.standard_normal(layer.weight.shape)).data
    x = rng.uniform(-1, 1, (2, 4, 24, 24)).astype(np.float32)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", laplace.IllConditionedPointsWarning)
        y = layer(freqnet.tensor(x)).numpy()
    err = rel(y, tap_conv2d(x.astype(float), layer.weight.numpy().astype(float),
                            layer.bias.numpy().astype(float)))
    estimate = plan.error_estimate("float32", 2)
    assert err <= estimate
    if err > 1e-3:
        assert len(record) == 1
    if record:
        message = str(record[0].message)
        assert f"cond(V) = {plan.condition:.3g}" in message and f"{estimate:.2g} relative" in message


def test_the_seeds_points_warn_in_float32():
    """t = e^-p at 1/5, 2/5, 3/5, 4/5: cond(V) is only 428 (cond * eps = 5e-5),
    yet F(2x2, 3x3) in float32 errs by 1e-3 to 3e-3 (demos/laplace_points.py:
    3.1e-3), about 3 digits lost."""
    with pytest.warns(laplace.IllConditionedPointsWarning,
                      match=r"ill-conditioned for float32: cond\(V\) = 428"):
        LaplaceConv2d(1, 1, 3, tile=2, points=laplace.decay_points(4))


def test_float_inputs_only():
    with pytest.raises(ValueError, match="expected a float32 or float64 input, got dtype int64"):
        LaplaceConv2d(1, 1, 3)(freqnet.tensor(np.ones((1, 1, 4, 4), dtype=np.int64)))


# ---------------------------------------------------------------- layers
CASES2D = [  # (tile, kernel, batch, cin, cout, H, W)
    (2, 3, 2, 3, 4, 8, 8), (2, 3, 3, 1, 2, 7, 11), (4, 3, 2, 3, 5, 9, 10), (4, 3, 2, 2, 2, 5, 5),
    (6, 3, 2, 2, 3, 13, 8), (2, 5, 2, 2, 3, 9, 7), (4, 5, 2, 3, 2, 6, 11), (6, 5, 2, 2, 2, 12, 9),
]


@pytest.mark.parametrize("padding", ["same", "circular"])
@pytest.mark.parametrize("m,k,b,ci,co,h,w", CASES2D)
def test_conv2d_float32_within_stated_bound(m, k, b, ci, co, h, w, padding):
    rng = np.random.default_rng(h * w + m)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", laplace.IllConditionedPointsWarning)   # F(6, 5)
        layer = LaplaceConv2d(ci, co, k, padding=padding, tile=m)
        x = rng.uniform(-1, 1, (b, ci, h, w)).astype(np.float32)
        layer.weight.data[...] = freqnet.tensor(rng.standard_normal(layer.weight.shape)).data
        y = layer(freqnet.tensor(x)).numpy()
    assert y.dtype == np.float32
    ref = loop_conv2d(x.astype(float), layer.weight.numpy().astype(float),
                      layer.bias.numpy().astype(float), padding)
    assert y.shape == ref.shape == (b, co, h, w)
    assert rel(y, ref) < BOUND32[(m, k)]


@pytest.mark.parametrize("padding", ["same", "circular"])
@pytest.mark.parametrize("m,k,h,w", [(2, 3, 6, 7), (4, 3, 9, 8), (6, 3, 7, 13), (6, 5, 11, 10),
                                     (4, 2, 7, 6), (2, 5, 2, 3)])
def test_conv2d_float64_matches_scipy(m, k, h, w, padding):
    rng = np.random.default_rng(k * h + w)
    layer = LaplaceConv2d(3, 2, k, padding=padding, tile=m, dtype="float64")
    x = rng.standard_normal((2, 3, h, w))
    y = layer(freqnet.tensor(x)).numpy()
    ref = scipy_conv2d(x, layer.weight.numpy(), layer.bias.numpy(), padding)
    assert y.shape == ref.shape           # even k: H+1, as torch's padding=k//2
    assert rel(y, ref) < 1e-10


@pytest.mark.parametrize("padding", ["same", "circular"])
@pytest.mark.parametrize("m,k,n", [(2, 3, 10), (4, 3, 9), (6, 3, 17), (4, 5, 8), (6, 5, 5)])
def test_conv1d_matches_scipy(m, k, n, padding):
    rng = np.random.default_rng(n + k)
    for dtype, tol in (("float32", BOUND32[(m, k)]), ("float64", 1e-10)):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", laplace.IllConditionedPointsWarning)
            layer = LaplaceConv1d(2, 3, k, padding=padding, tile=m, dtype=dtype)
            x = rng.uniform(-1, 1, (3, 2, n)).astype(dtype)
            y = layer(freqnet.tensor(x)).numpy()
        ref = scipy_conv1d(x.astype(float), layer.weight.numpy().astype(float),
                           layer.bias.numpy().astype(float), padding)
        assert y.shape == ref.shape == (3, 3, n)
        assert rel(y, ref) < tol


def test_valid_padding_and_no_bias():
    rng = np.random.default_rng(3)
    layer = LaplaceConv2d(2, 2, 3, padding="valid", tile=4, bias=False, dtype="float64")
    assert layer.bias is None and [n for n, _ in layer.named_parameters()] == ["weight"]
    x = rng.standard_normal((2, 2, 9, 6))
    w = layer.weight.numpy()
    ref = np.stack([np.stack([sum(correlate2d(x[i, c], w[o, c], "valid") for c in range(2))
                              for o in range(2)]) for i in range(2)])
    y = layer(freqnet.tensor(x)).numpy()
    assert y.shape == (2, 2, 7, 4)
    assert rel(y, ref) < 1e-10


@pytest.mark.parametrize("m,padding,shape", [(2, "same", (2, 2, 5, 4)), (4, "circular", (2, 2, 5, 6)),
                                             (6, "same", (1, 2, 4, 7))])
def test_conv2d_gradcheck(m, padding, shape):
    rng = np.random.default_rng(m)
    layer = LaplaceConv2d(shape[1], 2, 3, padding=padding, tile=m, dtype="float64")
    x = freqnet.tensor(rng.standard_normal(shape), requires_grad=True)
    pads = ((1, 1), (1, 1))
    mode = "circular" if padding == "circular" else "zeros"
    freqnet.gradcheck(lambda x, w, b: laplace_correlate(x, w, b, layer.plans, pads, mode),
                      (x, layer.weight, layer.bias))


def test_conv1d_gradcheck_uneven_padding():
    rng = np.random.default_rng(7)
    plan = laplace.toom_cook(4, 3)
    x = freqnet.tensor(rng.standard_normal((2, 3, 6)), requires_grad=True)
    w = freqnet.tensor(rng.standard_normal((2, 3, 3)), requires_grad=True)
    for pads, mode in ((((2, 0),), "zeros"), (((7, 1),), "circular")):
        freqnet.gradcheck(lambda x, w: laplace_correlate(x, w, None, (plan,), pads, mode), (x, w))


def test_gradients_equal_the_spatial_reference():
    """grad_x, grad_w, grad_b of sum(gy * conv(x)) against plain loops (circular)."""
    rng = np.random.default_rng(11)
    layer = LaplaceConv2d(3, 2, 3, padding="circular", tile=4, dtype="float64")
    x = rng.standard_normal((2, 3, 7, 6))
    gy = rng.standard_normal((2, 2, 7, 6))
    xt = freqnet.tensor(x, requires_grad=True)
    (layer(xt) * freqnet.tensor(gy)).sum().backward()
    w = layer.weight.numpy()
    xp = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)), mode="wrap")
    gw = np.zeros_like(w)
    gxp = np.zeros_like(xp)
    for i in range(7):
        for j in range(6):
            gw += np.einsum("bo,bcuv->ocuv", gy[:, :, i, j], xp[:, :, i:i + 3, j:j + 3])
            gxp[:, :, i:i + 3, j:j + 3] += np.einsum("bo,ocuv->bcuv", gy[:, :, i, j], w)
    gx = gxp[:, :, 1:-1, 1:-1].copy()          # fold the wrapped border back
    gx[:, :, -1, :] += gxp[:, :, 0, 1:-1]
    gx[:, :, 0, :] += gxp[:, :, -1, 1:-1]
    gx[:, :, :, -1] += gxp[:, :, 1:-1, 0]
    gx[:, :, :, 0] += gxp[:, :, 1:-1, -1]
    gx[:, :, -1, -1] += gxp[:, :, 0, 0]
    gx[:, :, -1, 0] += gxp[:, :, 0, -1]
    gx[:, :, 0, -1] += gxp[:, :, -1, 0]
    gx[:, :, 0, 0] += gxp[:, :, -1, -1]
    assert rel(xt.grad.numpy(), gx) < 1e-12
    assert rel(layer.weight.grad.numpy(), gw) < 1e-12
    assert rel(layer.bias.grad.numpy(), gy.sum(axis=(0, 2, 3))) < 1e-12


def test_training_step_reduces_a_regression_loss():
    rng = np.random.default_rng(5)
    target = LaplaceConv2d(2, 2, 3, tile=2, dtype="float64")
    layer = LaplaceConv2d(2, 2, 3, tile=2, dtype="float64")
    x = freqnet.tensor(rng.standard_normal((4, 2, 8, 8)))
    y = target(x).detach()
    losses = []
    for _ in range(3):
        loss = ((layer(x) - y) ** 2).mean()
        losses.append(loss.item())
        layer.zero_grad()
        loss.backward()
        for p in layer.parameters():
            p.data -= 0.1 * p.grad.data
    assert losses[2] < losses[0]


def test_init_bounds_like_torch():
    layer = LaplaceConv2d(4, 8, 3)
    bound = 1 / math.sqrt(4 * 9)
    assert layer.weight.shape == (8, 4, 3, 3) and layer.bias.shape == (8,)
    assert np.abs(layer.weight.numpy()).max() <= bound and np.abs(layer.bias.numpy()).max() <= bound
    assert layer.weight.dtype == np.float32


def test_bad_inputs_are_named():
    layer = LaplaceConv2d(3, 2, 3)
    with pytest.raises(ValueError, match="expected 3 input channels, got 2"):
        layer(freqnet.tensor(np.zeros((1, 2, 5, 5), np.float32)))
    with pytest.raises(ValueError, match="expected a spatial tensor, got a fourier spectrum"):
        layer(freqnet.nn.ToSpectrum()(freqnet.tensor(np.zeros((1, 3, 4, 4), np.float32))))
    with pytest.raises(ValueError, match="expected a .batch, channels, 2 spatial axes"):
        layer(freqnet.tensor(np.zeros((3, 5, 5), np.float32)))
    with pytest.raises(ValueError, match="padding must be one of"):
        LaplaceConv2d(1, 1, 3, padding="reflect")
    with pytest.raises(ValueError, match="'valid' padding needs spatial sizes"):
        LaplaceConv2d(1, 1, 3, padding="valid")(freqnet.tensor(np.zeros((1, 1, 2, 5), np.float32)))


def test_condition_bounds_bracket_the_true_condition_number():
    from freqnet.spectral import laplace
    pts = laplace.power_points(7)            # small enough for float64 to be trusted
    v = np.array([[float(p) ** j for j in range(7)] for p in pts])
    low, high = laplace.condition_bounds(pts)
    assert low <= np.linalg.cond(v) <= high
    # 31 points: far beyond 1/eps, where a float64 estimate of cond(V) is noise
    low, _ = laplace.condition_bounds(laplace.power_points(31))
    assert low > 1e70 > 1 / np.finfo(np.float64).eps
