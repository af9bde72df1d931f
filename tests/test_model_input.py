"""Shapes and dtypes at the model's door (freqnet.models.check_input)."""
import numpy as np
import pytest

import freqnet
from freqnet.models import FrequencyCNN, SpectralLogistic


def test_a_wrong_image_size_fails_at_the_input_naming_the_size_given():
    model = FrequencyCNN((1, 32, 32), width=2, depth=2, kernel_size=3)
    x = freqnet.tensor(np.zeros((2, 1, 28, 28), np.float32))
    with pytest.raises(ValueError) as info:
        model(x)
    message = str(info.value)
    assert "got shape (2, 1, 28, 28)" in message and "(batch, 1, 32, 32)" in message
    assert "36" not in message          # not a padded size from deep inside


def test_a_wrong_signal_length_fails_at_the_input():
    model = FrequencyCNN((1, 40), width=2, depth=3, kernel_size=3, pad="auto")
    with pytest.raises(ValueError, match=r"built for inputs of shape \(batch, 1, 40\), got shape "
                                         r"\(3, 1, 41\)"):
        model(freqnet.tensor(np.zeros((3, 1, 41), np.float32)))
    with pytest.raises(ValueError, match=r"got shape \(1, 40\)"):     # a missing batch axis
        model(freqnet.tensor(np.zeros((1, 40), np.float32)))
    linear = SpectralLogistic((1, 16))
    with pytest.raises(ValueError, match=r"SpectralLogistic: built for .*got shape \(2, 2, 16\)"):
        linear(freqnet.tensor(np.zeros((2, 2, 16), np.float32)))


def test_real_inputs_are_cast_to_the_model_dtype_and_complex_ones_refused():
    np.random.seed(0)
    model = FrequencyCNN((1, 16), width=2, depth=1, kernel_size=3).eval()
    x64 = np.random.default_rng(1).standard_normal((3, 1, 16))
    reference = model(freqnet.tensor(x64.astype(np.float32))).numpy()
    out = model(freqnet.tensor(x64))                      # float64 -> float32
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out.numpy(), reference)
    ints = np.arange(48, dtype=np.int64).reshape(3, 1, 16) % 5
    np.testing.assert_array_equal(model(freqnet.tensor(ints)).numpy(),
                                  model(freqnet.tensor(ints.astype(np.float32))).numpy())
    with pytest.raises(TypeError, match="takes real inputs, got dtype complex128"):
        model(freqnet.tensor(x64 + 1j))
    with pytest.raises(TypeError, match="freqnet.tensor"):
        model(x64)


def test_a_too_deep_model_blames_the_depth_not_the_kernel():
    with pytest.raises(ValueError) as info:
        FrequencyCNN((1, 40), depth=9, kernel_size=5, pad="auto")
    message = str(info.value)
    assert "depth 9 is too deep" in message and "the deepest that fits is depth 4" in message
    FrequencyCNN((1, 40), depth=4, kernel_size=5, width=2, pad="auto")   # fits
