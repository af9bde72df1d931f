"""The strict backend: CuPy's device rules on the CPU (freqnet/backend/strict.py).

These tests pin the rules themselves (each one a rule CuPy enforces), show
that the backend catches a host/device mix deliberately put into a layer, and
count the host<->device transfers of a training step. They switch to the
strict backend themselves, so they run in the numpy session too.
"""
import numpy as np
import pytest
import scipy.special

import freqnet as fn
from freqnet import backend, nn
from freqnet.backend import strict
from freqnet.experiment import count_transfers
from freqnet.models import FrequencyCNN
from freqnet.nn.functional import cross_entropy


@pytest.fixture
def on_strict():
    backend.use("strict")          # the suite's fixture switches back afterwards
    backend.reset_transfer_counts()
    return strict


def test_implicit_conversion_to_numpy_is_refused(on_strict):
    a = strict.asarray(np.arange(4.0))
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        np.asarray(a)
    with pytest.raises(TypeError, match="Implicit conversion"):
        scipy.fft.rfft(a)                         # a SciPy function converts its input
    with pytest.raises(TypeError):
        scipy.special.erf(a)                      # a ufunc CuPy does not have: cupyx's, not this
    with pytest.raises(TypeError, match="no __index__"):
        range(10)[strict.asarray(2)]


def test_numpy_operands_and_fills_are_refused(on_strict):
    a = strict.asarray(np.ones(3))
    for op in (lambda: a + np.ones(3), lambda: np.ones(3) * a, lambda: a @ np.ones(3)):
        with pytest.raises(TypeError):
            op()
    with pytest.raises(ValueError, match="non-scalar numpy.ndarray cannot be used for fill"):
        a[...] = np.zeros(3)
    a[...] = np.float64(2.0)                       # scalars are fine, as in CuPy
    a[1] = 5
    assert (a * 2.0 + np.float32(1)).get().tolist() == [5.0, 11.0, 5.0]


def test_explicit_transfers_work_and_are_counted(on_strict):
    a = strict.asarray(np.arange(6.0).reshape(2, 3))            # host -> device
    assert backend.transfer_counts() == {"host_to_device": 1, "device_to_host": 0}
    total = a.sum()
    assert isinstance(total, strict.StrictArray) and total.shape == ()   # no host scalar
    assert float(total) == 15.0 and int(a[1, 2]) == 5 and a[0, 1].item() == 1.0
    np.testing.assert_array_equal(a.get(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(strict.asnumpy(a), np.arange(6.0).reshape(2, 3))
    assert backend.transfer_counts() == {"host_to_device": 1, "device_to_host": 5}
    b = strict.exp(a) + np.exp(a)                 # NumPy ufuncs dispatch to the device module
    assert isinstance(b, strict.StrictArray) and backend.transfer_counts()["device_to_host"] == 5


def test_the_backend_is_selected_by_value(on_strict):
    t = fn.tensor([1.0, 2.0])
    assert isinstance(t.data, strict.StrictArray) and t.device == "gpu"
    assert t.to("cpu").device == "cpu" and isinstance(t.to("cpu").data, np.ndarray)
    with pytest.raises(backend.BackendError, match="numpy, cupy, strict"):
        backend.use("strictly")


def _deliberate_host_call(monkeypatch):
    """Make average pooling call NumPy on its (device) input, as a careless edit would."""
    from freqnet.domains.fourier import functions as fourier
    real = fourier.AvgPoolSpectrum.forward

    def careless(self, x, spatial_shape, s):
        np.asarray(x)
        return real(self, x, spatial_shape, s)
    monkeypatch.setattr(fourier.AvgPoolSpectrum, "forward", careless)


def _tiny_mnist1d_model():
    np.random.seed(0)
    return FrequencyCNN((1, 40), width=4, depth=3, pad="auto")


def test_a_numpy_call_inside_a_layer_is_caught(on_strict, monkeypatch):
    model = _tiny_mnist1d_model()
    x = fn.tensor(np.random.default_rng(0).standard_normal((4, 1, 40)).astype("float32"))
    model(x)                                       # the clean layer runs
    _deliberate_host_call(monkeypatch)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array"):
        model(x)


def test_the_same_numpy_call_passes_unnoticed_on_the_numpy_backend(monkeypatch):
    backend.use("numpy")                           # why the strict backend is needed
    model = _tiny_mnist1d_model()
    _deliberate_host_call(monkeypatch)
    model(fn.tensor(np.zeros((4, 1, 40), "float32")))


def test_a_training_step_moves_the_batch_in_and_the_loss_out_only(on_strict):
    rng = np.random.default_rng(0)
    data = fn.data.TensorDataset(rng.standard_normal((256, 1, 40)).astype("float32"),
                                 rng.integers(0, 10, 256))
    loader = fn.data.DataLoader(data, 64, shuffle=True)
    model = _tiny_mnist1d_model()
    opt = fn.optim.Adam(model.named_parameters(), lr=1e-3)
    count_transfers(model, opt, cross_entropy, loader)     # the first uploads the constants
    for _ in range(2):                             # then every step: x and y in, the loss out
        assert count_transfers(model, opt, cross_entropy, loader) == \
            {"host_to_device": 2, "device_to_host": 1}


def test_transfer_counting_can_fail(on_strict, monkeypatch):
    """A layer that uploads a host constant per call is seen in the count."""
    from freqnet.domains.fourier import functions as fourier
    real = fourier.AvgPoolSpectrum.forward

    def uploading(self, x, spatial_shape, s):
        strict.asarray(np.ones(1))
        return real(self, x, spatial_shape, s)
    rng = np.random.default_rng(0)
    data = fn.data.TensorDataset(rng.standard_normal((64, 1, 40)).astype("float32"),
                                 rng.integers(0, 10, 64))
    loader = fn.data.DataLoader(data, 64)
    model = _tiny_mnist1d_model()
    opt = fn.optim.Adam(model.named_parameters(), lr=1e-3)
    count_transfers(model, opt, cross_entropy, loader)
    monkeypatch.setattr(fourier.AvgPoolSpectrum, "forward", uploading)
    assert count_transfers(model, opt, cross_entropy, loader)["host_to_device"] == 2 + 3


def test_device_labels_out_of_range_are_named_by_fit(on_strict):
    rng = np.random.default_rng(0)
    data = fn.data.TensorDataset(rng.standard_normal((8, 1, 40)).astype("float32"),
                                 np.array([0, 1, 2, 3, 4, 5, 6, 12]))
    model = _tiny_mnist1d_model()
    opt = fn.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match=r"labels must lie in \[0, 9\].*\[0, 12\]"):
        fn.train.fit(model, opt, fn.data.DataLoader(data, 8), 1, log=None, progress=False)
    logits = model(fn.tensor(np.zeros((2, 1, 40), "float32")))
    loss = cross_entropy(logits, fn.tensor(np.array([3, 10])))      # device labels: no sync
    assert np.isnan(float(loss))
    with pytest.raises(ValueError, match="labels must lie"):
        cross_entropy(logits, np.array([3, 10]))                    # host labels: at once


def test_dropout_masks_are_drawn_on_the_device(on_strict):
    x = fn.tensor(np.ones((2, 3, 8, 5), "complex64")).as_spectrum("fourier", (8, 8))
    layer = nn.SpectralDropout(0.5, rng=3)
    first = layer(x)                               # uploads the mask-tying index table once
    backend.reset_transfer_counts()
    y = layer(x)
    assert backend.transfer_counts()["host_to_device"] == 0 and isinstance(y.data, strict.StrictArray)
    backend.use("numpy")
    layer = nn.SpectralDropout(0.5, rng=3)
    x = fn.tensor(np.ones((2, 3, 8, 5), "complex64")).as_spectrum("fourier", (8, 8))
    np.testing.assert_array_equal(first.numpy(), layer(x).numpy())    # same seed, same masks
    np.testing.assert_array_equal(y.numpy(), layer(x).numpy())
