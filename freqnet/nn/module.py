"""Module, Parameter and containers, PyTorch-like (DESIGN.md §2).

Parameters are leaf Tensors that a Module registers; buffers are arrays a
Module keeps in its state (running statistics) that are not trained.
``state_dict`` gives and ``load_state_dict`` takes numpy arrays keyed by
dotted names, so state dicts carry over from ``torch.nn`` where the names
match.
"""
from collections import OrderedDict

from .. import backend, profiler
from ..tensor import Tensor


class Parameter(Tensor):
    """A trainable leaf Tensor (requires grad by default)."""

    __slots__ = ()

    def __init__(self, data, requires_grad=True, dtype=None):
        if isinstance(data, Tensor):
            data = data.data
        super().__init__(data, requires_grad=requires_grad, dtype=dtype)

    def __repr__(self):
        return "Parameter(" + super().__repr__() + ")"


class Module:
    """Base class of every layer: holds parameters, buffers and sub-modules."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "training", True)

    # -- registration --------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise RuntimeError(f"{type(self).__name__}.__init__ must call super().__init__() first")
        if name in self._buffers and not isinstance(value, (Parameter, Module)):
            self._set_buffer(name, value)
            return
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        if isinstance(value, Parameter):
            self._parameters[name] = value
        elif isinstance(value, Module):
            self._modules[name] = value
        object.__setattr__(self, name, value)

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            store.pop(name, None)
        object.__delattr__(self, name)

    def register_buffer(self, name, array):
        """Keep ``array`` (an xp array, or None) in the state but do not train it."""
        self.__setattr__(name, array)
        self._buffers[name] = array

    def _set_buffer(self, name, array):
        self._buffers[name] = array
        object.__setattr__(self, name, array)

    def add_module(self, name, module):
        self.__setattr__(name, module)

    # -- traversal -------------------------------------------------------------
    def named_modules(self, prefix=""):
        """(name, module) for this module and every descendant, iteratively."""
        stack = [(prefix, self)]
        seen = set()
        while stack:
            name, mod = stack.pop(0)
            if mod in seen:
                continue
            seen.add(mod)
            yield name, mod
            stack[0:0] = [((f"{name}.{k}" if name else k), m) for k, m in mod._modules.items()]

    def modules(self):
        return (m for _, m in self.named_modules())

    def children(self):
        return iter(self._modules.values())

    def named_parameters(self):
        seen = set()
        for prefix, mod in self.named_modules():
            for k, p in mod._parameters.items():
                if p is not None and p not in seen:
                    seen.add(p)
                    yield (f"{prefix}.{k}" if prefix else k), p

    def parameters(self):
        return (p for _, p in self.named_parameters())

    def named_buffers(self):
        for prefix, mod in self.named_modules():
            for k, b in mod._buffers.items():
                if b is not None:
                    yield (f"{prefix}.{k}" if prefix else k), b

    # -- state -----------------------------------------------------------------
    def state_dict(self):
        """An ordered dict of host numpy copies: parameters, then buffers."""
        state = OrderedDict((k, p.numpy()) for k, p in self.named_parameters())
        state.update((k, backend.to_numpy(b)) for k, b in self.named_buffers())
        return state

    def load_state_dict(self, state, strict=True):
        """Copy arrays from ``state`` into the parameters and buffers.

        Checks every key and shape first and changes nothing on a mismatch.
        """
        own = dict(self.named_parameters())
        own_buffers = dict(self.named_buffers())
        expected = set(own) | set(own_buffers)
        missing = sorted(expected - set(state))
        unexpected = sorted(set(state) - expected)
        if strict and (missing or unexpected):
            raise KeyError(
                f"load_state_dict: missing keys {missing}, unexpected keys {unexpected}")
        for k, v in state.items():
            if k in expected:
                target = own[k].data if k in own else own_buffers[k]
                if tuple(v.shape) != tuple(target.shape):
                    raise ValueError(
                        f"load_state_dict: {k!r} has shape {tuple(v.shape)} in the state, "
                        f"expected {tuple(target.shape)}")
        for k, v in state.items():
            if k in own:
                p = own[k]
                p.data = backend.asarray(v, dtype=p.dtype, like=p.data).copy()
            elif k in own_buffers:
                name, mod = self._owner_of_buffer(k)
                old = own_buffers[k]
                mod._set_buffer(name, backend.asarray(v, dtype=old.dtype, like=old).copy())
        return self

    def _owner_of_buffer(self, dotted):
        *path, name = dotted.split(".")
        mod = self
        for part in path:
            mod = mod._modules[part]
        return name, mod

    # -- modes and gradients -----------------------------------------------------
    def train(self, mode=True):
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        return self.train(False)

    def zero_grad(self):
        for p in self.parameters():
            p.grad = None

    def to(self, device):
        """Move parameters and buffers to ``"cpu"`` or ``"gpu"`` in place."""
        for p in self.parameters():
            p._data = backend.to_device(p.data, device)          # a deliberate device change
            p.grad = None
        for mod in self.modules():
            for k, b in list(mod._buffers.items()):
                if b is not None:
                    mod._set_buffer(k, backend.to_device(b, device))
        return self

    # -- calling -------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if not profiler._active:
            return self.forward(*args, **kwargs)
        return profiler.call_layer(self, self.forward, args, kwargs)   # freqnet.summary

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} has no forward()")

    def extra_repr(self):
        return ""

    def __repr__(self):
        lines = [f"{type(self).__name__}({self.extra_repr()}"]
        if self._modules:
            for k, m in self._modules.items():
                sub = repr(m).replace("\n", "\n  ")
                lines.append(f"  ({k}): {sub}")
            return lines[0] + "\n" + "\n".join(lines[1:]) + "\n)"
        return lines[0] + ")"


class _Container(Module):
    """Indexing, length and iteration over the registered sub-modules."""

    def __getitem__(self, i):
        return list(self._modules.values())[i]

    def __len__(self):
        return len(self._modules)

    def __iter__(self):
        return iter(self._modules.values())


class Sequential(_Container):
    """Modules applied in order; indexable and iterable."""

    def __init__(self, *modules):
        super().__init__()
        for i, m in enumerate(modules):
            if not isinstance(m, Module):
                raise TypeError(f"Sequential takes Modules; argument {i} is {type(m).__name__}")
            self.add_module(str(i), m)

    def forward(self, x):
        for m in self._modules.values():
            x = m(x)
        return x


class ModuleList(_Container):
    """A list of sub-modules, registered for parameters and state."""

    def __init__(self, modules=()):
        super().__init__()
        for m in modules:
            self.append(m)

    def append(self, module):
        self.add_module(str(len(self._modules)), module)
        return self
