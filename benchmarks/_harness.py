"""What the benchmark scripts share: where their results go, the error
measure of a case against its baseline, and writing the JSON record."""
import json
import os

import numpy as np

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def results_path(name):
    """benchmarks/results/<name>.json (the folder is gitignored)."""
    return os.path.join(RESULTS_DIR, name + ".json")


def rel_err(a, b):
    """Largest error of ``a`` (taken in double precision, real or complex)
    relative to the largest entry of ``b``."""
    a = np.asarray(a)
    return float(np.max(np.abs(a.astype(np.result_type(a, np.float64)) - b)) / np.max(np.abs(b)))


def write_json(path, record, indent=1):
    """Write ``record`` to ``path`` (making its folder) and say where."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=indent)
    print(f"wrote {path}")
