"""MNIST-1D (Greydanus 2020), generated offline and cached.

The data come from the ``mnist1d`` package's ``make_dataset`` with the
default arguments of its ``get_dataset_args()`` (5,000 samples, 80/20 split:
4,000 train and 1,000 test signals of length 40, seed 42), so accuracies are
comparable with the published benchmark. The package's download path is
never used. The result is cached as an ``.npz`` (no pickle) written
atomically to :func:`freqnet.data.cache_dir`.
"""
import json
import os
import random
import zipfile

from .. import backend
from ..atomic import atomic_open
from .cache import cache_dir

#: The defaults of mnist1d.get_dataset_args() (the published benchmark).
MNIST1D_ARGS = {
    "num_samples": 5000, "train_split": 0.8, "template_len": 12, "padding": [36, 60],
    "scale_coeff": 0.4, "max_translation": 48, "corr_noise_scale": 0.25,
    "iid_noise_scale": 2e-2, "shear_scale": 0.75, "shuffle_seq": False,
    "final_seq_length": 40, "seed": 42,
}


def _generate(args):
    """Run mnist1d.make_dataset, leaving the global random states as they were."""
    try:
        from mnist1d.data import make_dataset
        from mnist1d.utils import ObjectView
    except ImportError as exc:
        raise ImportError("MNIST-1D needs the mnist1d package: pip install mnist1d") from exc
    np = backend.numpy
    saved_np, saved_py = np.random.get_state(), random.getstate()
    try:
        data = make_dataset(ObjectView(dict(args)))
    finally:
        np.random.set_state(saved_np)
        random.setstate(saved_py)
    return {"x_train": np.asarray(data["x"], dtype="float32"),
            "y_train": np.asarray(data["y"], dtype="int64"),
            "x_test": np.asarray(data["x_test"], dtype="float32"),
            "y_test": np.asarray(data["y_test"], dtype="int64")}


def _cache_path(directory, args):
    import hashlib
    key = hashlib.sha256(json.dumps(args, sort_keys=True).encode()).hexdigest()[:12]
    return os.path.join(directory, f"mnist1d-{key}.npz")


def load_mnist1d(cache=None, regenerate=False, **overrides):
    """``(x_train, y_train, x_test, y_test)`` as host arrays, x of shape (N, 1, 40).

    ``cache`` is a directory (default :func:`cache_dir`), or ``False`` to
    skip the cache. ``overrides`` change the dataset arguments (this breaks
    comparability with the benchmark; the cache key includes them).
    """
    unknown = set(overrides) - set(MNIST1D_ARGS)
    if unknown:
        raise TypeError(f"load_mnist1d: unknown dataset arguments {sorted(unknown)}")
    args = {**MNIST1D_ARGS, **overrides}
    path = None if cache is False else _cache_path(cache or cache_dir(), args)
    arrays = None
    if path and os.path.exists(path) and not regenerate:
        try:
            with backend.numpy.load(path, allow_pickle=False) as f:
                arrays = {k: f[k] for k in ("x_train", "y_train", "x_test", "y_test")}
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile):
            arrays = None            # unreadable cache: rebuild it
    if arrays is None:
        arrays = _generate(args)
        if path:
            with atomic_open(path) as f:
                backend.numpy.savez(f, **arrays)
    return (arrays["x_train"][:, None, :], arrays["y_train"],
            arrays["x_test"][:, None, :], arrays["y_test"])
