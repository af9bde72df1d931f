"""Tensor: construction and dtype rules, attributes, conversions, operators
(with NumPy arrays and Python scalars on either side), indexing, devices,
and the clear errors the engine promises (issue 2)."""
import numpy as np
import pytest

import freqnet as fn
from freqnet import backend
from freqnet.tensor import Tensor


# -- construction and dtypes --------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "complex64", "complex128"])
def test_numpy_arrays_keep_their_dtype(dtype):
    a = np.arange(6).reshape(2, 3).astype(dtype)
    t = fn.tensor(a, requires_grad=True)
    assert t.dtype == np.dtype(dtype) and t.shape == (2, 3) and t.requires_grad
    np.testing.assert_array_equal(t.numpy(), a)


def test_python_data_defaults_to_single_precision():
    assert fn.tensor([1.0, 2.0]).dtype == np.float32
    assert fn.tensor(3.5).dtype == np.float32
    assert fn.tensor([1 + 2j]).dtype == np.complex64
    assert fn.tensor([1.0, 2.0], dtype="float64").dtype == np.float64
    assert fn.tensor([1, 2]).dtype.kind == "i"
    assert fn.tensor([True, False]).dtype == np.bool_


@pytest.mark.parametrize("scalar", [np.float64(1.5), np.complex128(1 + 2j), np.float32(2.0)])
def test_numpy_scalars_keep_their_dtype(scalar):
    t = fn.tensor(scalar)
    assert t.dtype == scalar.dtype and t.shape == () and t.item() == scalar


@pytest.mark.parametrize("dtype", ["float16", np.float16])
def test_float16_is_rejected_with_a_clear_message(dtype):
    with pytest.raises(TypeError, match=r"float32, float64, complex64, complex128.*float16"):
        fn.tensor([1.0, 2.0], dtype=dtype)
    with pytest.raises(TypeError, match="float16"):
        fn.tensor(np.ones(3, np.float16))


@pytest.mark.parametrize("data", [np.array([1, 2, 3]), np.array([True, False]), [1, 2]])
def test_integer_and_bool_tensors_never_require_grad(data):
    t = fn.tensor(data)
    assert not t.requires_grad
    with pytest.raises(TypeError, match="only float and complex tensors can require grad"):
        fn.tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="only float and complex"):
        t.requires_grad_()
    w = fn.tensor(np.ones(len(t)), requires_grad=True)
    y = w * t                               # int tensor in a graph: no grad for it
    assert y.requires_grad and y.dtype == np.float64
    y.sum().backward()
    assert t.grad is None
    np.testing.assert_array_equal(w.grad.numpy(), np.asarray(data, dtype=float))


def test_tensor_copies_its_data():
    a = np.ones(3)
    t = fn.tensor(a)
    a[0] = 5.0
    assert t.numpy()[0] == 1.0
    t2 = fn.tensor(t)
    t.data[1] = 7.0
    assert t2.numpy()[1] == 1.0


def test_tensor_of_a_float64_scalar_result_stays_float64():
    x = fn.tensor(np.arange(3.0), requires_grad=True)
    s = x.sum()                              # NumPy would return a scalar here
    assert s.shape == () and s.dtype == np.float64
    assert fn.tensor(s).dtype == np.float64
    assert Tensor(s).dtype == np.float64
    m = fn.tensor(np.arange(3.0)) @ fn.tensor(np.arange(3.0))
    assert m.dtype == np.float64 and m.item() == 5.0


# -- attributes and conversions -------------------------------------------------

def test_attributes():
    a = np.arange(12.0).reshape(3, 4)
    t = fn.tensor(a, requires_grad=True)
    assert (t.shape, t.ndim, t.size, len(t)) == ((3, 4), 2, 12, 3)
    assert t.device == backend.default_device() and t.grad is None and t.is_leaf and not t.is_complex
    assert t.domain is None and t.spatial_shape is None
    z = fn.tensor(a + 1j * a)
    assert z.is_complex
    np.testing.assert_array_equal(z.real.numpy(), a)
    np.testing.assert_array_equal(z.imag.numpy(), a)
    np.testing.assert_array_equal(t.T.numpy(), a.T)


def test_numpy_is_a_host_copy():
    t = fn.tensor(np.arange(3.0))
    n = t.numpy()
    assert isinstance(n, np.ndarray)
    n[0] = 9.0
    assert t.numpy()[0] == 0.0


def test_item():
    assert fn.tensor([2.5]).item() == 2.5
    assert fn.tensor(np.float64(1.25)).item() == 1.25
    with pytest.raises(ValueError):
        fn.tensor([1.0, 2.0]).item()


def test_detach_shares_data_and_cuts_the_graph():
    x = fn.tensor(np.arange(3.0), requires_grad=True)
    y = (x * 2.0).as_spectrum("fourier", (4,))
    d = y.detach()
    assert not d.requires_grad and d.is_leaf
    assert d.data is y.data
    assert (d.domain, d.spatial_shape) == ("fourier", (4,))
    (d * x).sum().backward()                       # no gradient flows through d
    np.testing.assert_array_equal(x.grad.numpy(), 2 * np.arange(3.0))


def test_to_cpu_and_bad_device():
    x = fn.tensor(np.arange(3.0), requires_grad=True)
    y = x.to("cpu")
    assert y.device == "cpu"
    np.testing.assert_array_equal(y.numpy(), x.numpy())
    (y * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0, 3.0])
    with pytest.raises(ValueError, match="'cpu' or 'gpu'"):
        x.to("tpu")


def test_repr_mentions_grad_state():
    x = fn.tensor(np.arange(2.0), requires_grad=True)
    assert "requires_grad=True" in repr(x)
    assert "grad_fn=Mul" in repr(x * 2.0)


# -- operators --------------------------------------------------------------------

BINOPS = {
    "+": (lambda a, b: a + b), "-": (lambda a, b: a - b), "*": (lambda a, b: a * b),
    "/": (lambda a, b: a / b), "**": (lambda a, b: a ** b), "@": (lambda a, b: a @ b),
}


@pytest.mark.parametrize("op", sorted(BINOPS))
def test_operators_with_arrays_and_scalars_on_either_side(op):
    f = BINOPS[op]
    rng = np.random.default_rng(0)
    a = 0.5 + rng.random((3, 3))
    b = 0.5 + rng.random((3, 3))
    ta = fn.tensor(a)
    for left, right, want in [(ta, fn.tensor(b), f(a, b)), (ta, b, f(a, b)), (a, fn.tensor(b), f(a, b))]:
        got = f(left, right)
        assert isinstance(got, Tensor), (op, type(left), type(right))
        np.testing.assert_allclose(got.numpy(), want, rtol=1e-12)
    if op != "@":
        np.testing.assert_allclose(f(ta, 2.0).numpy(), f(a, 2.0), rtol=1e-12)
        np.testing.assert_allclose(f(2.0, ta).numpy(), f(2.0, a), rtol=1e-12)


@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_python_scalars_keep_single_precision(op):
    t = fn.tensor(np.array([1.0, 2.0], np.float32), requires_grad=True)
    for y in (BINOPS[op](t, 2.0), BINOPS[op](2.0, t), BINOPS[op](t, 3)):
        assert y.dtype == np.float32, op
    z = fn.tensor(np.array([1 + 1j], np.complex64))
    assert (z * 2.0).dtype == np.complex64 and (z * 1j).dtype == np.complex64


def test_unary_operators():
    a = np.array([-1.5, 2.0])
    t = fn.tensor(a)
    np.testing.assert_array_equal((-t).numpy(), -a)
    np.testing.assert_array_equal((+t).numpy(), a)
    np.testing.assert_array_equal(abs(t).numpy(), np.abs(a))


def test_comparisons_give_bool_tensors_without_grad():
    a = np.array([1.0, 2.0, 3.0])
    t = fn.tensor(a, requires_grad=True)
    b = np.array([3.0, 2.0, 1.0])
    cases = [(t < 2.0, a < 2.0), (t <= b, a <= b), (t > fn.tensor(b), a > b), (t >= 2, a >= 2),
             (t == b, a == b), (t != b, a != b), (b < t, b < a), (2.0 == t, a == 2.0)]
    for got, want in cases:
        assert isinstance(got, Tensor) and got.dtype == np.bool_ and not got.requires_grad
        np.testing.assert_array_equal(got.numpy(), want)
    with pytest.raises(ValueError, match="ambiguous"):
        bool(t > 0)
    assert bool(fn.tensor([1.0]) > 0)


def test_hashable_and_usable_as_dict_key():
    t = fn.tensor([1.0])
    assert {t: 1}[t] == 1


# -- indexing -----------------------------------------------------------------------

@pytest.mark.parametrize("index", [
    1, -1, slice(1, 3), (slice(None), 2), (Ellipsis, 0), (None, 1), (slice(None, None, -1),),
    np.array([0, 2, 2]), (np.array([0, 1]), np.array([3, 3])), np.array([True, False, True]),
])
def test_indexing_matches_numpy(index):
    a = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(fn.tensor(a)[index].numpy(), a[index])


def test_integer_array_index_repeats_accumulate():
    x = fn.tensor(np.zeros((3, 2)), requires_grad=True)
    rows = np.array([2, 0, 2, 2])
    (x[rows] * fn.tensor(np.array([[1.0], [2.0], [3.0], [4.0]]))).sum().backward()
    expected = np.zeros((3, 2))
    np.add.at(expected, rows, np.array([[1.0], [2.0], [3.0], [4.0]]) * np.ones((4, 2)))
    np.testing.assert_array_equal(x.grad.numpy(), expected)


def test_index_out_of_range_names_the_shape():
    with pytest.raises(IndexError, match=r"shape \(3, 4\)"):
        fn.tensor(np.zeros((3, 4)))[5]


# -- clear errors ----------------------------------------------------------------------

@pytest.mark.parametrize("op", ["+", "-", "*", "/", "**"])
def test_shape_mismatch_names_both_shapes(op):
    a, b = fn.tensor(np.ones((2, 3))), fn.tensor(np.ones((4,)))
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        BINOPS[op](a, b)


def test_shape_mismatch_in_other_ops():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        fn.where(np.ones((2, 3), bool), fn.tensor(np.ones((2, 3))), fn.tensor(np.ones(4)))
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(2, 4\)"):
        fn.stack([fn.tensor(np.ones((2, 3))), fn.tensor(np.ones((2, 4)))])
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(3, 4\)"):
        fn.concatenate([fn.tensor(np.ones((2, 3))), fn.tensor(np.ones((3, 4)))], axis=1)
    with pytest.raises(ValueError, match=r"\(2, 3\).*7"):
        fn.tensor(np.ones((2, 3))).reshape(7)


@pytest.mark.parametrize("sa,sb", [((2, 3), (4, 5)), ((3,), (4,)), ((2, 2, 3), (2, 4, 2))])
def test_matmul_mismatch_names_both_shapes(sa, sb):
    with pytest.raises(ValueError, match=rf"{sa[-1]} \(last axis of the first\) != {sb[-2] if len(sb) > 1 else sb[0]}"):
        fn.tensor(np.ones(sa)) @ fn.tensor(np.ones(sb))
    with pytest.raises(ValueError, match="matmul"):
        fn.tensor(np.ones(sa)) @ fn.tensor(np.ones(sb))


def test_matmul_batch_mismatch():
    with pytest.raises(ValueError, match=r"batch shapes of \(2, 3, 4\) and \(5, 4, 2\)"):
        fn.tensor(np.ones((2, 3, 4))) @ fn.tensor(np.ones((5, 4, 2)))


def test_backward_on_non_scalar_needs_grad():
    x = fn.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"real scalar.*shape \(3,\).*grad="):
        (x * 2.0).backward()
    z = fn.tensor(np.ones(1, complex), requires_grad=True)
    with pytest.raises(RuntimeError, match="real scalar"):
        (z * 2.0).sum().backward()               # complex scalar: no implicit grad
    (x * 2.0).backward(grad=np.ones(3))          # with grad it works
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 2.0, 2.0])
    with pytest.raises(ValueError, match=r"shape \(2,\), expected \(3,\)"):
        (x * 2.0).backward(grad=np.ones(2))


def test_backward_through_tensor_not_requiring_grad():
    x = fn.tensor(np.ones(3))
    with pytest.raises(RuntimeError, match="does not require grad"):
        (x * 2.0).sum().backward()
    w = fn.tensor(np.ones(3), requires_grad=True)
    with fn.no_grad():
        y = (w * 2.0).sum()
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_mixing_devices_is_a_clear_error():
    # a host tensor and one on the strict backend's emulated device: the
    # engine's device check (Function.__call__) on real arrays of two modules
    # (tests/test_cupy.py does the same with cupy arrays)
    cpu = fn.tensor(np.ones(3), requires_grad=True).to("cpu").detach().requires_grad_()
    gpu = Tensor(backend.strict.asarray(np.ones(3)))
    assert cpu.device == "cpu" and gpu.device == "gpu"
    for f in (lambda a, b: a + b, lambda a, b: a * b, lambda a, b: a @ b,
              lambda a, b: fn.concatenate([a, b])):
        with pytest.raises(RuntimeError, match=r"different devices \(cpu and gpu\).*\.to\("):
            f(cpu, gpu)
        with pytest.raises(RuntimeError, match=r"different devices \(gpu and cpu\)"):
            f(gpu, cpu)


def test_data_of_another_device_is_refused_where_it_is_assigned():
    t = fn.tensor(np.ones(3))
    other = backend.strict.asarray(np.zeros(3)) if t.device == "cpu" else np.zeros(3)
    with pytest.raises(TypeError, match=r"Tensor.data: cannot assign a (cpu|gpu) array"):
        t.data = other
    t.data = fn.tensor(np.zeros(3)).data             # same device: fine
    np.testing.assert_array_equal(t.numpy(), np.zeros(3))


def test_moving_to_gpu_without_cupy_gives_the_reason(monkeypatch):
    import sys
    backend.use("numpy")                                 # on numpy, "gpu" means cupy
    monkeypatch.setitem(sys.modules, "cupy", None)       # makes `import cupy` fail
    with pytest.raises(backend.BackendError, match="cupy cannot be imported: ModuleNotFoundError"):
        fn.tensor(np.ones(2)).to("gpu")


def test_scalar_conversions_and_numpy_protocol():
    import numpy as np
    import pytest
    import freqnet as fn
    t = fn.tensor(np.array([2.5]))
    assert float(t) == 2.5 and int(fn.tensor(np.array(7))) == 7
    m = np.arange(6.0).reshape(2, 3)
    if backend.default_device() == "cpu":
        np.testing.assert_array_equal(np.asarray(fn.tensor(m)), m)
    else:                                                # no implicit device-to-host copy
        with pytest.raises(TypeError, match="GPU tensor: call .numpy()"):
            np.asarray(fn.tensor(m))
    with pytest.raises(ValueError, match=r"one element.*\(2, 3\)"):
        float(fn.tensor(m))
