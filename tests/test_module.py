"""Module, Parameter, Sequential, ModuleList: registration, state and modes."""
import numpy as np
import pytest

import freqnet as fn
from freqnet import nn


class Affine(nn.Module):
    def __init__(self, n):
        super().__init__()
        self.weight = nn.Parameter(np.arange(n, dtype=np.float64))
        self.bias = nn.Parameter(np.zeros(n))
        self.register_buffer("count", fn.tensor(np.zeros(1)).data)

    def forward(self, x):
        return x * self.weight + self.bias


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.first = Affine(3)
        self.rest = nn.Sequential(Affine(3), Affine(3))

    def forward(self, x):
        return self.rest(self.first(x))


def test_named_parameters_and_buffers_are_dotted_and_ordered():
    net = Net()
    names = [k for k, _ in net.named_parameters()]
    assert names == ["first.weight", "first.bias", "rest.0.weight", "rest.0.bias",
                     "rest.1.weight", "rest.1.bias"]
    assert [k for k, _ in net.named_buffers()] == ["first.count", "rest.0.count", "rest.1.count"]
    assert all(isinstance(p, nn.Parameter) and p.requires_grad for p in net.parameters())


def test_shared_parameter_is_listed_once():
    a = Affine(2)
    seq = nn.Sequential(a, a)
    assert len(list(seq.parameters())) == 2


def test_state_dict_round_trip_copies_and_restores():
    src, dst = Net(), Net()
    for p in src.parameters():
        p.data = fn.tensor(np.random.default_rng(0).standard_normal(p.shape)).data
    src.first._set_buffer("count", fn.tensor(np.array([5.0])).data)
    state = src.state_dict()
    assert all(isinstance(v, np.ndarray) for v in state.values())
    dst.load_state_dict(state)
    for (k, p), (_, q) in zip(src.named_parameters(), dst.named_parameters()):
        np.testing.assert_array_equal(p.numpy(), q.numpy())
    assert dst.first.count[0] == 5.0
    state["first.weight"][:] = 99.0                 # the loaded model owns its copy
    assert not np.any(dst.first.weight.numpy() == 99.0)


def test_load_state_dict_rejects_bad_keys_and_shapes_without_changing_anything():
    net = Net()
    before = {k: v.copy() for k, v in net.state_dict().items()}
    bad = dict(before)
    bad["first.weight"] = np.zeros(4)
    with pytest.raises(ValueError, match=r"first\.weight.*\(4,\).*\(3,\)"):
        net.load_state_dict({k: v + 1 for k, v in bad.items()})
    missing = dict(before)
    del missing["rest.1.bias"]
    with pytest.raises(KeyError, match="rest.1.bias"):
        net.load_state_dict(missing)
    for k, v in net.state_dict().items():
        np.testing.assert_array_equal(v, before[k])


def test_train_eval_propagate_and_zero_grad_clears():
    net = Net()
    assert all(m.training for m in net.modules())
    net.eval()
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net(fn.tensor(np.ones(3))).sum().backward()
    assert all(p.grad is not None for p in net.parameters())
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_buffer_reassignment_stays_a_buffer():
    a = Affine(2)
    a.count = np.ones(1)
    assert "count" in dict(a.named_buffers()) and a.count[0] == 1.0
    assert "count" not in dict(a.named_parameters())


def test_containers_index_iterate_and_reject_non_modules():
    layers = [Affine(2), Affine(2)]
    seq, lst = nn.Sequential(*layers), nn.ModuleList(layers)
    assert seq[1] is layers[1] and lst[0] is layers[0]
    assert len(seq) == len(lst) == 2 and list(seq) == list(lst) == layers
    with pytest.raises(TypeError, match="argument 1 is int"):
        nn.Sequential(Affine(2), 3)


def test_repr_shows_the_tree():
    text = repr(Net())
    assert text.startswith("Net(") and "(first): Affine()" in text and "(rest): Sequential(" in text


def test_forgetting_super_init_is_a_clear_error():
    class Broken(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(np.zeros(1))

    with pytest.raises(RuntimeError, match="super"):
        Broken()
