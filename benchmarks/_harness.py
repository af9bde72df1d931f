"""What the benchmark scripts share: where their results go, the error
measure of a case against its baseline, the machine's measured GEMM rate and
the FFT flop count behind the floors, and writing the JSON record."""
import json
import os
import time

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


def best_seconds(f, reps):
    """The fastest of ``reps`` calls of ``f`` (after one warm-up call)."""
    f()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def gemm_gflops(dtype="float32"):
    """This machine's GEMM rate, measured now (a 1024^3 product, best of 5):
    the arithmetic peak the benchmarks' floors are taken at."""
    a = np.random.default_rng(0).standard_normal((1024, 1024)).astype(dtype)
    return 2 * 1024 ** 3 / best_seconds(lambda: a @ a, 5) / 1e9


def real_fft_flops(planes, n):
    """~2.5 n log2 n flops per real FFT of n points (half a complex FFT's 5 n log2 n)."""
    return planes * 2.5 * n * np.log2(n)


def write_json(path, record, indent=1):
    """Write ``record`` to ``path`` (making its folder) and say where."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        json.dump(record, f, indent=indent)
    print(f"wrote {path}")
