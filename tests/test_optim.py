"""Optimizers, schedules and clipping against hand-written NumPy update rules."""
import math

import numpy as np
import pytest

import freqnet
from freqnet import backend, optim
from freqnet.nn import Parameter


def _grads(shape, steps, dtype, seed):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(steps):
        g = rng.standard_normal(shape)
        if np.dtype(dtype).kind == "c":
            g = g + 1j * rng.standard_normal(shape)
        out.append(g.astype(dtype))
    return out


def _run(opt_cls, w0, grads, **kw):
    p = Parameter(w0.copy())
    opt = opt_cls([p], **kw)
    for g in grads:
        p.grad = freqnet.tensor(g)
        opt.step()
    return p.numpy()


def sgd_reference(w, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    buf = None
    for g in grads:
        g = g + weight_decay * w
        if momentum:
            buf = g.copy() if buf is None else momentum * buf + (1 - dampening) * g
            g = g + momentum * buf if nesterov else buf
        w = w - lr * g
    return w


def adam_reference_real(w, grads, lr, b1, b2, eps, wd=0.0, decoupled=False):
    """Textbook Adam on a REAL array (Kingma & Ba, Algorithm 1)."""
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    for t, g in enumerate(grads, 1):
        if decoupled:
            w = w * (1 - lr * wd)
        else:
            g = g + wd * w
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        w = w - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
    return w


def adam_reference_stacked(w, grads, lr, b1, b2, eps):
    """Adam on the stacked (real, imag) pairs of a complex array, the pair sharing
    one second moment v = E[re^2 + im^2] (the |g|^2 rule)."""
    ws = np.stack([w.real, w.imag], -1)
    m = np.zeros_like(ws)
    v = np.zeros(w.shape)
    for t, g in enumerate(grads, 1):
        gs = np.stack([g.real, g.imag], -1)
        m = b1 * m + (1 - b1) * gs
        v = b2 * v + (1 - b2) * (gs ** 2).sum(-1)
        ws = ws - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t))[..., None] + eps)
    return ws[..., 0] + 1j * ws[..., 1]


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("kw", [dict(), dict(momentum=0.9), dict(momentum=0.9, nesterov=True),
                                dict(momentum=0.5, dampening=0.3, weight_decay=0.1),
                                dict(momentum=0.9, nesterov=True, weight_decay=0.01)])
def test_sgd_matches_reference(dtype, kw):
    w0 = _grads((3, 4), 1, dtype, 1)[0]
    grads = _grads((3, 4), 5, dtype, 2)
    got = _run(optim.SGD, w0, grads, lr=0.05, **kw)
    np.testing.assert_allclose(got, sgd_reference(w0, grads, 0.05, **kw), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("cls,decoupled,wd", [(optim.Adam, False, 0.0), (optim.Adam, False, 0.1),
                                              (optim.AdamW, True, 0.1)])
def test_adam_real_matches_reference(cls, decoupled, wd):
    w0 = _grads((5,), 1, "float64", 3)[0]
    grads = _grads((5,), 6, "float64", 4)
    got = _run(cls, w0, grads, lr=0.01, betas=(0.8, 0.99), eps=1e-7, weight_decay=wd)
    want = adam_reference_real(w0, grads, 0.01, 0.8, 0.99, 1e-7, wd, decoupled)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-14)


def test_adam_complex_equals_adam_on_stacked_real_pairs():
    w0 = _grads((4, 3), 1, "complex128", 5)[0]
    grads = _grads((4, 3), 7, "complex128", 6)
    got = _run(optim.Adam, w0, grads, lr=0.02, betas=(0.9, 0.999), eps=1e-8)
    np.testing.assert_allclose(got, adam_reference_stacked(w0, grads, 0.02, 0.9, 0.999, 1e-8),
                               rtol=1e-12, atol=1e-14)
    state = None
    p = Parameter(w0.copy())
    opt = optim.Adam([p], lr=0.02)
    p.grad = freqnet.tensor(grads[0])
    opt.step()
    state = opt.state[0]
    assert state["exp_avg_sq"].dtype == np.float64          # |g|^2 is real
    np.testing.assert_allclose(backend.to_numpy(state["exp_avg_sq"]), 0.001 * np.abs(grads[0]) ** 2, rtol=1e-12)


def test_adam_complex_step_is_phase_equivariant():
    """Rotating every gradient by e^{i theta} rotates the whole trajectory."""
    w0 = _grads((6,), 1, "complex128", 7)[0]
    grads = _grads((6,), 5, "complex128", 8)
    rot = np.exp(1j * 0.7)
    a = _run(optim.Adam, w0, grads, lr=0.05)
    b = _run(optim.Adam, w0 * rot, [g * rot for g in grads], lr=0.05)
    np.testing.assert_allclose(b, a * rot, rtol=1e-12, atol=1e-13)


def test_float32_parameters_stay_float32_and_user_arrays_are_not_modified():
    user = np.ones(4, np.float32)
    p = Parameter(user)
    t = freqnet.tensor(user, requires_grad=True)
    for opt_cls in (optim.SGD, optim.Adam, optim.AdamW):
        opt = opt_cls([p, t], lr=0.1)
        p.grad = freqnet.tensor(np.ones(4, np.float32))
        t.grad = freqnet.tensor(np.ones(4, np.float32))
        opt.step()
        assert p.dtype == np.float32 and t.dtype == np.float32
    np.testing.assert_array_equal(user, np.ones(4, np.float32))
    assert not np.allclose(p.numpy(), 1)


def test_parameters_without_grad_are_skipped():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.SGD([a, b], lr=1.0)
    a.grad = freqnet.tensor(np.ones(2))
    opt.step()
    np.testing.assert_array_equal(a.numpy(), 0)
    np.testing.assert_array_equal(b.numpy(), 1)


def test_param_groups_have_their_own_lr():
    a, b = Parameter(np.ones(2)), Parameter(np.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 0.5}], lr=0.1)
    a.grad = b.grad = freqnet.tensor(np.ones(2))
    opt.step()
    np.testing.assert_allclose(a.numpy(), 0.9)
    np.testing.assert_allclose(b.numpy(), 0.5)


@pytest.mark.parametrize("named", [True, False])
@pytest.mark.parametrize("cls", [optim.Adam, optim.SGD])
def test_state_dict_resume_equals_uninterrupted(named, cls):
    kw = dict(lr=0.01) if cls is optim.Adam else dict(lr=0.01, momentum=0.9)
    grads = _grads((3,), 6, "complex128", 9)
    w0 = grads.pop()

    def make():
        p = Parameter(w0.copy())
        q = Parameter(w0.real.copy())
        return p, q, cls([("z", p), ("r", q)] if named else [p, q], **kw)

    p, q, opt = make()
    for g in grads:
        p.grad, q.grad = freqnet.tensor(g), freqnet.tensor(g.real)
        opt.step()
    p2, q2, opt2 = make()
    for g in grads[:3]:
        p2.grad, q2.grad = freqnet.tensor(g), freqnet.tensor(g.real)
        opt2.step()
    state = opt2.state_dict()
    assert set(state["state"]) == ({"z", "r"} if named else {"0", "1"})
    p3, q3, opt3 = make()
    p3.data, q3.data = p2.data.copy(), q2.data.copy()
    opt3.load_state_dict(state)
    for g in grads[3:]:
        p3.grad, q3.grad = freqnet.tensor(g), freqnet.tensor(g.real)
        opt3.step()
    np.testing.assert_array_equal(p3.numpy(), p.numpy())
    np.testing.assert_array_equal(q3.numpy(), q.numpy())


def test_load_state_dict_rejects_a_different_parameter_set():
    opt = optim.Adam([("a", Parameter(np.ones(2)))], lr=0.1)
    other = optim.Adam([("b", Parameter(np.ones(2)))], lr=0.1)
    with pytest.raises(ValueError, match="param group"):
        other.load_state_dict(opt.state_dict())


def test_bad_options_are_rejected_clearly():
    p = Parameter(np.ones(2))
    with pytest.raises(ValueError, match="lr"):
        optim.SGD([p], lr=-1)
    with pytest.raises(ValueError, match="nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="betas"):
        optim.Adam([p], betas=(1.0, 0.9))
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])
    with pytest.raises(TypeError, match="unknown options"):
        optim.SGD([{"params": [p], "momentun": 0.9}])


def _lrs(sched, n):
    out = []
    for _ in range(n):
        out.append(sched.get_last_lr()[0])
        sched.step()
    return out


def test_schedules_follow_their_formulas():
    p = Parameter(np.ones(1))
    opt = optim.SGD([p], lr=0.1)
    np.testing.assert_allclose(_lrs(optim.StepLR(opt, 3, gamma=0.5), 7),
                               [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025])
    opt = optim.SGD([p], lr=0.1)
    got = _lrs(optim.CosineAnnealingLR(opt, 4, eta_min=0.01), 6)
    want = [0.01 + 0.09 * (1 + math.cos(math.pi * min(t, 4) / 4)) / 2 for t in range(6)]
    np.testing.assert_allclose(got, want)
    opt = optim.SGD([p], lr=0.1)
    warm = optim.LinearWarmup(opt, 4, start_factor=0.2, then=optim.CosineAnnealingLR(opt, 2))
    np.testing.assert_allclose(_lrs(warm, 8), [0.02, 0.04, 0.06, 0.08, 0.1, 0.05, 0.0, 0.0],
                               atol=1e-15)


def test_sequential_schedule_and_resume():
    p = Parameter(np.ones(1))
    opt = optim.SGD([p], lr=1.0)
    seq = optim.SequentialLR(opt, [optim.ConstantLR(opt), optim.StepLR(opt, 1, gamma=0.5)], [2])
    np.testing.assert_allclose(_lrs(seq, 5), [1, 1, 1, 0.5, 0.25])
    opt2 = optim.SGD([p], lr=1.0)
    seq2 = optim.SequentialLR(opt2, [optim.ConstantLR(opt2), optim.StepLR(opt2, 1, gamma=0.5)], [2])
    seq2.load_state_dict(seq.state_dict())
    assert seq2.get_last_lr() == seq.get_last_lr() == [0.125]
    with pytest.raises(ValueError, match="milestones"):
        optim.SequentialLR(opt, [optim.ConstantLR(opt)], [3])


def test_clip_grad_norm_global_and_complex():
    rng = np.random.default_rng(0)
    a = Parameter(np.zeros((3, 2)))
    b = Parameter(np.zeros(4, np.complex128))
    ga = rng.standard_normal((3, 2))
    gb = rng.standard_normal(4) + 1j * rng.standard_normal(4)
    a.grad, b.grad = freqnet.tensor(ga), freqnet.tensor(gb)
    want = np.sqrt((ga ** 2).sum() + (gb.real ** 2).sum() + (gb.imag ** 2).sum())
    total = optim.clip_grad_norm_([a, b], max_norm=0.5)
    assert total == pytest.approx(want, rel=1e-12)
    scale = 0.5 / (want + 1e-6)
    np.testing.assert_allclose(a.grad.numpy(), ga * scale, rtol=1e-12)
    np.testing.assert_allclose(b.grad.numpy(), gb * scale, rtol=1e-12)
    a.grad, b.grad = freqnet.tensor(ga), freqnet.tensor(gb)
    optim.clip_grad_norm_([a, b], max_norm=1e6)
    np.testing.assert_array_equal(a.grad.numpy(), ga)
    assert optim.clip_grad_norm_([a, b], 1e6, norm_type=math.inf) == pytest.approx(
        max(np.abs(ga).max(), np.abs(gb).max()))
