"""Each demo runs end to end with tiny settings and prints a JSON last line."""
import gzip
import json
import os
import subprocess
import sys

import numpy as np
import pytest

from _reference import official_mnist_dir

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--epochs", "1", "--limit", "128", "--width", "4", "--no-progress"]
REQUIRED = ("test_accuracy", "seconds", "inverse_transforms_per_step")


@pytest.fixture(scope="module")
def env(tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    return {**os.environ, "FREQNET_CACHE": str(cache), "MPLBACKEND": "Agg"}


def run_demo(name, args, env):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "demos", name), *map(str, args)],
                         capture_output=True, text=True, timeout=300, env=env, cwd=ROOT)
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    for key in REQUIRED:
        assert key in result, key
    assert 0 <= result["test_accuracy"] <= 1 and result["seconds"] > 0
    return result, out.stdout


def test_train_mnist1d(env):
    result, out = run_demo("train_mnist1d.py", TINY, env)
    assert "epoch 1/1" in out and result["inverse_transforms_per_step"] > 0
    assert result["train_samples"] == 128 and result["config"]["dataset"] == "mnist1d"


def test_train_pure_spectral_has_no_inverse_transforms(env):
    result, out = run_demo("train_pure_spectral.py", [*TINY, "--timing-steps", "2"], env)
    pure, exact = result["pure_model"], result["exact_model"]
    assert result["inverse_transforms_per_step"] == pure["inverse_transforms_per_step"] == 0
    assert exact["inverse_transforms_per_step"] > 0 and pure["forward_transforms_per_step"] == 1
    # each accuracy says which model it belongs to; the table has both, with step times
    assert f"pure-spectral model: test accuracy {result['test_accuracy']:.1%}" in out
    assert f"pure-spectral  {pure['test_accuracy']:>8.1%}" in out
    assert f"exact          {exact['test_accuracy']:>8.1%}" in out
    assert out.index("pure-spectral network") < out.index("epoch 1/1")
    assert result["step_time_ratio"] == pure["step_seconds"] / exact["step_seconds"] > 0
    assert "step time pure/exact" in out and "load average" in out
    assert [r["layer"] for r in result["bandwidth"]] == ["net.3", "net.7", "net.11"]
    for r in result["bandwidth"]:
        assert abs(r["kept"] + r["dropped"] + r["aliased"] - 1) < 1e-5 and r["layer"] in out


def test_train_pure_spectral_mnist_sibling(env, tmp_path):
    rng = np.random.default_rng(1)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(_idx(rng.integers(0, 256, (40, 28, 28), dtype=np.uint8))))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx(rng.integers(0, 10, 40, dtype=np.uint8)))
    result, out = run_demo("train_pure_spectral.py",
                           ["--dataset", "mnist", "--data-dir", tmp_path, "--train-from-test-split",
                            30, "--epochs", 1, "--width", 2, "--no-progress", "--timing-steps", 1],
                           env)
    assert result["inverse_transforms_per_step"] == 0 and result["config"]["pool_first"]
    assert result["train_samples"] == 30 and result["test_samples"] == 10
    assert result["exact_model"]["inverse_transforms_per_step"] > 0
    assert [r["layer"] for r in result["bandwidth"]] == ["net.4", "net.8", "net.12"]


def test_train_pure_spectral_mnist_needs_a_data_dir(env):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "demos", "train_pure_spectral.py"),
                          "--dataset", "mnist"], capture_output=True, text=True, timeout=120,
                         env=env)
    assert out.returncode != 0 and "--data-dir" in out.stderr


def _idx(array):
    import struct
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def test_train_mnist_from_a_test_split(env, tmp_path):
    rng = np.random.default_rng(0)
    (tmp_path / "t10k-images-idx3-ubyte.gz").write_bytes(
        gzip.compress(_idx(rng.integers(0, 256, (40, 28, 28), dtype=np.uint8))))
    (tmp_path / "t10k-labels-idx1-ubyte").write_bytes(_idx(rng.integers(0, 10, 40, dtype=np.uint8)))
    result, _ = run_demo("train_mnist.py", ["--data-dir", tmp_path, "--train-from-test-split", 30,
                                            "--epochs", 1, "--width", 2, "--no-progress"], env)
    assert result["train_samples"] == 30 and result["test_samples"] == 10


def test_train_mnist_without_data_dir_fails_clearly(env):
    out = subprocess.run([sys.executable, os.path.join(ROOT, "demos", "train_mnist.py")],
                         capture_output=True, text=True, timeout=120, env=env)
    assert out.returncode != 0 and "--data-dir" in out.stderr


@pytest.mark.parametrize("model", [[], ["--conv", "spectral", "--activation", "crelu"],
                                   ["--conv", "smooth", "--activation", "bandpoly",
                                    "--nonlinearity", "gelu", "--pooling", "spectral",
                                    "--band-limit"]])
def test_plot_training_writes_pngs(env, tmp_path, model):
    result, _ = run_demo("plot_training.py", [tmp_path / "plots", *TINY, *model], env)
    names = ["curves.png", "filters_spatial.png", "filters_spectra.png"]
    if "bandpoly" in model:
        names.append("bandwidth.png")
        assert [r["layer"] for r in result["bandwidth"]] == ["net.3", "net.7", "net.11"]
    else:
        assert "bandwidth" not in result and not (tmp_path / "plots" / "bandwidth.png").exists()
    for name in names:
        path = tmp_path / "plots" / name
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 1000


@pytest.mark.slow
def test_mnist1d_demo_reaches_the_published_cnn_baseline(env):
    result, _ = run_demo("train_mnist1d.py", ["--no-progress"], env)
    assert result["test_accuracy"] >= 0.94


@pytest.mark.slow
def test_mnist_demo_on_the_official_t10k_split(env):
    directory = official_mnist_dir()
    if not os.path.exists(os.path.join(directory, "t10k-images-idx3-ubyte.gz")):
        pytest.skip(f"the official t10k files are not in {directory} (set FREQNET_MNIST_DIR)")
    result, _ = run_demo("train_mnist.py", ["--data-dir", directory, "--train-from-test-split",
                                            8000, "--epochs", 3, "--no-progress"], env)
    assert result["train_samples"] == 8000 and result["test_samples"] == 2000
    assert result["test_accuracy"] >= 0.97
