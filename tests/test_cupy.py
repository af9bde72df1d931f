"""The engine on a real GPU through CuPy (DESIGN.md §6).

Skipped, with the reason, where cupy cannot be imported or sees no GPU:
that is the only reason these tests skip.
"""
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from _gpu import cupy, skip_module_without_gpu

skip_module_without_gpu()

import freqnet as fn                    # noqa: E402
from freqnet import backend              # noqa: E402

pytestmark = pytest.mark.gpu


def gpu_tensor(a, requires_grad=False):
    return fn.tensor(a).to("gpu").detach().requires_grad_(requires_grad)


def test_to_gpu_and_back_keeps_values_and_gradient_flows():
    a = np.random.default_rng(0).standard_normal((3, 4))
    x = fn.tensor(a, requires_grad=True)
    g = x.to("gpu")
    assert g.device == "gpu" and isinstance(g.data, cupy.ndarray)
    y = (g * g).sum()
    assert y.device == "gpu"
    y.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_allclose(x.grad.numpy(), 2 * a, rtol=1e-12)
    np.testing.assert_array_equal(g.to("cpu").numpy(), a)


def test_mixing_devices_is_a_clear_error():
    cpu = fn.tensor(np.ones(3))
    gpu = gpu_tensor(np.ones(3))
    with pytest.raises(RuntimeError, match=r"different devices \(cpu and gpu\)"):
        cpu + gpu
    with pytest.raises(RuntimeError, match=r"different devices \(gpu and cpu\)"):
        gpu @ cpu


def test_use_cupy_then_numpy():
    try:
        assert backend.use("cupy") is cupy
        t = fn.tensor([1.0, 2.0])
        assert t.device == "gpu" and t.dtype == np.float32
    finally:
        backend.use("numpy")
    assert fn.tensor([1.0]).device == "cpu"


def test_environment_variable_selects_cupy():
    env = dict(os.environ, FREQNET_BACKEND="cupy",
               PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c",
                          "import freqnet; print(freqnet.backend.name, freqnet.tensor([1.0]).device)"],
                         env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["cupy", "gpu"]


@pytest.mark.parametrize("name,dtype,want", [("rfft", np.float32, np.complex64),
                                             ("fft", np.complex64, np.complex64),
                                             ("irfft", np.complex64, np.float32)])
def test_gpu_fft_precision_and_values(name, dtype, want):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((4, 9)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal((4, 9)).astype(np.float32)
    y = getattr(fn.fft, name)(gpu_tensor(a))
    assert y.device == "gpu" and y.dtype == want
    np.testing.assert_allclose(y.numpy(), getattr(np.fft, name)(a.astype(np.complex128 if
                               np.iscomplexobj(a) else np.float64)), rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("case", ["rfft2", "irfft_odd", "getitem_repeats", "pad_wrap", "gelu",
                                  "matmul", "max_ties", "complex_mul"])
def test_gpu_gradcheck(case):
    rng = np.random.default_rng(2)
    r = gpu_tensor(rng.standard_normal((3, 5)), requires_grad=True)
    z = gpu_tensor(rng.standard_normal((3, 5)) + 1j * rng.standard_normal((3, 5)), requires_grad=True)
    idx = cupy.asarray([0, 2, 2, 4])
    f, x = {
        "rfft2": (lambda t: fn.fft.rfft2(t), r),
        "irfft_odd": (lambda t: fn.fft.irfft(t, n=9), z),
        "getitem_repeats": (lambda t: t[:, idx], z),
        "pad_wrap": (lambda t: fn.pad(t, ((1, 4), (2, 7)), mode="wrap"), z),
        "gelu": (fn.gelu, r),
        "matmul": (lambda t: t @ t.T, z),
        "max_ties": (lambda t: fn.concatenate([t, t], axis=1).max(axis=1), r),
        "complex_mul": (lambda t: t * (1 + 2j) * fn.conj(t), z),
    }[case]
    assert fn.gradcheck(f, x)
