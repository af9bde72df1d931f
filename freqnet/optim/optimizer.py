"""Optimizer base: parameter groups, per-parameter state, state dicts.

State is keyed by each parameter's position in the optimizer (or by its name
when the optimizer was built from ``named_parameters()``), never by ``id()``,
so a state dict loads into a fresh model and optimizer built the same way.
"""
from .. import backend
from ..tensor import Tensor


def _split_named(params):
    """(names or None, list of tensors) from an iterable of tensors or (name, tensor) pairs."""
    params = list(params)
    if params and all(isinstance(p, tuple) and len(p) == 2 for p in params):
        names = [n for n, _ in params]
        return names, [p for _, p in params]
    return None, params


class Optimizer:
    """Base class: ``step()`` updates every parameter that has a ``.grad``.

    ``params`` is an iterable of Parameters, of ``(name, Parameter)`` pairs
    (``model.named_parameters()``), or of dicts ``{"params": [...], **options}``
    (param groups, each with its own ``lr`` and other options).
    """

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        params = list(params)
        if not params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        raw_groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.param_groups = []
        self._keys = []            # one key (name or index) per parameter, in order
        self._params = []
        for group in raw_groups:
            if not isinstance(group, dict) or "params" not in group:
                raise TypeError("param groups must be dicts with a 'params' entry")
            unknown = set(group) - set(self.defaults) - {"params"}
            if unknown:
                raise TypeError(f"{type(self).__name__}: unknown options {sorted(unknown)}; "
                                f"valid ones are {sorted(self.defaults)}")
            names, tensors = _split_named(group["params"])
            entry = {**self.defaults, **{k: v for k, v in group.items() if k != "params"}}
            entry["params"] = []
            for i, p in enumerate(tensors):
                if not isinstance(p, Tensor):
                    raise TypeError(f"{type(self).__name__} optimizes Tensors, got {type(p).__name__}")
                if any(p is q for q in self._params):  # noqa: small lists, built once
                    raise ValueError("a parameter appears more than once in the optimizer")
                key = names[i] if names is not None else len(self._params)
                self._params.append(p)
                self._keys.append(key)
                entry["params"].append(p)
            self._check_options(entry)
            entry.setdefault("initial_lr", entry["lr"])
            self.param_groups.append(entry)
        self._key_by_identity = {id(p): k for p, k in zip(self._params, self._keys)}
        if len(set(map(str, self._keys))) != len(self._keys):
            raise ValueError("parameter names must be unique")
        self.state = {}            # key -> dict of arrays / numbers

    def _check_options(self, group):
        lr = group["lr"]
        if not isinstance(lr, (int, float)) or lr < 0:
            raise ValueError(f"{type(self).__name__}: lr must be a number >= 0, got {lr!r}")

    def _keyed(self, group):
        """(key, parameter) for the parameters of ``group`` that have a gradient."""
        for p in group["params"]:
            if p.grad is not None:
                yield self._key_of(p), p

    def _key_of(self, p):
        return self._key_by_identity[id(p)]   # lookup only; saved state uses the key

    def zero_grad(self):
        for p in self._params:
            p.grad = None

    def step(self):
        for group in self.param_groups:
            for key, p in self._keyed(group):
                state = self.state.setdefault(key, {})
                p.data = self._update(p.data, p.grad.data, state, group)

    def _update(self, w, g, state, group):
        """The new value of parameter array ``w`` (out of place) given grad ``g``."""
        raise NotImplementedError

    # -- state ---------------------------------------------------------------
    def state_dict(self):
        """``{"state": {key: {field: numpy array or number}}, "param_groups": [...]}``.

        Keys are parameter names (built from ``named_parameters()``) or
        positions; groups list their parameters by key.
        """
        state = {str(k): {f: (backend.to_numpy(v) if backend.is_array(v) else v)
                          for f, v in s.items()}
                 for k, s in self.state.items()}
        groups = []
        for group in self.param_groups:
            entry = {k: v for k, v in group.items() if k != "params"}
            entry["params"] = [str(self._key_of(p)) for p in group["params"]]
            groups.append(entry)
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore hyper-parameters and per-parameter state (checked first)."""
        groups = state_dict["param_groups"]
        if len(groups) != len(self.param_groups):
            raise ValueError(f"load_state_dict: the state has {len(groups)} param groups, "
                             f"this optimizer has {len(self.param_groups)}")
        keys = {str(k): k for k in self._keys}
        for saved, group in zip(groups, self.param_groups):
            mine = [str(self._key_of(p)) for p in group["params"]]
            if list(saved["params"]) != mine:
                raise ValueError(f"load_state_dict: param group lists {saved['params']}, "
                                 f"this optimizer has {mine}")
        unknown = sorted(set(state_dict["state"]) - set(keys))
        if unknown:
            raise ValueError(f"load_state_dict: state for unknown parameters {unknown}")
        params = dict(zip(map(str, self._keys), self._params))
        new_state = {}
        for k, fields in state_dict["state"].items():
            like = params[k].data
            new_state[keys[k]] = {
                f: (backend.asarray(v, like=like).copy() if backend.is_array(v) else v)
                for f, v in fields.items()}
        for saved, group in zip(groups, self.param_groups):
            for name, value in saved.items():
                if name != "params":
                    group[name] = value
        self.state = new_state

    def __repr__(self):
        opts = ", ".join(f"{k}={v}" for k, v in self.defaults.items())
        return f"{type(self).__name__}({len(self._params)} parameters, {opts})"
