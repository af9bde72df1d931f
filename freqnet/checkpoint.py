"""Checkpoints: model, optimizer, scheduler, epoch and RNG state in one ``.npz``.

RNG state means the global NumPy and Python generators (weight init) and
every ``numpy.random.Generator`` held by a module (dropout masks).

No pickle anywhere: every entry is a plain numeric array, metadata is a JSON
string stored as a uint8 array, and files are read with
``allow_pickle=False``, so loading a file can never run code. A SHA-256 of
the whole payload (metadata and every array's name, dtype, shape and bytes)
is stored inside and checked on load, so a truncated or tampered file fails
with :class:`CheckpointError`. Files are written atomically
(:mod:`freqnet.atomic`): a crash mid-write leaves the previous checkpoint.
"""
import hashlib
import json
import os
import random
import zipfile

from . import backend
from .atomic import atomic_open

FORMAT = "freqnet-checkpoint"
VERSION = 1
_META = "__meta__"
_DIGEST = "__sha256__"


class CheckpointError(ValueError):
    """A checkpoint file is missing, truncated, tampered with or not ours."""


def _digest(meta_bytes, arrays):
    h = hashlib.sha256()
    h.update(meta_bytes)
    for name in sorted(arrays):
        a = backend.numpy.ascontiguousarray(arrays[name])
        h.update(f"\0{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def _text_array(text):
    return backend.numpy.frombuffer(text.encode("utf-8"), dtype=backend.numpy.uint8).copy()


def rng_state():
    """The global NumPy (legacy) and Python ``random`` states: (arrays, json-able dict)."""
    kind, keys, pos, has_gauss, cached = backend.numpy.random.get_state()
    version, internal, gauss_next = random.getstate()
    return ({"rng/numpy_keys": keys},
            {"numpy": [kind, int(pos), int(has_gauss), float(cached)],
             "python": [version, list(internal), gauss_next]})


def set_rng_state(arrays, meta):
    kind, pos, has_gauss, cached = meta["numpy"]
    backend.numpy.random.set_state((kind, arrays["rng/numpy_keys"], pos, has_gauss, cached))
    version, internal, gauss_next = meta["python"]
    random.setstate((version, tuple(internal), gauss_next))


def _generators(model):
    """(dotted name, numpy Generator) for every Generator a module holds
    (e.g. SpectralDropout's mask generator), in module order."""
    Generator = backend.numpy.random.Generator
    for prefix, mod in model.named_modules():
        for attr, value in vars(mod).items():
            if isinstance(value, Generator):
                yield (f"{prefix}.{attr}" if prefix else attr), value


def _generator_states(model):
    return {name: g.bit_generator.state for name, g in _generators(model)}


def _set_generator_states(model, states, path):
    own = dict(_generators(model))
    if set(own) != set(states):
        raise CheckpointError(f"{path}: the checkpoint has random generators {sorted(states)}, "
                              f"the model has {sorted(own)}")
    for name, state in states.items():
        own[name].bit_generator.state = state


def _split_optimizer_state(state_dict):
    """Arrays under ``optimizer/<key>/<field>``; numbers and groups into JSON."""
    arrays, scalars = {}, {}
    for key, fields in state_dict["state"].items():
        for field, value in fields.items():
            if backend.is_array(value):
                arrays[f"optimizer/{key}/{field}"] = backend.to_numpy(value)
            else:
                scalars.setdefault(key, {})[field] = value
    return arrays, {"param_groups": state_dict["param_groups"], "scalars": scalars}


def _join_optimizer_state(arrays, meta):
    state = {k: dict(v) for k, v in meta["scalars"].items()}
    for name, value in arrays.items():
        if name.startswith("optimizer/"):
            key, field = name[len("optimizer/"):].rsplit("/", 1)
            state.setdefault(key, {})[field] = value
    return {"state": state, "param_groups": meta["param_groups"]}


def _model_info(model):
    """What rebuilding ``model`` needs besides the config: input shape, classes."""
    info = {}
    if getattr(model, "input_shape", None) is not None:
        info["input_shape"] = [int(n) for n in model.input_shape]
    if getattr(model, "num_classes", None) is not None:
        info["num_classes"] = int(model.num_classes)
    return info


def save_checkpoint(path, model, optimizer=None, scheduler=None, epoch=None, history=None,
                    config=None, extra_arrays=None, world_size=1):
    """Write a checkpoint to ``path`` atomically; returns the path.

    ``config`` (JSON-able) records how to rebuild the model and data, for
    ``python -m freqnet evaluate``; ``history`` is the per-epoch metrics. The
    model's ``input_shape`` and ``num_classes`` (freqnet.models) are stored
    too, for :func:`freqnet.load_model`, and the number of processes that
    trained it (``world_size``, :mod:`freqnet.distributed`).
    """
    arrays = {f"model/{k}": v for k, v in model.state_dict().items()}
    meta = {"format": FORMAT, "version": VERSION, "epoch": epoch,
            "history": history or [], "config": config or {}, "model": _model_info(model),
            "world_size": int(world_size)}
    if optimizer is not None:
        opt_arrays, meta["optimizer"] = _split_optimizer_state(optimizer.state_dict())
        arrays.update(opt_arrays)
    if scheduler is not None:
        meta["scheduler"] = scheduler.state_dict()
    rng_arrays, meta["rng"] = rng_state()
    meta["generators"] = _generator_states(model)
    arrays.update(rng_arrays)
    arrays.update(extra_arrays or {})
    for name, a in arrays.items():
        if a.dtype.kind not in "biufc":
            raise CheckpointError(f"save_checkpoint: {name} has dtype {a.dtype}; only numeric "
                                  f"arrays can be stored without pickle")
    meta_bytes = json.dumps(meta, sort_keys=True).encode("utf-8")
    payload = dict(arrays)
    payload[_META] = backend.numpy.frombuffer(meta_bytes, dtype=backend.numpy.uint8).copy()
    payload[_DIGEST] = _text_array(_digest(meta_bytes, arrays))
    with atomic_open(path) as f:
        backend.numpy.savez(f, **payload)
    return path


class Checkpoint:
    """A verified checkpoint: ``arrays`` (name -> numpy array) and ``meta`` (dict)."""

    def __init__(self, path, arrays, meta):
        self.path, self.arrays, self.meta = path, arrays, meta

    @property
    def epoch(self):
        return self.meta.get("epoch")

    @property
    def config(self):
        return self.meta.get("config", {})

    @property
    def world_size(self):
        """The number of processes that trained it (1 in checkpoints older than it)."""
        return self.meta.get("world_size", 1)

    @property
    def history(self):
        return self.meta.get("history", [])

    @property
    def input_shape(self):
        """The model's input shape (one sample), or None in checkpoints older than it."""
        shape = self.meta.get("model", {}).get("input_shape")
        return None if shape is None else tuple(shape)

    @property
    def num_classes(self):
        return self.meta.get("model", {}).get("num_classes")

    def model_state(self):
        return {k[len("model/"):]: v for k, v in self.arrays.items() if k.startswith("model/")}

    def restore(self, model, optimizer=None, scheduler=None, rng=True):
        """Load the saved state into ``model`` (and optimizer, scheduler, RNGs)."""
        try:
            model.load_state_dict(self.model_state())
        except (KeyError, ValueError) as exc:
            raise CheckpointError(f"{self.path}: was saved from a different model: "
                                  f"{exc.args[0] if exc.args else exc}") from exc
        if optimizer is not None:
            if "optimizer" not in self.meta:
                raise CheckpointError(f"{self.path}: holds no optimizer state")
            optimizer.load_state_dict(_join_optimizer_state(self.arrays, self.meta["optimizer"]))
        if scheduler is not None:
            if "scheduler" not in self.meta:
                raise CheckpointError(f"{self.path}: holds no scheduler state")
            scheduler.load_state_dict(self.meta["scheduler"])
        if rng:
            set_rng_state(self.arrays, self.meta["rng"])
            _set_generator_states(model, self.meta.get("generators", {}), self.path)
        return self


def load_checkpoint(path):
    """Read and verify ``path``; raises :class:`CheckpointError` on any damage."""
    path = os.fspath(path)
    if not os.path.exists(path):
        raise CheckpointError(f"checkpoint {path} does not exist")
    if os.path.isdir(path):
        raise CheckpointError(f"{path}: is a directory, not a checkpoint file "
                              f"(train --checkpoint-dir writes DIR/last.npz)")
    if not zipfile.is_zipfile(path):     # np.load would try .npy or pickle on it instead
        raise CheckpointError(f"{path}: truncated or corrupt checkpoint (not an .npz zip archive)")
    try:
        with backend.numpy.load(path, allow_pickle=False) as f:
            arrays = {name: f[name] for name in f.files}
    except ValueError as exc:
        if "pickle" in str(exc):
            raise CheckpointError(f"{path}: contains object (pickled) arrays, which freqnet "
                                  f"never writes and refuses to load") from None
        raise CheckpointError(f"{path}: not a valid checkpoint ({exc})") from None
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as exc:
        raise CheckpointError(f"{path}: truncated or corrupt checkpoint "
                              f"({type(exc).__name__}: {exc})") from None
    if _META not in arrays or _DIGEST not in arrays:
        raise CheckpointError(f"{path}: not a freqnet checkpoint (no metadata or checksum)")
    meta_bytes = arrays.pop(_META).tobytes()
    stored = arrays.pop(_DIGEST).tobytes().decode("ascii", "replace")
    if _digest(meta_bytes, arrays) != stored:
        raise CheckpointError(f"{path}: checksum mismatch: the file was modified or damaged "
                              f"after it was written")
    meta = json.loads(meta_bytes.decode("utf-8"))
    if meta.get("format") != FORMAT or meta.get("version") != VERSION:
        raise CheckpointError(f"{path}: unsupported checkpoint format "
                              f"{meta.get('format')!r} version {meta.get('version')!r}")
    return Checkpoint(path, arrays, meta)
