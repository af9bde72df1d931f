"""CuPy and a visible GPU for the GPU tests, or the reason they skip (the
only reason they may skip)."""
import pytest

try:
    import cupy
    GPUS = cupy.cuda.runtime.getDeviceCount()
    WHY = "" if GPUS else "cupy sees no GPU (0 devices)"
except Exception as exc:     # not installed, or no CUDA driver
    cupy, GPUS, WHY = None, 0, f"no usable cupy/GPU here: {type(exc).__name__}: {exc}"


def skip_module_without_gpu():
    """Skip the calling test module, with the reason, unless cupy sees a GPU."""
    if not GPUS:
        pytest.skip(WHY, allow_module_level=True)
