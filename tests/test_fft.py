"""freqnet.fft: values against numpy.fft, gradients against finite
differences, and the rfft/irfft adjoints (THEORY.md §0) against explicit
matrices built with plain NumPy. The references never use freqnet."""
import numpy as np
import pytest

import freqnet as fn
from freqnet import fft as ffft

NORMS = ["backward", "ortho", "forward", None]      # None: NumPy's default ("backward")


def real(shape, seed, requires_grad=False, dtype=np.float64):
    a = np.random.default_rng(seed).standard_normal(shape).astype(dtype)
    return fn.tensor(a, requires_grad=requires_grad)


def cplx(shape, seed, requires_grad=False, dtype=np.complex128):
    rng = np.random.default_rng(seed)
    a = (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return fn.tensor(a, requires_grad=requires_grad)


# -- values against numpy.fft ---------------------------------------------------

ONE_D = [  # (name, input kind, kwargs)
    ("fft", "c", {}), ("fft", "r", {}), ("fft", "c", {"n": 5}), ("fft", "c", {"n": 12}),
    ("fft", "c", {"axis": 0}), ("ifft", "c", {}), ("ifft", "c", {"n": 4, "axis": 0}),
    ("ifft", "c", {"n": 11}), ("rfft", "r", {}), ("rfft", "r", {"n": 6}),
    ("rfft", "r", {"n": 13}), ("rfft", "r", {"axis": 0}), ("irfft", "c", {}),
    ("irfft", "c", {"n": 7}), ("irfft", "c", {"n": 8}), ("irfft", "c", {"n": 3}),
    ("irfft", "c", {"n": 15, "axis": 0}),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("length", [7, 8])
@pytest.mark.parametrize("name,kind,kw", ONE_D)
def test_1d_values_match_numpy(name, kind, kw, length, norm):
    x = (cplx if kind == "c" else real)((length, 3)[::-1] if "axis" not in kw else (length, 3), 1)
    got = getattr(ffft, name)(x, norm=norm, **kw)
    want = getattr(np.fft, name)(x.numpy(), norm=norm, **kw)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


ND = [  # (name, input kind, shape, kwargs)
    ("fft2", "c", (2, 5, 6), {}), ("fft2", "r", (5, 7), {"s": (4, 9)}),
    ("ifft2", "c", (2, 5, 6), {"axes": (0, 2)}), ("ifft2", "c", (5, 7), {"s": (6, 3)}),
    ("rfft2", "r", (2, 5, 6), {}), ("rfft2", "r", (5, 7), {"s": (4, 9)}),
    ("rfft2", "r", (3, 5, 7), {"axes": (2, 0)}),
    ("irfft2", "c", (2, 5, 4), {}), ("irfft2", "c", (5, 4), {"s": (5, 7)}),
    ("irfft2", "c", (5, 4), {"s": (3, 4)}), ("irfft2", "c", (4, 5, 3), {"axes": (0, 1)}),
    ("fftn", "c", (2, 3, 5), {}), ("fftn", "r", (2, 3, 5), {"axes": (0, 2)}),
    ("ifftn", "c", (2, 3, 5), {"s": (4, 2)}), ("rfftn", "r", (2, 3, 5), {}),
    ("rfftn", "r", (2, 3, 5), {"s": (3, 6), "axes": (0, 2)}),
    ("irfftn", "c", (2, 3, 4), {}), ("irfftn", "c", (2, 3, 4), {"s": (5, 7)}),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,kind,shape,kw", ND)
def test_nd_values_match_numpy(name, kind, shape, kw, norm):
    x = (cplx if kind == "c" else real)(shape, 2)
    got = getattr(ffft, name)(x, norm=norm, **kw)
    np_kw = dict(kw)
    if "s" in kw and "axes" not in kw:      # NumPy 2 wants the axes spelled out with s
        np_kw["axes"] = tuple(range(-len(kw["s"]), 0))
    want = getattr(np.fft, name)(x.numpy(), norm=norm, **np_kw)
    assert got.shape == want.shape
    np.testing.assert_allclose(got.numpy(), want, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("name,kind", [("fft", "c"), ("ifft", "c"), ("rfft", "r"), ("irfft", "c"),
                                       ("fft2", "c"), ("rfft2", "r"), ("irfft2", "c")])
def test_single_precision_stays_single(name, kind):
    x = (cplx(((6, 5)), 3, dtype=np.complex64) if kind == "c" else
         real((6, 5), 3, dtype=np.float32))
    y = getattr(ffft, name)(x)
    assert y.dtype == (np.float32 if name.startswith("irfft") else np.complex64)
    want = getattr(np.fft, name)(x.numpy().astype(np.complex128 if kind == "c" else np.float64))
    np.testing.assert_allclose(y.numpy(), want, rtol=1e-5, atol=1e-5)


def test_bad_arguments_raise_clear_errors():
    x = real((4, 6), 4)
    with pytest.raises(ValueError, match="norm must be one of"):
        ffft.fft(x, norm="unitary")
    with pytest.raises(ValueError, match="out of range"):
        ffft.fft(x, axis=2)
    with pytest.raises(ValueError, match="out of range"):
        ffft.rfft2(x, axes=(0, 5))
    with pytest.raises(ValueError, match="repeated axes"):
        ffft.fft2(x, axes=(1, -1))
    with pytest.raises(TypeError, match="real tensor"):
        ffft.rfft(cplx((4,), 5))


# -- gradients by finite differences ----------------------------------------------

GRAD_1D = [  # (name, input kind, input shape, kwargs)
    ("fft", "c", (7,), {}), ("fft", "c", (2, 8), {}), ("fft", "r", (7,), {}),
    ("fft", "c", (2, 6), {"n": 4}), ("fft", "c", (3, 5), {"n": 8, "axis": 0}),
    ("ifft", "c", (7,), {}), ("ifft", "c", (8, 2), {"axis": 0}), ("ifft", "c", (5,), {"n": 9}),
    ("ifft", "r", (6,), {"n": 4}),
    ("rfft", "r", (7,), {}), ("rfft", "r", (2, 8), {}), ("rfft", "r", (9, 2), {"axis": 0}),
    ("rfft", "r", (8,), {"n": 5}), ("rfft", "r", (5,), {"n": 8}), ("rfft", "r", (1,), {}),
    # irfft: odd n, even n, n != 2(M-1) (crop and pad), size-1 spectrum
    ("irfft", "c", (5,), {}), ("irfft", "c", (5,), {"n": 9}), ("irfft", "c", (5,), {"n": 7}),
    ("irfft", "c", (5,), {"n": 4}), ("irfft", "c", (5,), {"n": 3}), ("irfft", "c", (4,), {"n": 12}),
    ("irfft", "c", (4, 3), {"n": 5, "axis": 0}), ("irfft", "r", (4,), {}),
    ("irfft", "c", (1,), {"n": 1}), ("irfft", "c", (2,), {"n": 1}),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,kind,shape,kw", GRAD_1D)
def test_1d_gradcheck(name, kind, shape, kw, norm):
    # complex inputs to irfft have non-zero imaginary DC/Nyquist parts: irfft
    # ignores them, so their gradient must be 0 and gradcheck probes exactly that
    x = (cplx if kind == "c" else real)(shape, 6, requires_grad=True)
    assert fn.gradcheck(lambda t: getattr(ffft, name)(t, norm=norm, **kw), x)


GRAD_ND = [
    ("fft2", "c", (2, 3, 4), {}), ("fft2", "r", (3, 5), {"s": (2, 7)}),
    ("ifft2", "c", (3, 4), {"s": (5, 2)}), ("ifft2", "c", (3, 2, 4), {"axes": (0, 2)}),
    ("rfft2", "r", (3, 5), {}), ("rfft2", "r", (4, 6), {}), ("rfft2", "r", (3, 5), {"s": (4, 3)}),
    ("rfft2", "r", (3, 4), {"s": (2, 7)}), ("rfft2", "r", (3, 2, 4), {"axes": (2, 0)}),
    ("irfft2", "c", (3, 3), {}), ("irfft2", "c", (3, 3), {"s": (3, 5)}),
    ("irfft2", "c", (4, 3), {"s": (2, 6)}), ("irfft2", "c", (3, 4), {"s": (5, 3)}),
    ("irfft2", "c", (3, 2, 3), {"axes": (2, 0)}),
    ("fftn", "c", (2, 3, 3), {}), ("ifftn", "c", (2, 3, 3), {"s": (3, 2), "axes": (0, 2)}),
    ("rfftn", "r", (2, 3, 3), {}), ("rfftn", "r", (2, 3, 4), {"s": (3, 5)}),
    ("irfftn", "c", (2, 3, 2), {}), ("irfftn", "c", (2, 3, 3), {"s": (2, 3, 5)}),
]


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("name,kind,shape,kw", GRAD_ND)
def test_nd_gradcheck(name, kind, shape, kw, norm):
    x = (cplx if kind == "c" else real)(shape, 7, requires_grad=True)
    assert fn.gradcheck(lambda t: getattr(ffft, name)(t, norm=norm, **kw), x)


def test_round_trips_gradcheck():
    x = real((3, 5), 8, requires_grad=True)
    assert fn.gradcheck(lambda t: ffft.irfft2(ffft.rfft2(t) * ffft.rfft2(t), s=(3, 5)), x)
    z = cplx((4, 3), 9, requires_grad=True)
    assert fn.gradcheck(lambda t: ffft.rfft(ffft.irfft(t, n=5) ** 2), z)


# -- adjoints against explicit matrices (plain NumPy) --------------------------------

def _real_jacobian(f, n_in, complex_in):
    """Columns = derivative of the flattened real/imag output along each real
    input coordinate; f is a plain NumPy linear function."""
    cols = []
    for k in range(n_in):
        for part in ((1.0, 1j) if complex_in else (1.0,)):
            e = np.zeros(n_in, complex if complex_in else float)
            e[k] = part
            y = np.asarray(f(e))
            cols.append(np.concatenate([y.real.ravel(), y.imag.ravel()]) if np.iscomplexobj(y)
                        else y.ravel())
    return np.stack(cols, axis=1)


def _as_real_vector(a):
    return np.concatenate([a.real.ravel(), a.imag.ravel()]) if np.iscomplexobj(a) else a.ravel()


def _grad_as_real_vector(g, complex_in):
    # PyTorch convention: grad = dL/dRe + i dL/dIm, interleaved per element
    return np.stack([g.real, g.imag], axis=1).ravel() if complex_in else g.ravel()


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("n,m", [(7, None), (8, None), (8, 5), (6, 9)])
def test_rfft_gradient_is_transpose_of_explicit_matrix(n, m, norm):
    J = _real_jacobian(lambda e: np.fft.rfft(e, n=m, norm=norm), n, False)
    G = np.fft.rfft(np.ones(n), n=m)        # only for the shape
    rng = np.random.default_rng(10)
    G = rng.standard_normal(G.shape) + 1j * rng.standard_normal(G.shape)
    x = fn.tensor(rng.standard_normal(n), requires_grad=True)
    ffft.rfft(x, n=m, norm=norm).backward(grad=G)
    np.testing.assert_allclose(x.grad.numpy(), J.T @ _as_real_vector(G), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("m,n", [(4, None), (5, 9), (5, 8), (5, 4), (4, 11)])
def test_irfft_gradient_is_transpose_of_explicit_matrix(m, n, norm):
    J = _real_jacobian(lambda e: np.fft.irfft(e, n=n, norm=norm), m, True)
    rng = np.random.default_rng(11)
    g = rng.standard_normal(np.fft.irfft(np.ones(m), n=n).shape)
    H = fn.tensor(rng.standard_normal(m) + 1j * rng.standard_normal(m), requires_grad=True)
    ffft.irfft(H, n=n, norm=norm).backward(grad=g)
    np.testing.assert_allclose(_grad_as_real_vector(H.grad.numpy(), True), J.T @ g,
                               rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("shape,s", [((3, 5), None), ((4, 6), None), ((3, 4), (5, 3))])
def test_rfft2_irfft2_adjoint_identity(shape, s):
    # <A x, Y>_R = <x, A^H Y> with A x computed by NumPy, A^H Y by freqnet's backward
    rng = np.random.default_rng(12)
    x = rng.standard_normal(shape)
    Ax = np.fft.rfft2(x, s=s)
    Y = rng.standard_normal(Ax.shape) + 1j * rng.standard_normal(Ax.shape)
    xt = fn.tensor(x, requires_grad=True)
    ffft.rfft2(xt, s=s).backward(grad=Y)
    assert np.isclose(np.vdot(Y, Ax).real, np.dot(x.ravel(), xt.grad.numpy().ravel()), rtol=1e-10)

    H = rng.standard_normal(Ax.shape) + 1j * rng.standard_normal(Ax.shape)
    out = s if s is not None else shape
    g = rng.standard_normal(out)
    Ht = fn.tensor(H, requires_grad=True)
    ffft.irfft2(Ht, s=out).backward(grad=g)
    lhs = np.dot(np.fft.irfft2(H, s=out).ravel(), g.ravel())
    assert np.isclose(lhs, np.vdot(Ht.grad.numpy(), H).real, rtol=1e-10)


def test_multiplicity_weights():
    host = fn.backend.to_numpy
    np.testing.assert_array_equal(host(ffft.multiplicity(8)), [1, 2, 2, 2, 1])
    np.testing.assert_array_equal(host(ffft.multiplicity(7)), [1, 2, 2, 2])
    np.testing.assert_array_equal(host(ffft.multiplicity(1)), [1])
    np.testing.assert_array_equal(host(ffft.multiplicity(2)), [1, 1])


# -- the classic bug -------------------------------------------------------------------

def _numeric_grad(loss, x, eps=1e-6):
    g = np.zeros_like(x)
    for k in range(x.size):
        e = np.zeros_like(x)
        e.flat[k] = eps
        g.flat[k] = (loss(x + e) - loss(x - e)) / (2 * eps)
    return g


@pytest.mark.parametrize("n", [7, 8])
def test_rfft_gradient_is_not_n_times_irfft(n):
    rng = np.random.default_rng(13)
    x = rng.standard_normal(n)
    G = rng.standard_normal(n // 2 + 1) + 1j * rng.standard_normal(n // 2 + 1)
    numeric = _numeric_grad(lambda v: np.vdot(G, np.fft.rfft(v)).real, x)
    naive = n * np.fft.irfft(G, n=n)
    assert not np.allclose(naive, numeric, rtol=1e-3, atol=1e-3)
    xt = fn.tensor(x, requires_grad=True)
    ffft.rfft(xt).backward(grad=G)
    np.testing.assert_allclose(xt.grad.numpy(), numeric, rtol=1e-7, atol=1e-7)


@pytest.mark.parametrize("n", [7, 8])
def test_irfft_gradient_needs_doubled_interior_bins(n):
    rng = np.random.default_rng(14)
    m = n // 2 + 1
    H = rng.standard_normal(m) + 1j * rng.standard_normal(m)
    g = rng.standard_normal(n)

    def loss(hr_hi):
        return np.dot(g, np.fft.irfft(hr_hi[:m] + 1j * hr_hi[m:], n=n))
    numeric = _numeric_grad(loss, np.concatenate([H.real, H.imag]))
    numeric = numeric[:m] + 1j * numeric[m:]
    naive = np.fft.rfft(g) / n
    assert not np.allclose(naive, numeric, rtol=1e-3, atol=1e-3)
    Ht = fn.tensor(H, requires_grad=True)
    ffft.irfft(Ht, n=n).backward(grad=g)
    np.testing.assert_allclose(Ht.grad.numpy(), numeric, rtol=1e-7, atol=1e-7)
    assert Ht.grad.numpy()[0].imag == 0      # irfft ignores Im of the DC bin
    if n % 2 == 0:
        assert Ht.grad.numpy()[-1].imag == 0     # ... and of the Nyquist bin


def test_fft_transform_counts_in_profiler():
    x = real((4, 6), 15, requires_grad=True)
    with fn.profile() as prof:
        y = ffft.irfft2(ffft.rfft2(x) * 2.0, s=(4, 6))
        y.sum().backward()
    assert prof.transform_count("forward", phase="forward") == 1
    assert prof.transform_count("inverse", phase="forward") == 1
    assert prof.transform_count("forward", phase="backward") == 1    # irfft's adjoint
    assert prof.transform_count("inverse", phase="backward") == 1    # rfft's adjoint


# -- the short-length GEMM route of backend.rfftn/irfftn ----------------------------

def _dft_reference(x, norm):
    """Half spectrum by the DFT sum, plain NumPy in float64."""
    n = x.shape[-1]
    k, t = np.arange(n // 2 + 1)[:, None], np.arange(n)[None, :]
    spec = x.astype(np.float64) @ np.exp(-2j * np.pi * k * t / n).T
    return spec * {"backward": 1.0, "forward": 1.0 / n, "ortho": n ** -0.5}[norm or "backward"]


def _idft_reference(spec, n, norm):
    """Real signal of a half spectrum: Hermitian extension, then the inverse DFT
    sum; the imaginary parts of DC (and of Nyquist, n even) do not count."""
    spec = spec.astype(np.complex128).copy()
    spec[..., 0] = spec[..., 0].real
    if n % 2 == 0:
        spec[..., n // 2] = spec[..., n // 2].real
    full = np.concatenate([spec, np.conj(spec[..., 1:(n + 1) // 2][..., ::-1])], axis=-1)
    k, t = np.arange(n)[:, None], np.arange(n)[None, :]
    x = (full @ np.exp(2j * np.pi * k * t / n)).real
    return x * {"backward": 1.0 / n, "forward": 1.0, "ortho": n ** -0.5}[norm or "backward"]


@pytest.mark.parametrize("dtype,tol", [(np.float32, 1e-5), (np.float64, 1e-12)])
@pytest.mark.parametrize("norm", NORMS)
def test_backend_short_real_transforms_match_dft_sums(dtype, tol, norm):
    """Lengths on both sides of backend.DFT_GEMM_MAX_LEN, odd and even,
    contiguous and strided inputs, against the DFT sums."""
    from freqnet import backend
    rng = np.random.default_rng(7)
    cdtype = np.result_type(dtype, np.complex64)
    for n in list(range(1, 19)) + [24, 31, 32, 33, 40]:
        x = rng.standard_normal((3, n, 4)).astype(dtype).transpose(0, 2, 1)      # strided
        spec = backend.rfftn(x, axes=(-1,), norm=norm)
        ref = _dft_reference(x, norm)
        assert spec.dtype == cdtype and spec.shape == ref.shape
        np.testing.assert_allclose(spec, ref, rtol=0, atol=tol * np.abs(ref).max())
        m = n // 2 + 1
        half = (rng.standard_normal((3, 4, m)) + 1j * rng.standard_normal((3, 4, m))).astype(cdtype)
        back = backend.irfftn(half, s=(n,), axes=(2,), norm=norm)
        ref = _idft_reference(half, n, norm)
        assert back.dtype == dtype and back.shape == ref.shape
        np.testing.assert_allclose(back, ref, rtol=0, atol=tol * np.abs(ref).max())
        if n % 2 == 0 and n >= 2:          # s omitted: n = 2 (m - 1)
            np.testing.assert_allclose(backend.irfftn(half, axes=(-1,), norm=norm), ref,
                                       rtol=0, atol=tol * np.abs(ref).max())
