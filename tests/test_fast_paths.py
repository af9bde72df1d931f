"""Every speed route against the reference form beside it (freqnet/fastpaths.py).

Each pair is compared on odd and even sizes, values and adjoints; then whole
networks (1D and 2D, Fourier and Hartley) give the same loss and gradients
with the speed routes on and off, and the switch itself is checked.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
import scipy.fft

import freqnet as fn
from freqnet import backend, fastpaths, nn
from freqnet.backend import fftw, short_dft
from freqnet.domains import batch_norm, layout
from freqnet.domains.fourier import fast, maths
from freqnet.domains.hartley import fast as hfast
from freqnet.domains.hartley import maths as hmaths
from freqnet.models import FrequencyCNN
from freqnet.nn.functional import cross_entropy

RNG = np.random.default_rng(0)


def dev(a):
    """A host array on the active backend's device."""
    return fn.tensor(a).data


def host(a):
    return backend.to_numpy(a)


def close(a, b, tol):
    a, b = host(a), host(b)
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.abs(a - b).max() <= tol * max(np.abs(b).max(), 1.0)


TOL = {np.float32: 2e-6, np.float64: 1e-13, np.complex64: 2e-6, np.complex128: 1e-13}


# -- the short-FFT route of the backend (host arrays: it applies on NumPy only) --------

@pytest.mark.parametrize("n", [1, 2, 7, 8, 31, 32])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_short_dft_equals_pocketfft(n, dtype, norm):
    x = RNG.standard_normal((3, 5, n)).astype(dtype)
    y = short_dft.rfftn(x, None, (-1,), norm)
    close(y, scipy.fft.rfftn(x, axes=(-1,), norm=norm), TOL[dtype])
    z = (y + 1j * RNG.standard_normal(y.shape)).astype(y.dtype)     # Im at DC/Nyquist too
    close(short_dft.irfftn(z, (n,), (-1,), norm), scipy.fft.irfftn(z, s=(n,), axes=(-1,), norm=norm),
          TOL[dtype])


def test_short_dft_declines_what_it_does_not_cover():
    assert short_dft.rfftn(np.ones((2, 33)), None, (-1,), "backward") is None      # too long
    assert short_dft.rfftn(np.ones((8, 2)), None, (0,), "backward") is None        # not last axis
    assert short_dft.rfftn(np.ones((2, 8, 8)), None, (-2, -1), "backward") is None  # 2D


# -- the FFTW route of the backend's multi-axis transforms (host arrays) ---------------

FFTW_CASES = [((3, 4, 6, 8), (-2, -1)), ((2, 5, 7), (0, 2)), ((2, 6, 5, 4), (-1, -2)),
              ((4, 3, 5), (0, 1, 2)), ((2, 3, 9, 7), (2, 3))]


@pytest.mark.parametrize("shape, axes", FFTW_CASES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("norm", ["backward", "ortho", "forward"])
def test_fftw_equals_pocketfft(shape, axes, dtype, norm):
    x = RNG.standard_normal(shape).astype(dtype)
    y = fftw.rfftn(x, None, axes, norm, 1)
    close(y, scipy.fft.rfftn(x, axes=axes, norm=norm), TOL[dtype])
    z = (y + 1j * RNG.standard_normal(y.shape)).astype(y.dtype)     # not Hermitian anywhere
    kept = z.copy()
    s = [shape[a] for a in axes]
    close(fftw.irfftn(z, s, axes, norm, 1), scipy.fft.irfftn(z, s=s, axes=axes, norm=norm),
          TOL[dtype])
    np.testing.assert_array_equal(z, kept)                # c2r works on a copy of the input
    for ours, theirs in ((fftw.fftn, scipy.fft.fftn), (fftw.ifftn, scipy.fft.ifftn)):
        close(ours(z, None, axes, norm, 1), theirs(z, axes=axes, norm=norm), TOL[z.dtype.type])


def test_fftw_takes_strided_and_unaligned_inputs():
    x = RNG.standard_normal((4, 9, 8, 6)).astype(np.float32)
    views = [x.transpose(0, 1, 3, 2), x[:, 1:], x.reshape(-1)[1:211].reshape(1, 5, 42)]      # last: 4 bytes off
    for v in views:
        close(fftw.rfftn(v, None, (-2, -1), "backward", 1),
              scipy.fft.rfftn(v, axes=(-2, -1)), TOL[np.float32])
    z = scipy.fft.rfftn(x, axes=(1, 2)).transpose(2, 1, 0, 3)
    close(fftw.irfftn(z, (9, 8), (1, 0), "backward", 2),
          scipy.fft.irfftn(z, s=(9, 8), axes=(1, 0)), TOL[np.float32])


def test_fftw_declines_what_it_does_not_cover():
    x = np.ones((2, 8, 8))
    assert fftw.rfftn(x, None, (-1,), "backward", 1) is None                 # one axis
    assert fftw.rfftn(x, None, -1, "backward", 1) is None
    assert fftw.rfftn(x, (8, 16), (-2, -1), "backward", 1) is None            # zero-pads
    assert fftw.rfftn(x.astype(np.float16), None, (-2, -1), "backward", 1) is None
    assert fftw.irfftn(np.ones((2, 8, 5), complex), (8, 6), (-2, -1), "backward", 1) is None
    assert fftw.rfftn(backend.strict.asarray(x), None, (-2, -1), "backward", 1) is None


def test_the_backend_uses_fftw_for_planes_and_keeps_its_own_routes_off():
    """A 2D transform goes through FFTW (a new plan appears), and not with
    the routes off; both give scipy.fft's result."""
    x = RNG.standard_normal((3, 2, 10, 6))
    expected = scipy.fft.rfftn(x, axes=(-2, -1))
    fftw._plans.clear()
    with fastpaths.fast_paths(False):
        close(backend.rfftn(x, axes=(-2, -1)), expected, 1e-13)
    assert not fftw._plans
    with fastpaths.fast_paths(True):
        close(backend.rfftn(x, axes=(-2, -1)), expected, 1e-13)
    assert [key[0] for key in fftw._plans] == ["r2c"]


@pytest.mark.parametrize("n", [7, 8])
def test_fft_gradients_are_the_same_on_both_routes(n):
    x = RNG.standard_normal((2, n))
    grads = []
    for flag in (True, False):
        with fn.fast_paths(flag):
            t = fn.tensor(x, requires_grad=True)
            y = fn.fft.irfft(fn.fft.rfft(t) * fn.tensor(np.arange(n // 2 + 1) + 1.0), n=n)
            (y * y).sum().backward()
            grads.append(t.grad.numpy())
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12, atol=1e-12)


# -- Fourier routes -------------------------------------------------------------------

@pytest.mark.parametrize("spatial,kernel", [((9,), (3,)), ((8,), (4,)), ((7, 6), (3, 3)),
                                            ((6, 9), (4, 2)), ((8, 8), (5, 5))])
def test_kernel_spectrum_by_direct_dft(spatial, kernel):
    w = dev(RNG.standard_normal((3, 2) + kernel))
    got = fast.kernel_spectrum(w, spatial)
    assert got is not None
    close(got, maths.kernel_spectrum(w, spatial), 1e-13)
    g = dev(RNG.standard_normal(tuple(host(got).shape)) + 1j * RNG.standard_normal(host(got).shape))
    close(fast.kernel_spectrum_adjoint(g, kernel, spatial),
          maths.kernel_spectrum_adjoint(g, kernel, spatial), 1e-12)


def test_mix_with_one_input_channel():
    xf = dev(RNG.standard_normal((7, 4, 1)) + 1j * RNG.standard_normal((7, 4, 1)))
    wf = dev(RNG.standard_normal((7, 1, 5)) + 1j * RNG.standard_normal((7, 1, 5)))
    close(fast.mix(xf, wf), maths.mix(xf, wf), 1e-14)
    assert fast.mix(dev(np.ones((7, 4, 2), complex)), dev(np.ones((7, 2, 5), complex))) is None


@pytest.mark.parametrize("n,s", [(12, 2), (12, 3), (9, 3), (10, 2), (16, 4)])
@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_1d_average_pooling_as_one_gemm(n, s, dtype):
    x = dev((RNG.standard_normal((3, 4, n // 2 + 1)) +
             1j * RNG.standard_normal((3, 4, n // 2 + 1))).astype(dtype))
    close(fast.avg_pool(x, (n,), s), maths.avg_pool(x, (n,), s), TOL[dtype])
    m = (n // s) // 2 + 1
    g = dev((RNG.standard_normal((3, 4, m)) + 1j * RNG.standard_normal((3, 4, m))).astype(dtype))
    close(fast.avg_pool_adjoint(g, (n,), s), maths.avg_pool_adjoint(g, (n,), s), TOL[dtype])
    assert fast.avg_pool(dev(np.ones((2, 2, 5, 3), dtype)), (5, 4), 1) is None     # 2D: the reference


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_readout_as_one_real_gemm(dtype):
    xf = dev((RNG.standard_normal((5, 21)) + 1j * RNG.standard_normal((5, 21))).astype(dtype))
    vf = dev((RNG.standard_normal((3, 21)) + 1j * RNG.standard_normal((3, 21))).astype(dtype))
    views = fast.readout_views(xf, vf)
    out = fast.readout(*views)
    close(out, maths.readout(xf, vf).astype(host(out).dtype), TOL[dtype])
    g = dev(RNG.standard_normal((5, 3)).astype(host(out).dtype))
    for a, b in zip(fast.readout_adjoint(g, *views), maths.readout_adjoint(g, xf, vf)):
        close(a, b.astype(host(a).dtype), TOL[dtype])


# -- shared and Hartley routes ------------------------------------------------------------

@pytest.mark.parametrize("shape,dtype", [((2, 3, 256), np.float32), ((4, 5, 128), np.float64),
                                         ((3, 2, 64), np.complex128)])
def test_frequency_major_padded_copy(shape, dtype):
    a = dev(RNG.standard_normal(shape).astype(dtype))
    close(layout._frequency_major_padded(a), layout._frequency_major(a), 0)
    assert layout._frequency_major_padded(dev(np.ones((2, 3, 9)))) is None     # rows not aligned
    fm = layout._frequency_major(a)
    assert layout._frequency_major_padded(fm.transpose(1, 2, 0)) is None      # already: no copy
    assert layout.frequency_major(fm.transpose(1, 2, 0)).shape == fm.shape


@pytest.mark.parametrize("spatial", [(9,), (8,), (6, 5), (4, 4)])
def test_hartley_dht_in_the_frequency_major_layout(spatial):
    fm = dev(RNG.standard_normal(spatial + (3, 2)))
    nd = len(spatial)
    x = fm.transpose(tuple(range(nd, nd + 2)) + tuple(range(nd)))     # (B, C, *S) view
    got = hfast.dht(x, nd)
    assert got is not None
    close(got, hmaths.dht(backend.array_module(x).ascontiguousarray(x), nd), 1e-12)
    assert hfast.dht(backend.array_module(x).ascontiguousarray(x), nd) is None


@pytest.mark.parametrize("dtype", [np.complex64, np.float64])
def test_batch_norm_inner_product_einsum(dtype):
    a = RNG.standard_normal((4, 3, 5, 3))
    b = RNG.standard_normal((4, 3, 5, 3))
    if np.dtype(dtype).kind == "c":
        a, b = a + 1j * RNG.standard_normal(a.shape), b + 1j * RNG.standard_normal(b.shape)
    a, b = dev(a.astype(dtype)), dev(b.astype(dtype))
    axes = (0, 2, 3)
    close(batch_norm._real_inner_einsum(a, b, axes), batch_norm._real_inner(a, b, axes),
          1e-5 if dtype == np.complex64 else 1e-13)


# -- whole networks, routes on and off ---------------------------------------------------------

def _loss_and_grads(model, x, y, flag):
    with fn.fast_paths(flag):
        model.zero_grad()
        loss = cross_entropy(model(x), y)
        loss.backward()
        return float(loss), {k: p.grad.numpy() for k, p in model.named_parameters()}


@pytest.mark.parametrize("shape,domain", [((1, 40), "fourier"), ((1, 40), "hartley"),
                                          ((2, 14, 14), "fourier"), ((1, 12, 12), "hartley")])
def test_networks_agree_with_and_without_speed_routes(shape, domain):
    np.random.seed(3)
    model = FrequencyCNN(shape, width=3, depth=2, pad="auto", domain=domain)
    for p in model.parameters():                      # float64 for a tight comparison
        p.data = p.data.astype("float64")
    x = fn.tensor(RNG.standard_normal((4,) + shape))
    y = fn.tensor(np.array([0, 3, 5, 9]))
    loss_on, grads_on = _loss_and_grads(model, x, y, True)
    loss_off, grads_off = _loss_and_grads(model, x, y, False)
    assert abs(loss_on - loss_off) <= 1e-12 * abs(loss_off)
    for k in grads_on:
        np.testing.assert_allclose(grads_on[k], grads_off[k], rtol=1e-9, atol=1e-12, err_msg=k)


# -- the switch ------------------------------------------------------------------------------

def test_the_switch_decides_which_form_runs():
    def fast_route(*args):
        raise AssertionError("the speed route ran with fast paths off")
    with fn.fast_paths(False):
        assert fastpaths.route(fast_route, lambda a: a + 1, 1) == 2
    with fn.fast_paths(True):
        assert fastpaths.route(lambda a: None, lambda a: a + 1, 1) == 2   # declined: reference
        assert fastpaths.route(lambda a: a * 10, lambda a: a + 1, 1) == 10
    with pytest.raises(TypeError, match="True or False"):
        fn.set_fast_paths("no")


@pytest.mark.parametrize("value,want", [("0", "False"), ("1", "True"), ("", "True"),
                                        ("off", None), ("false", None)])
def test_the_environment_switch_is_read_by_value(value, want):
    env = {**os.environ, "FREQNET_FAST": value}
    out = subprocess.run([sys.executable, "-c", "import freqnet; print(freqnet.fastpaths.enabled())"],
                         env=env, capture_output=True, text=True, timeout=120)
    if want is not None:
        assert out.returncode == 0 and out.stdout.strip() == want
    else:
        assert out.returncode != 0 and "FREQNET_FAST" in out.stderr and "expected 1" in out.stderr
