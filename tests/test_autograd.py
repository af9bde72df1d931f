"""The tape (DESIGN.md §3): walk order, accumulation, graph freeing,
no_grad/detach, deep chains, and memory over many training steps."""
import gc
import sys
import tracemalloc
import weakref

import numpy as np
import pytest

import freqnet as fn
from freqnet import backend
from freqnet.autograd import Function
from freqnet.tensor import Tensor


def leaf(a):
    return fn.tensor(np.asarray(a, dtype=float), requires_grad=True)


# -- order and accumulation -------------------------------------------------------

def test_reused_tensor_x_times_x():
    x = leaf([1.0, -2.0, 3.0])
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, -4.0, 6.0])


def test_tensor_used_in_two_branches():
    x = leaf([0.5, 2.0])
    a = x * 3.0
    b = fn.exp(x)
    (a + b).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 3.0 + np.exp([0.5, 2.0]), rtol=1e-15)


def test_diamond_with_branches_of_different_depth():
    # y feeds a 1-op branch and a 30-op branch: y's backward must run only
    # after both contributions arrived (reverse topological order)
    x = leaf([0.7, -1.1])
    y = x * x
    long = y
    for _ in range(30):
        long = long * 1.01
    z = (y * 2.0 + long).sum()
    z.backward()
    xv = np.array([0.7, -1.1])
    np.testing.assert_allclose(x.grad.numpy(), (2.0 + 1.01 ** 30) * 2 * xv, rtol=1e-13)


class _Recorder(Function):
    """Identity that logs when its backward runs."""

    log = []

    def __init__(self, name):
        self.name = name

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        self.log.append((self.name, g.copy()))
        return g


def test_each_backward_runs_once_after_all_its_consumers():
    _Recorder.log = []
    x = leaf([1.0, 2.0])
    a = _Recorder("a")(x)
    b = _Recorder("b")(a * 2.0)          # a -> b -> d
    c = _Recorder("c")(a * 3.0)          # a -> c -> d
    d = _Recorder("d")(b + c + a)        # and a -> d directly
    d.sum().backward()
    names = [n for n, _ in _Recorder.log]
    assert sorted(names) == ["a", "b", "c", "d"] and names[0] == "d" and names[-1] == "a"
    np.testing.assert_array_equal(backend.to_numpy(dict(_Recorder.log)["a"]), [6.0, 6.0])  # 2 + 3 + 1
    np.testing.assert_array_equal(x.grad.numpy(), [6.0, 6.0])


def test_multi_output_function_with_one_output_unused():
    class Split(Function):
        def forward(self, x):
            return x[:2].copy(), x[2:].copy()

        def backward(self, g0, g1):
            return np.concatenate([g0, g1])

    x = leaf([1.0, 2.0, 3.0])
    first, _ = Split()(x)
    (first * 5.0).sum().backward()           # the unused output's gradient is zero
    np.testing.assert_array_equal(x.grad.numpy(), [5.0, 5.0, 0.0])


def test_leaf_grads_accumulate_until_cleared():
    x = leaf([1.0, 2.0])
    (x * 3.0).sum().backward()
    (x * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0 + 2.0, 3.0 + 4.0])
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_leaf_grads_do_not_alias_each_other_or_the_callers_grad():
    x, y = leaf([1.0, 2.0]), leaf([3.0, 4.0])
    g = np.array([1.0, 1.0])
    (x + y).backward(grad=g)
    x.grad.data *= 10.0                      # an optimizer may scale grads in place
    np.testing.assert_array_equal(y.grad.numpy(), [1.0, 1.0])
    np.testing.assert_array_equal(g, [1.0, 1.0])
    w = leaf([2.0])
    w.backward(grad=g[:1])
    w.grad.data += 1.0
    np.testing.assert_array_equal(g, [1.0, 1.0])


def test_backward_on_a_leaf():
    x = leaf([[1.0, 2.0]])
    x.backward(grad=np.array([[3.0, 4.0]]))
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 4.0]])
    s = leaf(2.0)
    s.backward()
    assert s.grad.item() == 1.0


# -- freeing the graph ------------------------------------------------------------

def test_second_backward_raises_a_clear_error():
    x = leaf([1.0, 2.0])
    y = (fn.exp(x) * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_backward_into_an_already_freed_part_raises():
    x = leaf([1.0, 2.0])
    h = fn.exp(x)
    h.sum().backward()                       # frees exp's buffers
    with pytest.raises(RuntimeError, match="already freed.*retain_graph=True"):
        (h * 2.0).sum().backward()


def test_retain_graph_keeps_it():
    x = leaf([1.0, 2.0])
    y = (fn.exp(x) * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    xv = np.array([1.0, 2.0])
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(xv) * (1 + xv), rtol=1e-14)


def test_backward_releases_saved_arrays():
    x = leaf(np.ones(4))
    y = fn.exp(x)
    fn_exp = y.creator
    assert fn_exp.saved
    y.sum().backward()
    assert fn_exp.saved is None and fn_exp.inputs is None


# -- no_grad and detach ----------------------------------------------------------------

def test_no_grad_records_nothing_and_restores():
    x = leaf([1.0])
    assert fn.is_grad_enabled()
    with fn.no_grad():
        assert not fn.is_grad_enabled()
        y = x * 2.0
        with fn.set_grad_enabled(True):
            z = x * 2.0
        assert not fn.is_grad_enabled()
    assert fn.is_grad_enabled()
    assert not y.requires_grad and y.creator is None
    assert z.requires_grad and z.creator is not None


def test_no_grad_restores_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with fn.no_grad():
            1 / 0
    assert fn.is_grad_enabled()


def test_detach_stops_the_gradient():
    x = leaf([2.0, 3.0])
    y = x * x
    (y.detach() * x).sum().backward()       # d/dx of (const * x) = const
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 9.0])


def test_no_grad_ops_keep_nothing():
    x = leaf(np.ones(3))
    with fn.no_grad():
        y = fn.exp(x)
    assert y.creator is None


# -- deep graphs --------------------------------------------------------------------------

def test_chain_of_100000_ops_backpropagates_without_recursion():
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)              # the walk must not recurse
    try:
        x = leaf([1.0])
        y = x
        for i in range(50_000):
            y = y * 1.0 if i % 2 else y + 1.0
            y = y - 0.5
        y.sum().backward()
    finally:
        sys.setrecursionlimit(limit)
    assert x.grad.item() == 1.0
    assert y.item() == 1.0 + 25_000 * 1.0 - 50_000 * 0.5


def test_dropping_a_deep_graph_without_backward_is_fine():
    x = leaf([1.0])
    y = x
    for _ in range(100_000):
        y = y + 1.0
    ref = weakref.ref(y.creator)
    del y
    gc.collect()
    assert ref() is None


# -- memory -----------------------------------------------------------------------------------

def test_dropping_the_output_releases_the_graph():
    x = leaf(np.ones(5))
    h = fn.exp(x * 2.0)
    y = (h * h).sum()
    refs = [weakref.ref(h), weakref.ref(h.creator), weakref.ref(y.creator)]
    del h, y
    assert all(r() is None for r in refs)     # freed by refcounting, no gc needed
    assert x.grad is None


def test_an_op_keeps_only_what_its_backward_needs():
    # add needs nothing, exp needs its output: intermediates they do not need
    # must not be kept alive by the graph while the output lives
    x = leaf(np.ones(5))
    h = x * 2.0
    y = h + 1.0
    ref = weakref.ref(h)
    del h
    assert ref() is None
    e = fn.exp(y)
    ref = weakref.ref(y)
    del y
    assert ref() is None
    e.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * np.exp(3.0) * np.ones(5), rtol=1e-14)


def test_graph_keeps_a_constant_input_only_if_backward_needs_it():
    w = leaf(np.ones(1000))
    kept, dropped = fn.tensor(np.ones(1000)), fn.tensor(np.ones(1000))   # data, not parameters
    kept_data, dropped_data = weakref.ref(kept.data), weakref.ref(dropped.data)
    y = (w * kept).sum()                     # mul needs it for w's gradient
    z = (w + dropped).sum()                  # add needs nothing
    del kept, dropped
    assert kept_data() is not None
    assert dropped_data() is None
    y.backward()
    assert kept_data() is None               # released with the graph
    z.backward()
    np.testing.assert_array_equal(w.grad.numpy(), 2 * np.ones(1000))


@pytest.mark.parametrize("op,needed", [
    (lambda c, w: c / w, False),            # div's backward needs w and the output only
    (lambda c, w: w / c, True),
    (lambda c, w: c * w, True),
    (lambda c, w: c - w, False),
    (lambda c, w: fn.exp(c + w), False),
    (lambda c, w: fn.fft.irfft(fn.fft.rfft(c + w) * 2.0), False),
], ids=["c/w", "w/c", "c*w", "c-w", "exp", "rfft-irfft"])
def test_saved_arrays_are_the_ones_backward_uses(op, needed):
    w = leaf(np.full(8, 2.0))
    c = fn.tensor(np.full(8, 3.0))          # a constant input
    ref = weakref.ref(c.data)
    y = op(c, w).sum()
    del c
    assert (ref() is not None) == needed
    y.backward()
    assert w.grad is not None and ref() is None


@pytest.mark.parametrize("tensor_exponent", [False, True])
def test_power_keeps_its_output_only_for_a_tensor_exponent(tensor_exponent):
    w = leaf(np.full(8, 2.0))
    e = leaf(np.full(8, 3.0)) if tensor_exponent else 3
    h = w ** e
    ref = weakref.ref(h.data)
    y = h.sum()
    del h
    assert (ref() is not None) == tensor_exponent
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), np.full(8, 12.0))


def _live_tensors():
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, Tensor))


def test_training_steps_do_not_grow_memory():
    rng = np.random.default_rng(0)
    X = fn.tensor(rng.standard_normal((16, 8)))
    T = fn.tensor(rng.standard_normal((16, 3)))
    W = leaf(rng.standard_normal((8, 3)) * 0.1)
    b = leaf(np.zeros(3))

    def step():
        loss = ((fn.tanh(X @ W + b) - T) ** 2).mean()
        loss.backward()
        for p in (W, b):
            p.data -= 0.05 * p.grad.data
            p.grad = None
        return loss.item()

    first = [step() for _ in range(50)]      # warm-up
    tensors_before = _live_tensors()
    tracemalloc.start()
    try:
        for _ in range(50):
            step()
        gc.collect()                         # also empties CPython's free lists
        base, _ = tracemalloc.get_traced_memory()
        for _ in range(1000):
            last = step()
        gc.collect()
        grown = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
    assert _live_tensors() == tensors_before
    assert grown < 64 * 1024, f"memory grew by {grown} bytes over 1000 steps"
    assert last < first[0]                   # and it did train
