"""Every differentiable op: forward values against plain NumPy, gradients
against central finite differences (freqnet.gradcheck, float64/complex128).

Inputs are kept away from points where an op is not differentiable (0 for
abs/relu, clip bounds, branch cuts of log/sqrt/angle), except for the
deliberate max-ties tests. Shapes are small and odd (7, 9x5) with size-1
axes and broadcasting; reused inputs (x*x, one tensor in two branches) too.
"""
import numpy as np
import pytest

import freqnet as fn
from freqnet.autograd import Function
from freqnet.gradcheck import GradcheckError


def rand(shape, seed, kind="real", low=None, requires_grad=True):
    """A float64 / complex128 leaf; ``low`` shifts the real part to >= low."""
    rng = np.random.default_rng(seed)
    a = np.asarray(rng.standard_normal(shape))        # an array even for shape ()
    if low is not None:
        a = low + np.abs(a)
    if kind == "complex":
        a = a + 1j * rng.standard_normal(shape)
    return fn.tensor(a, requires_grad=requires_grad)


def check(f, *inputs, reference=None, rtol=1e-10):
    """gradcheck ``f``; when ``reference`` (a NumPy function) is given, also
    compare the forward values with it."""
    assert fn.gradcheck(f, inputs)
    if reference is not None:
        out = f(*inputs)
        expected = reference(*(x.numpy() if isinstance(x, fn.Tensor) else x for x in inputs))
        np.testing.assert_allclose(out.numpy(), expected, rtol=rtol, atol=1e-12)


KINDS = ["real", "complex"]


# -- arithmetic ---------------------------------------------------------------

BINARY_SHAPES = [((7,), (7,)), ((9, 5), (9, 5)), ((9, 5), (5,)), ((9, 1), (1, 5)),
                 ((3, 1, 5), (4, 1)), ((1,), (9, 5))]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
@pytest.mark.parametrize("name,ref", [("add", np.add), ("sub", np.subtract), ("mul", np.multiply)])
def test_binary_arith(name, ref, sa, sb, kind):
    a, b = rand(sa, 1, kind), rand(sb, 2, kind)
    op = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}[name]
    check(op, a, b, reference=ref)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sa,sb", BINARY_SHAPES)
def test_div(sa, sb, kind):
    a, b = rand(sa, 1, kind), rand(sb, 2, kind, low=0.5)
    check(lambda x, y: x / y, a, b, reference=np.divide)


@pytest.mark.parametrize("kind", KINDS)
def test_mixed_real_complex_operands(kind):
    # a real tensor times a complex one: the real one gets a real gradient
    a, b = rand((9, 5), 1, "real"), rand((5,), 2, "complex")
    check(lambda x, y: x * y - y / (x * x + 1.0), a, b)
    (a * b).sum().real.backward()
    assert a.grad.dtype == np.float64 and b.grad.dtype == np.complex128


@pytest.mark.parametrize("kind", KINDS)
def test_neg(kind):
    check(lambda x: -x, rand((9, 5), 3, kind), reference=np.negative)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("p", [2, 3, 0.5, -1.5])
def test_power_scalar_exponent(p, kind):
    check(lambda x: x ** p, rand((9, 5), 4, kind, low=0.3), reference=lambda x: x ** p)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sa,sb", [((7,), (7,)), ((9, 5), (5,)), ((9, 1), (1, 5))])
def test_power_tensor_exponent(sa, sb, kind):
    a, b = rand(sa, 5, kind, low=0.3), rand(sb, 6, kind)
    check(lambda x, y: x ** y, a, b, reference=np.power)


@pytest.mark.parametrize("c", [1 + 2j, np.complex128(0.5 - 1.5j)])
def test_python_complex_constants(c):
    # constants that are not arrays still need conj() in the backward rule
    x, z = rand((7,), 45), rand((7,), 46, "complex", low=0.3)
    for t in (x, z):
        check(lambda u: u * c, t, reference=lambda a: a * c)
        check(lambda u: c * u, t, reference=lambda a: c * a)
        check(lambda u: u / c, t, reference=lambda a: a / c)
    check(lambda u: c / u, z, reference=lambda a: c / a)
    check(lambda u: u ** c, z, reference=lambda a: a ** c)
    check(lambda u: c ** u, z, reference=lambda a: c ** a)


def test_power_scalar_base():
    check(lambda x: 2.0 ** x, rand((7,), 7), reference=lambda x: 2.0 ** x)


MATMUL_SHAPES = [((5,), (5,)), ((5,), (5, 3)), ((4, 5), (5,)), ((4, 5), (5, 3)),
                 ((2, 4, 5), (2, 5, 3)), ((2, 1, 4, 5), (3, 5, 3)), ((5,), (2, 5, 3)),
                 ((2, 4, 5), (5,)), ((1, 4, 5), (2, 5, 1))]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("sa,sb", MATMUL_SHAPES)
def test_matmul(sa, sb, kind):
    a, b = rand(sa, 8, kind), rand(sb, 9, kind)
    check(lambda x, y: x @ y, a, b, reference=np.matmul)


def test_matmul_reused_operand():
    a = rand((4, 4), 10, "complex")
    check(lambda x: x @ x, a, reference=lambda x: x @ x)
    check(lambda x: x @ x.T, a, reference=lambda x: x @ x.T)


# -- pointwise ----------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("name,low", [("exp", None), ("log", 0.2), ("sqrt", 0.2)])
def test_holomorphic_pointwise(name, low, kind):
    # complex inputs keep Re > 0: away from the branch cut of log and sqrt
    x = rand((9, 5), 11, kind, low=low)
    check(getattr(fn, name), x, reference=getattr(np, name))


@pytest.mark.parametrize("kind", KINDS)
def test_abs(kind):
    x = rand((9, 5), 12, kind)
    x.data[np.abs(x.data) < 0.1] += 0.5     # away from the kink at 0
    check(fn.abs, x, reference=np.abs)
    check(lambda t: abs(t), x, reference=np.abs)


def test_abs_complex_gradient_at_zero_is_zero():
    z = fn.tensor(np.array([0j, 3 + 4j]), requires_grad=True)
    fn.abs(z).sum().backward()
    np.testing.assert_allclose(z.grad.numpy(), [0, 0.6 + 0.8j])


def test_clip():
    x = fn.tensor(np.array([-2.0, -0.7, 0.1, 0.45, 0.9, 1.6, 3.0]), requires_grad=True)
    check(lambda t: fn.clip(t, -1.0, 1.0), x, reference=lambda a: np.clip(a, -1, 1))
    check(lambda t: t.clip(a_min=0.0), x, reference=lambda a: np.clip(a, 0, None))
    check(lambda t: t.clip(a_max=0.0), x, reference=lambda a: np.clip(a, None, 0))


@pytest.mark.parametrize("kind", KINDS)
def test_where(kind):
    cond = np.random.default_rng(13).random((9, 5)) > 0.4
    a, b = rand((9, 5), 14, kind), rand((5,), 15, kind)
    check(lambda x, y: fn.where(cond, x, y), a, b, reference=lambda x, y: np.where(cond, x, y))
    check(lambda x: fn.where(fn.tensor(cond), x, 0.0), a,
          reference=lambda x: np.where(cond, x, 0.0))


def _erf(x):
    from scipy.special import erf
    return erf(x)


@pytest.mark.parametrize("name,ref", [
    ("relu", lambda x: np.maximum(x, 0)),
    ("sigmoid", lambda x: 1 / (1 + np.exp(-x))),
    ("tanh", np.tanh),
    ("gelu", lambda x: 0.5 * x * (1 + _erf(x / np.sqrt(2)))),
])
def test_activations(name, ref):
    x = rand((9, 5), 16)
    x.data[np.abs(x.data) < 0.05] += 0.2    # relu's kink
    check(getattr(fn, name), x, reference=ref)


# -- complex parts --------------------------------------------------------------

@pytest.mark.parametrize("name", ["real", "imag", "conj"])
def test_complex_parts(name):
    x = rand((9, 5), 17, "complex")
    op = {"real": lambda t: t.real, "imag": lambda t: t.imag, "conj": fn.conj}[name]
    check(op, x, reference={"real": np.real, "imag": np.imag, "conj": np.conj}[name])


def test_real_conj_of_real_tensor():
    x = rand((7,), 18)
    check(lambda t: t.real * 2.0 + fn.conj(t), x, reference=lambda a: 3 * a)


def test_angle():
    z = rand((9, 5), 19, "complex", low=0.2)       # Re > 0: away from the cut at pi
    check(fn.angle, z, reference=np.angle)
    x = rand((7,), 20, low=0.2)                      # real input: angle 0, gradient 0
    check(fn.angle, x, reference=np.angle)


@pytest.mark.parametrize("sa,sb", [((9, 5), (9, 5)), ((9, 1), (5,))])
def test_complex_from_parts(sa, sb):
    re, im = rand(sa, 21), rand(sb, 22)
    check(fn.complex, re, im, reference=lambda a, b: a + 1j * b)


def test_real_input_feeding_complex_op_gets_real_gradient():
    x = rand((7,), 23)
    w = np.random.default_rng(24).standard_normal(7) + 1j
    y = x * fn.tensor(w)                  # complex output from a real input
    loss = (y * y.conj()).real.sum()      # = sum x^2 |w|^2
    loss.backward()
    assert x.grad.dtype == np.float64
    np.testing.assert_allclose(x.grad.numpy(), 2 * x.numpy() * np.abs(w) ** 2, rtol=1e-12)
    check(lambda t: fn.exp(t * fn.tensor(w)), x)


# -- reductions -----------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False),
                                           (-1, True), ((), False)])
@pytest.mark.parametrize("name", ["sum", "mean"])
def test_sum_mean(name, axis, keepdims, kind):
    x = rand((3, 1, 5), 25, kind)
    check(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), x,
          reference=lambda a: getattr(np, name)(a, axis=axis, keepdims=keepdims))


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False)])
def test_max_distinct(axis, keepdims):
    x = rand((3, 4, 5), 26)
    check(lambda t: t.max(axis=axis, keepdims=keepdims), x,
          reference=lambda a: np.max(a, axis=axis, keepdims=keepdims))


def test_max_two_way_ties_gradcheck():
    # For a 2-way tie the central difference of max along any direction is
    # (max(v1,v2) + min(v1,v2))/2 = the mean: equal sharing is what it sees.
    x = fn.tensor(np.array([[1.0, 3.0, 3.0, -1.0], [2.0, 0.5, 2.0, 1.0]]), requires_grad=True)
    check(lambda t: t.max(axis=1), x, reference=lambda a: a.max(axis=1))


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_max_ties_share_gradient_equally(axis):
    a = np.array([[4.0, 1.0, 4.0], [4.0, 2.0, 0.0], [-1.0, 2.0, 4.0]])
    x = fn.tensor(a, requires_grad=True)
    g = np.arange(1.0, 1.0 + np.max(a, axis=axis).size).reshape(np.max(a, axis=axis).shape)
    x.max(axis=axis).backward(grad=g)
    # independent reference: each tied maximum gets g / (number of ties)
    m = np.max(a, axis=axis, keepdims=True)
    ties = (a == m)
    expected = ties * np.expand_dims(g, axis if axis is not None else (0, 1)) / ties.sum(
        axis=axis, keepdims=True)
    np.testing.assert_allclose(x.grad.numpy(), expected)
    assert np.isclose(x.grad.numpy().sum(), g.sum())


def test_max_float32_gradient_stays_float32():
    x = fn.tensor(np.float32([1, 3, 3]), requires_grad=True)
    x.max().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0.5, 0.5])


# -- shape ops --------------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_reshape_transpose_swapaxes(kind):
    x = rand((3, 1, 5), 27, kind)
    check(lambda t: t.reshape(5, 3), x, reference=lambda a: a.reshape(5, 3))
    check(lambda t: t.reshape((-1,)), x, reference=lambda a: a.reshape(-1))
    check(lambda t: t.flatten(), x, reference=lambda a: a.reshape(-1))
    check(lambda t: t.transpose(), x, reference=lambda a: a.transpose())
    check(lambda t: t.transpose(2, 0, 1), x, reference=lambda a: a.transpose(2, 0, 1))
    check(lambda t: t.transpose((-1, 0, 1)), x, reference=lambda a: a.transpose(2, 0, 1))
    check(lambda t: t.T, x, reference=lambda a: a.T)
    check(lambda t: t.swapaxes(0, -1), x, reference=lambda a: a.swapaxes(0, -1))


GETITEM_INDICES = [
    (slice(1, 4),),
    (slice(None, None, -2), 3),
    (Ellipsis, None, slice(1, None)),
    (np.array([0, 2, 2, 2, 6]),),                              # repeats accumulate
    (np.array([[0, 0], [8, 8]]), np.array([1, 1])),             # repeated pairs
    (slice(None), np.array([4, 0, 4])),
    (np.array([True, False, True, True, False, False, True, False, True]),),
    (np.int64(3), -1),
    (-1,),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("index", GETITEM_INDICES, ids=range(len(GETITEM_INDICES)))
def test_getitem(index, kind):
    x = rand((9, 5), 28, kind)
    idx = index if len(index) > 1 else index[0]
    check(lambda t: t[idx], x, reference=lambda a: a[idx])


def test_getitem_repeated_indices_accumulate_exactly():
    x = fn.tensor(np.zeros(5), requires_grad=True)
    x[np.array([1, 1, 1, 3])].sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [0, 3, 0, 1, 0])
    x.grad = None
    x[fn.tensor(np.array([4, 4]))].sum().backward()          # a Tensor as the index
    np.testing.assert_array_equal(x.grad.numpy(), [0, 0, 0, 0, 2])


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate(axis, kind):
    a, b, c = rand((3, 4), 29, kind), rand((3, 4), 30, kind), rand((3, 4), 31, kind)
    if axis == 0:
        c = rand((1, 4), 31, kind)
    check(lambda x, y, z: fn.concatenate([x, y, x, z], axis=axis), a, b, c,
          reference=lambda x, y, z: np.concatenate([x, y, x, z], axis=axis))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("axis", [0, 1, 2, -1])
def test_stack(axis, kind):
    a, b = rand((3, 5), 32, kind), rand((3, 5), 33, kind)
    check(lambda x, y: fn.stack([x, y, x], axis=axis), a, b,
          reference=lambda x, y: np.stack([x, y, x], axis=axis))


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("width", [1, ((0, 0), (2, 3)), ((1, 2), (0, 1)), ((4, 7), (6, 11))])
@pytest.mark.parametrize("mode", ["constant", "wrap"])
def test_pad(mode, width, kind):
    # the last width wraps more than once around a 3x5 map (repeated sources)
    x = rand((3, 5), 34, kind)
    check(lambda t: fn.pad(t, width, mode=mode), x,
          reference=lambda a: np.pad(a, width, mode=mode))


def test_pad_constant_value():
    x = rand((7,), 35)
    check(lambda t: fn.pad(t, (2, 1), constant_values=1.5), x,
          reference=lambda a: np.pad(a, (2, 1), constant_values=1.5))


def test_pad_wrap_adjoint_matches_explicit_matrix():
    # independent reference: the 0/1 matrix of np.pad(..., "wrap") and its transpose
    n, width = 4, (5, 6)
    P = np.stack([np.pad(e, width, mode="wrap") for e in np.eye(n)], axis=1)
    g = np.random.default_rng(36).standard_normal(P.shape[0])
    x = fn.tensor(np.zeros(n), requires_grad=True)
    fn.pad(x, width, mode="wrap").backward(grad=g)
    np.testing.assert_allclose(x.grad.numpy(), P.T @ g, rtol=1e-12)


@pytest.mark.parametrize("src,dst", [("float64", "complex128"), ("complex128", "complex128"),
                                     ("float64", "float64")])
def test_astype(src, dst):
    x = rand((9, 5), 37, "complex" if src.startswith("complex") else "real")
    check(lambda t: t.astype(dst) * (1 + 2j), x, reference=lambda a: a.astype(dst) * (1 + 2j))


def test_astype_complex_to_real_keeps_real_part_gradient():
    z = rand((7,), 38, "complex")
    check(lambda t: fn.real(t).astype("float64") ** 2, z)
    z.grad = None
    y = z.real.astype("float32")
    assert y.dtype == np.float32
    (y * 3.0).sum().backward()
    assert z.grad.dtype == np.complex128
    np.testing.assert_allclose(z.grad.numpy(), np.full(7, 3.0 + 0j))


def test_astype_complex_to_real_casts_the_real_part_without_warning():
    # pytest.ini turns freqnet RuntimeWarnings (NumPy's ComplexWarning is one) into errors
    z = rand((7,), 47, "complex")
    check(lambda t: t.astype("float64"), z, reference=np.real)


def test_astype_float32_roundtrip_gradient_dtype():
    x = fn.tensor(np.ones(3, np.float32), requires_grad=True)
    (x.astype("float64") * 2.0).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_array_equal(x.grad.numpy(), [2, 2, 2])


# -- reused inputs and composite graphs ----------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_reused_inputs(kind):
    x, w = rand((9, 5), 39, kind), rand((5,), 40, kind)
    check(lambda t: t * t, x, reference=lambda a: a * a)
    check(lambda t, u: fn.exp(t * u) + (t - u) * t.sum(axis=0), x, w)    # x in two branches
    check(lambda t: (t * 2.0 + 1.0) * (t * t - 3.0), x)                    # diamond


def test_size_one_axes_and_broadcast_chain():
    a, b = rand((1, 5, 1), 41, "complex"), rand((3, 1, 1), 42)
    check(lambda x, y: ((x * y) @ fn.tensor(np.ones((1, 2)))).sum(axis=(0, 1)), a, b)


# -- the checker itself can fail ---------------------------------------------------

class _SquareMissingFactor2(Function):
    def forward(self, x):
        self.save(x)
        return x * x

    def backward(self, g):
        return g * self.saved[0]          # wrong: should be 2 x g


class _ComplexSquareNoConj(Function):
    def forward(self, z):
        self.save(z)
        return z * z

    def backward(self, g):
        return 2 * g * self.saved[0]      # wrong: the convention needs conj(2 z)


def test_gradcheck_detects_wrong_real_backward():
    x = rand((5,), 43)
    with pytest.raises(GradcheckError, match="analytic"):
        fn.gradcheck(lambda t: _SquareMissingFactor2()(t), x)


def test_gradcheck_detects_missing_conjugate():
    z = rand((5,), 44, "complex")
    with pytest.raises(GradcheckError):
        fn.gradcheck(lambda t: _ComplexSquareNoConj()(t), z)
    with pytest.raises(GradcheckError, match="random direction"):
        fn.gradcheck(lambda t: _ComplexSquareNoConj()(t), z, elementwise=False)


def test_gradcheck_rejects_single_precision_and_no_grad_inputs():
    with pytest.raises(ValueError, match="float64 or complex128"):
        fn.gradcheck(lambda t: t * t, fn.tensor(np.ones(3, np.float32), requires_grad=True))
    with pytest.raises(ValueError, match="requires_grad"):
        fn.gradcheck(lambda t: t * t, fn.tensor(np.ones(3)))


# -- broadcasting, property-based ----------------------------------------------------

from hypothesis import given, settings, strategies as st           # noqa: E402
from hypothesis.extra.numpy import mutually_broadcastable_shapes   # noqa: E402


@settings(max_examples=30, deadline=None, derandomize=True)
@given(shapes=mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
       op=st.sampled_from(["add", "sub", "mul", "div", "where"]))
def test_broadcasting_gradients_any_shapes(shapes, op):
    sa, sb = shapes.input_shapes
    a, b = rand(sa, 48, "complex"), rand(sb, 49, "complex", low=0.5)
    cond = np.random.default_rng(50).random(shapes.result_shape) > 0.5
    f = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
         "div": lambda x, y: x / y, "where": lambda x, y: fn.where(cond, x, y)}[op]
    ref = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide,
           "where": lambda x, y: np.where(cond, x, y)}[op]
    check(f, a, b, reference=ref)


def test_sigmoid_keeps_relative_accuracy_in_both_tails():
    import numpy as np
    import freqnet as fn
    x = np.array([-745.0, -60.0, -30.0, -1.0, 0.0, 2.0, 40.0, 800.0])
    got = fn.sigmoid(fn.tensor(x)).numpy()
    with np.errstate(over="ignore", invalid="ignore"):
        want = np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))
    np.testing.assert_allclose(got, want, rtol=1e-14, atol=0)
