"""Every demo, ``python -m freqnet.theory`` and the benchmarks' freqnet cases
run with smoke settings on the session's backend (FREQNET_BACKEND: numpy,
strict or cupy), so that the suite run under ``strict`` checks that none of
them mixes host and device arrays (DESIGN.md §6). The benchmarks run with
torch made unimportable: their freqnet cases must not need it."""
import json
import os
import re
import subprocess
import sys

import pytest

from freqnet import backend

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--epochs", "1", "--limit", "128", "--width", "4", "--no-progress"]

#: demos/<script> -> smoke arguments ("{tmp}" is the test's folder); the tutorials
#: run in tests/test_tutorial.py, on the session's backend as well
DEMOS = {
    "laplace_points.py": ["--quick"],
    "train_mnist1d.py": TINY,
    "train_pure_spectral.py": [*TINY, "--timing-steps", "2"],
    "plot_training.py": ["{tmp}/plots", *TINY, "--conv", "spectral", "--activation", "crelu"],
    "train_mnist.py": ["--data-dir", "{tmp}/mnist", "--train-from-test-split", "30", "--epochs", "1",
                       "--width", "2", "--no-progress"],
}
TUTORIAL = re.compile(r"tutorial_\d_\w+\.py")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    """The session's backend, a private data cache, and a ``torch`` that cannot be imported."""
    no_torch = tmp_path_factory.mktemp("no_torch")
    (no_torch / "torch").mkdir()
    (no_torch / "torch" / "__init__.py").write_text(
        "raise ImportError('torch is hidden by tests/test_strict_scripts.py')\n")
    path = os.pathsep.join(p for p in (str(no_torch), os.environ.get("PYTHONPATH")) if p)
    return {**os.environ, "FREQNET_BACKEND": backend.name, "MPLBACKEND": "Agg", "PYTHONPATH": path,
            "FREQNET_CACHE": str(tmp_path_factory.mktemp("cache"))}


def run(command, env, cwd):
    proc = subprocess.run([sys.executable, *command], capture_output=True, text=True, timeout=300,
                          env=env, cwd=cwd)
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    return proc.stdout


def last_json(out):
    return json.loads(out.strip().splitlines()[-1])


def test_every_demo_has_a_smoke_run():
    scripts = {f for f in os.listdir(os.path.join(ROOT, "demos"))
               if f.endswith(".py") and not f.startswith("_")}
    assert scripts - set(DEMOS) == {f for f in scripts if TUTORIAL.fullmatch(f)}


def test_hidden_torch_cannot_be_imported(env, tmp_path):
    out = subprocess.run([sys.executable, "-c", "import torch"], capture_output=True, text=True,
                         env=env, cwd=tmp_path)
    assert out.returncode != 0 and "hidden by tests/test_strict_scripts.py" in out.stderr


def test_theory_cli_passes_on_the_session_backend(env, tmp_path):
    out = run(["-m", "freqnet.theory", "--quick"], env, ROOT)
    assert "12/12 claims checked and passed" in out


def _mnist_test_split(folder):
    import gzip
    import struct

    import numpy as np

    def idx(array):
        return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()
    folder.mkdir()
    rng = np.random.default_rng(0)
    (folder / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(idx(rng.integers(0, 256, (40, 28, 28), dtype=np.uint8))))
    (folder / "t10k-labels-idx1-ubyte").write_bytes(idx(rng.integers(0, 10, 40, dtype=np.uint8)))


@pytest.mark.parametrize("script", sorted(DEMOS))
def test_demo_runs_on_the_session_backend(script, env, tmp_path):
    if script == "train_mnist.py":
        _mnist_test_split(tmp_path / "mnist")
    args = [a.replace("{tmp}", str(tmp_path)) for a in DEMOS[script]]
    out = run([os.path.join(ROOT, "demos", script), *args], env, tmp_path)
    if script == "laplace_points.py":
        assert "Tiled Toom-Cook" in out and "Whole signal" in out
        return
    result = last_json(out)
    assert result["backend"] == backend.name
    assert 0 <= result["test_accuracy"] <= 1
    if script == "plot_training.py":
        assert all((tmp_path / "plots" / f).stat().st_size > 1000
                   for f in ("curves.png", "filters_spatial.png", "filters_spectra.png"))


FREQNET_CONV_CASES = ["freqnet", "freqnet+io", "hartley", "laplace-m2", "laplace-m4", "laplace-m6"]


def test_conv_benchmark_freqnet_cases(env, tmp_path):
    out_json = tmp_path / "conv.json"
    run([os.path.join(ROOT, "benchmarks", "conv.py"), "--smoke", "--cases", *FREQNET_CONV_CASES,
         "--out", str(out_json)], env, tmp_path)
    record = json.loads(out_json.read_text())
    assert record["backend"] == backend.name and record["smoke"] and record["torch"] is None
    rows = {r["case"]: r for r in record["rows"]}
    assert set(rows) == set(FREQNET_CONV_CASES) | {"im2col"}
    for name in FREQNET_CONV_CASES:          # float32 against the host im2col reference
        assert rows[name]["max_rel_err_vs_im2col"] < 1e-4, rows[name]


def test_train_benchmark_freqnet_cases(env, tmp_path):
    out_json = tmp_path / "train.json"
    out = run([os.path.join(ROOT, "benchmarks", "train.py"), "--epochs", "1", "--limit", "128",
               "--width", "4", "--depth", "2", "--steps-2d", "2", "--out", str(out_json)], env, tmp_path)
    assert "torch is not importable" in out
    record = json.loads(out_json.read_text())
    assert record["backend"] == backend.name
    assert [case["dims"] for case in record["cases"]] == [1, 2]
    for case in record["cases"]:
        assert case["torch"] is None and [r["case"] for r in case["rows"]] == ["freqnet", "numpy-im2col"]
        assert case["twin_max_rel_err"] < 1e-4 and all(r["seconds_per_round"] > 0 for r in case["rows"])


def test_laplace_benchmark_freqnet_cases(env, tmp_path):
    out_json = tmp_path / "laplace.json"
    run([os.path.join(ROOT, "benchmarks", "laplace.py"), "--smoke", "--out", str(out_json)],
        env, tmp_path)
    record = json.loads(out_json.read_text())
    assert record["backend"] == backend.name and record["smoke"]
    cases = {r["case"] for r in record["rows"]}
    assert cases == {"im2col", "laplace-m2", "laplace-m4", "laplace-m6", "fourier", "hartley"}
    for r in record["rows"]:                 # float32; F(6, 5) is the worst conditioned
        assert r["max_rel_err_vs_baseline"] < 1e-3, r


def test_activation_benchmark(env, tmp_path):
    out_json = tmp_path / "activation.json"
    run([os.path.join(ROOT, "benchmarks", "activation.py"), "--smoke", "--out", str(out_json)],
        env, tmp_path)
    record = json.loads(out_json.read_text())
    assert record["backend"] == backend.name
    (row,) = record["rows"]
    assert all(row[f"{name}_{kind}_ms"] > 0 for name in ("exact", "poly2", "poly4")
               for kind in ("fwd", "fwd_bwd"))


def test_fft_benchmark(env, tmp_path):
    out_json = tmp_path / "fft.json"
    run([os.path.join(ROOT, "benchmarks", "fft.py"), "--smoke", "--out", str(out_json)], env, tmp_path)
    record = json.loads(out_json.read_text())
    assert record["backend"] == backend.name and record["smoke"]
    cases = {(tuple(r["shape"]), r["dtype"], r["direction"], r["case"]) for r in record["rows"]}
    for shape in ((2, 3, 8, 8), (2, 3, 12)):
        for dtype in ("float32", "float64"):
            for direction in ("forward", "inverse"):
                assert {(shape, dtype, direction, c) for c in ("freqnet", "scipy", "numpy")} <= cases
    assert all(r["ms"] > 0 and r["rel_err"] < 1e-5 for r in record["rows"])


def test_pure_spectral_benchmark(env, tmp_path):
    out_json = tmp_path / "pure_spectral.json"
    out = run([os.path.join(ROOT, "benchmarks", "pure_spectral.py"), "--smoke", "--out",
               str(out_json)], env, tmp_path)
    assert "load average" in out
    record = json.loads(out_json.read_text())
    assert record["backend"] == backend.name and record["smoke"]
    cases = [r["case"] for r in record["rows"]]
    assert cases[:2] == ["mnist1d training step", "mnist training step"] and len(cases) == 6
    assert all(r["pure_ms"] > 0 and r["exact_ms"] > 0 for r in record["rows"])
