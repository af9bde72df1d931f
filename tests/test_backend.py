"""FREQNET_BACKEND handling (DESIGN.md §6), run in fresh interpreters, and
run-time switching with backend.use(). "cupy missing" and "no GPU" are
simulated with fake ``cupy`` packages put first on PYTHONPATH, so these tests
behave the same on machines with and without a GPU."""
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import freqnet as fn
from freqnet import backend

REPO = Path(__file__).resolve().parents[1]


def run_python(code, backend_value=None, extra_path=None):
    env = dict(os.environ)
    env.pop("FREQNET_BACKEND", None)
    if backend_value is not None:
        env["FREQNET_BACKEND"] = backend_value
    paths = [str(extra_path)] if extra_path else []
    env["PYTHONPATH"] = os.pathsep.join(paths + [str(REPO)])
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, timeout=120)


@pytest.fixture(scope="module")
def fake_cupy_dirs(tmp_path_factory):
    """Two fake cupy packages: one whose import fails, one that sees 0 GPUs."""
    root = tmp_path_factory.mktemp("fake_cupy")
    broken = root / "broken" / "cupy"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text('raise ImportError("simulated: libcudart.so.12 not found")\n')
    nogpu = root / "nogpu" / "cupy"
    nogpu.mkdir(parents=True)
    (nogpu / "__init__.py").write_text(textwrap.dedent("""
        class _Runtime:
            @staticmethod
            def getDeviceCount():
                return 0
        class cuda:
            runtime = _Runtime()
        class ndarray:
            pass
    """))
    mismatch = root / "mismatch" / "cupy"
    mismatch.mkdir(parents=True)
    (mismatch / "__init__.py").write_text(textwrap.dedent("""
        class CUDARuntimeError(RuntimeError):
            pass
        class _Runtime:
            @staticmethod
            def getDeviceCount():
                raise CUDARuntimeError("cudaErrorInsufficientDriver: CUDA driver version is "
                                       "insufficient for CUDA runtime version")
            @staticmethod
            def driverGetVersion():
                return 12040
            @staticmethod
            def runtimeGetVersion():
                return 13000
        class cuda:
            runtime = _Runtime()
        class ndarray:
            pass
    """))
    return {"broken": broken.parent, "nogpu": nogpu.parent, "mismatch": mismatch.parent}


REPORT = "import freqnet; print(freqnet.backend.name, freqnet.backend.xp.__name__)"


def test_default_is_numpy():
    out = run_python(REPORT)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numpy", "numpy"]


@pytest.mark.parametrize("value", ["numpy", "NumPy", " numpy ", ""])
def test_numpy_explicit(value):
    out = run_python(REPORT, value)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["numpy", "numpy"]


@pytest.mark.parametrize("value", ["torch", "cuda", "nump"])
def test_wrong_value_lists_the_valid_ones(value):
    out = run_python(REPORT, value)
    assert out.returncode != 0
    assert "BackendError" in out.stderr
    assert f"FREQNET_BACKEND={value!r}" in out.stderr
    assert "expected one of numpy, cupy, strict" in out.stderr


def test_cupy_that_cannot_be_imported_gives_the_reason(fake_cupy_dirs):
    out = run_python(REPORT, "cupy", fake_cupy_dirs["broken"])
    assert out.returncode != 0
    assert "BackendError" in out.stderr
    assert "cupy cannot be imported" in out.stderr
    assert "ImportError: simulated: libcudart.so.12 not found" in out.stderr
    assert "Traceback" in out.stderr and out.stdout == ""      # no silent fallback


def test_cupy_without_a_gpu_gives_the_reason(fake_cupy_dirs):
    out = run_python(REPORT, "cupy", fake_cupy_dirs["nogpu"])
    assert out.returncode != 0
    assert "BackendError" in out.stderr and "no GPU is visible" in out.stderr
    assert out.stdout == ""


def test_a_cupy_wheel_for_a_newer_cuda_than_the_driver_names_the_right_one(fake_cupy_dirs):
    out = run_python(REPORT, "cupy", fake_cupy_dirs["mismatch"])
    assert out.returncode != 0 and "BackendError" in out.stderr
    assert "cudaErrorInsufficientDriver" in out.stderr
    assert "built for CUDA 13 (cupy-cuda13x), but the driver supports CUDA 12" in out.stderr
    assert "pip install cupy-cuda12x" in out.stderr


def test_use_switches_and_rejects_bad_names(monkeypatch):
    assert backend.use("numpy") is np and backend.get_xp() is np and backend.name == "numpy"
    assert backend.use("strict") is backend.strict and backend.name == "strict"
    assert backend.use("numpy") is np
    with pytest.raises(backend.BackendError, match="unknown freqnet backend 'jax'.*numpy, cupy, strict"):
        backend.use("jax")
    with pytest.raises(backend.BackendError, match="expected one of"):
        backend.use(None)
    monkeypatch.setitem(sys.modules, "cupy", None)      # `import cupy` now fails
    with pytest.raises(backend.BackendError, match="cupy cannot be imported"):
        backend.use("cupy")
    assert backend.name == "numpy" and backend.xp is np   # a failed switch changes nothing


def test_use_in_a_fresh_interpreter(fake_cupy_dirs):
    code = textwrap.dedent("""
        import freqnet
        from freqnet import backend
        try:
            backend.use("cupy")
        except backend.BackendError as e:
            print("refused:", e)
        print(backend.name)
        t = freqnet.tensor([1.0, 2.0])
        print(type(t.data).__module__, t.device)
    """)
    out = run_python(code, None, fake_cupy_dirs["nogpu"])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert lines[0].startswith("refused:") and "no GPU is visible" in lines[0]
    assert lines[1:] == ["numpy", "numpy cpu"]


@pytest.mark.parametrize("name,dtype,want", [
    ("fftn", np.float32, np.complex64), ("fftn", np.complex64, np.complex64),
    ("ifftn", np.complex64, np.complex64), ("rfftn", np.float32, np.complex64),
    ("irfftn", np.complex64, np.float32), ("fftn", np.float64, np.complex128),
    ("rfftn", np.float64, np.complex128), ("irfftn", np.complex128, np.float64),
])
def test_backend_ffts_keep_precision(name, dtype, want):
    a = np.arange(24).reshape(4, 6).astype(dtype)
    y = getattr(backend, name)(a, axes=(0, 1))
    assert y.dtype == want
    ref = getattr(np.fft, name)(a.astype(np.complex128 if np.iscomplexobj(a) else np.float64),
                                axes=(0, 1))
    np.testing.assert_allclose(y, ref, rtol=1e-4, atol=1e-3)


def test_freqnet_fft_keeps_precision_through_autograd():
    x = fn.tensor(np.ones((3, 8), np.float32), requires_grad=True)
    y = fn.fft.rfft(x)
    assert y.dtype == np.complex64
    z = fn.fft.irfft(y * 2.0, n=8)
    assert z.dtype == np.float32
    z.sum().backward()
    assert x.grad.dtype == np.float32


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_erf(dtype):
    from scipy.special import erf
    x = np.linspace(-3, 3, 13).astype(dtype)
    assert backend.erf(x).dtype == dtype
    np.testing.assert_allclose(backend.erf(x), erf(x.astype(np.float64)), rtol=1e-6)


def test_add_at_accumulates_repeats_and_complex():
    t = np.zeros(4, complex)
    backend.add_at(t, np.array([1, 1, 3]), np.array([1 + 1j, 2, 3j]))
    np.testing.assert_array_equal(t, [0, 3 + 1j, 0, 3j])


def test_helpers():
    a = np.arange(3.0)
    assert backend.is_array(a) and not backend.is_array([1.0]) and not backend.is_array(1.0)
    assert backend.array_module(a) is np and backend.array_module(2.0) is np
    assert backend.device_of(a) == "cpu"
    c = backend.to_numpy(a)
    assert c is not a and np.array_equal(c, a)
    assert backend.to_device(a, "cpu") is a
    with pytest.raises(ValueError, match="'cpu' or 'gpu'"):
        backend.to_device(a, "cuda")
    assert backend.asarray([1, 2], dtype="float32", like=a).dtype == np.float32
    n = backend.next_fast_len(97)
    assert 97 <= n <= 100
    for p in (2, 3, 5, 7, 11):
        while n % p == 0:
            n //= p
    assert n == 1


def test_host_data_lands_on_the_default_backend(monkeypatch):
    """Under another default backend, tensor(numpy array) converts through it."""
    import numpy as np
    from freqnet import backend
    import freqnet as fn

    converted = []

    class FakeXp:
        @staticmethod
        def asarray(a):
            converted.append(a.shape)
            return a

    monkeypatch.setattr(backend, "xp", FakeXp)
    fn.tensor(np.zeros((2, 3)))
    fn.nn.Parameter(np.ones(4))
    assert converted == [(2, 3), (4,)]
    monkeypatch.undo()
    converted.clear()
    fn.tensor(np.zeros(2))
    assert converted == []
