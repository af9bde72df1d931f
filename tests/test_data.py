"""DataLoader, MNIST-1D generation, IDX/MNIST parsing and their errors."""
import gzip
import os
import random
import struct

import numpy as np
import pytest

from _reference import official_mnist_dir

from freqnet import data
from freqnet.data import mnist1d as mnist1d_module


def _loader_batches(loader):
    return [(x.numpy(), y.numpy()) for x, y in loader]


def test_loader_batches_cover_the_dataset_in_order_without_shuffle():
    x = np.arange(10, dtype=np.float64)[:, None]
    y = np.arange(10)
    batches = _loader_batches(data.DataLoader(data.TensorDataset(x, y), batch_size=4))
    assert [len(b[1]) for b in batches] == [4, 4, 2]
    np.testing.assert_array_equal(np.concatenate([b[1] for b in batches]), y)
    assert batches[0][0].dtype == np.float32 and batches[0][1].dtype == np.int64


def test_drop_last_and_len():
    ds = data.TensorDataset(np.zeros((10, 1)), np.zeros(10, np.int32))
    loader = data.DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2 and [len(b[1]) for b in _loader_batches(loader)] == [4, 4]
    assert len(data.DataLoader(ds, batch_size=4)) == 3


def test_shuffling_is_seeded_per_epoch_and_leaves_global_rng_alone():
    ds = data.TensorDataset(np.arange(50.0)[:, None], np.arange(50))
    state = np.random.get_state()[1].copy()
    a = data.DataLoader(ds, batch_size=7, shuffle=True, seed=3)
    b = data.DataLoader(ds, batch_size=7, shuffle=True, seed=3)
    e0a, e1a = [np.concatenate([y for _, y in _loader_batches(a)]) for _ in range(2)]
    e0b = np.concatenate([y for _, y in _loader_batches(b)])
    np.testing.assert_array_equal(e0a, e0b)
    assert sorted(e0a) == list(range(50)) and not np.array_equal(e0a, e1a)
    b.set_epoch(1)
    np.testing.assert_array_equal(np.concatenate([y for _, y in _loader_batches(b)]), e1a)
    c = data.DataLoader(ds, batch_size=7, shuffle=True, seed=4)
    assert not np.array_equal(np.concatenate([y for _, y in _loader_batches(c)]), e0a)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


def test_dataset_and_loader_errors():
    with pytest.raises(ValueError, match="same first dimension"):
        data.TensorDataset(np.zeros((3, 2)), np.zeros(4))
    ds = data.TensorDataset(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="batch_size"):
        data.DataLoader(ds, batch_size=0)
    with pytest.raises(TypeError, match="Dataset"):
        data.DataLoader([1, 2, 3])


def test_generic_dataset_batches_by_stacking():
    class Squares(data.Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i * i], np.float32), i

    (x, y), = _loader_batches(data.DataLoader(Squares(), batch_size=5))
    np.testing.assert_array_equal(x[:, 0], [0, 1, 4, 9, 16])
    np.testing.assert_array_equal(y, np.arange(5))


# -- MNIST-1D --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def mnist1d_cache(tmp_path_factory):
    return str(tmp_path_factory.mktemp("cache"))


def test_mnist1d_equals_the_package_defaults_and_is_cached(mnist1d_cache, monkeypatch):
    from mnist1d.data import get_dataset_args, make_dataset
    np_state, py_state = np.random.get_state()[1].copy(), random.getstate()
    x, y, xt, yt = data.load_mnist1d(cache=mnist1d_cache)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)
    assert random.getstate() == py_state
    assert x.shape == (4000, 1, 40) and xt.shape == (1000, 1, 40)
    assert y.dtype == np.int64 and set(np.unique(y)) == set(range(10))
    ref = make_dataset(get_dataset_args())
    np.testing.assert_allclose(x[:, 0], ref["x"], rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(yt, ref["y_test"])
    files = os.listdir(mnist1d_cache)
    assert len(files) == 1 and files[0].endswith(".npz")
    monkeypatch.setattr(mnist1d_module, "_generate", lambda args: pytest.fail("regenerated"))
    x2, *_ = data.load_mnist1d(cache=mnist1d_cache)
    np.testing.assert_array_equal(x2, x)


def test_mnist1d_rebuilds_a_damaged_cache(mnist1d_cache):
    path = os.path.join(mnist1d_cache, os.listdir(mnist1d_cache)[0])
    good = data.load_mnist1d(cache=mnist1d_cache)[0]
    with open(path, "r+b") as f:
        f.truncate(100)
    np.testing.assert_array_equal(data.load_mnist1d(cache=mnist1d_cache)[0], good)


def test_cache_dir_follows_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("FREQNET_CACHE", str(tmp_path / "c"))
    assert data.cache_dir("x") == str(tmp_path / "c" / "x") and (tmp_path / "c" / "x").is_dir()


# -- IDX / MNIST -------------------------------------------------------------------------

def idx_bytes(array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(">u1" if code == 0x08 else ">i4").tobytes()


def write_mnist(directory, n=5, gz=True, split="train", rows=4):
    rng = np.random.default_rng(n)
    images = rng.integers(0, 256, size=(n, rows, rows), dtype=np.uint8)
    labels = rng.integers(0, 10, size=n, dtype=np.uint8)
    prefix = "train" if split == "train" else "t10k"
    os.makedirs(directory, exist_ok=True)
    for stem, arr in ((f"{prefix}-images-idx3-ubyte", images), (f"{prefix}-labels-idx1-ubyte", labels)):
        raw = idx_bytes(arr)
        name = stem + (".gz" if gz else "")
        with open(os.path.join(directory, name), "wb") as f:
            f.write(gzip.compress(raw) if gz else raw)
    return images, labels


@pytest.mark.parametrize("gz", [True, False])
def test_load_mnist_reads_idx_files(tmp_path, gz):
    images, labels = write_mnist(tmp_path, n=6, gz=gz, split="test")
    got_images, got_labels = data.load_mnist(tmp_path, "test")
    np.testing.assert_array_equal(got_images, images)
    np.testing.assert_array_equal(got_labels, labels)
    assert got_labels.dtype == np.int64


def test_read_idx_other_types(tmp_path):
    arr = np.arange(-3, 3, dtype=np.int32).reshape(2, 3)
    path = tmp_path / "a.idx"
    path.write_bytes(idx_bytes(arr, code=0x0C))
    np.testing.assert_array_equal(data.read_idx(path), arr)


@pytest.mark.parametrize("damage,message", [
    (lambda raw: b"\x08\x03" + raw[2:], "bad magic"),
    (lambda raw: raw[:-7], "truncated"),
    (lambda raw: raw[:6], "truncated header"),
    (lambda raw: raw + b"\x00", "too long"),
    (lambda raw: raw[:2], "too short"),
])
@pytest.mark.parametrize("gz", [True, False])
def test_corrupt_idx_files_fail_clearly(tmp_path, damage, message, gz):
    write_mnist(tmp_path, gz=False)
    path = tmp_path / "train-images-idx3-ubyte"
    raw = damage(path.read_bytes())
    path.unlink()
    target = tmp_path / ("train-images-idx3-ubyte.gz" if gz else "train-images-idx3-ubyte")
    target.write_bytes(gzip.compress(raw) if gz else raw)
    with pytest.raises(data.IDXError, match=message) as info:
        data.load_mnist(tmp_path, "train")
    assert "train-images-idx3-ubyte" in str(info.value)


def test_truncated_gzip_fails_clearly(tmp_path):
    write_mnist(tmp_path)
    path = tmp_path / "train-labels-idx1-ubyte.gz"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(data.IDXError, match="corrupt or truncated gzip"):
        data.load_mnist(tmp_path)


def test_mismatched_counts_and_bad_labels(tmp_path):
    write_mnist(tmp_path, n=5)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.zeros(4, np.uint8))))
    with pytest.raises(data.IDXError, match="5 images but .* 4 labels"):
        data.load_mnist(tmp_path)
    (tmp_path / "train-labels-idx1-ubyte.gz").write_bytes(
        gzip.compress(idx_bytes(np.full(5, 12, np.uint8))))
    with pytest.raises(data.IDXError, match="0..9"):
        data.load_mnist(tmp_path)


def test_missing_files_say_where_to_put_what(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path / "nowhere", "train")
    text = str(info.value)
    assert str(tmp_path / "nowhere") in text and "train-images-idx3-ubyte" in text
    write_mnist(tmp_path, split="test")
    with pytest.raises(FileNotFoundError) as info:
        data.load_mnist(tmp_path, "train")
    assert str(tmp_path / "train-labels-idx1-ubyte") in str(info.value)


def test_download_offline_fails_with_where_to_put_the_files(tmp_path):
    target = tmp_path / "mnist"
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(target, "test", download=True, url="http://127.0.0.1:9/mnist/", timeout=2)
    text = str(info.value)
    assert "http://127.0.0.1:9/mnist/t10k-images-idx3-ubyte.gz" in text
    assert str(target) in text and "t10k-labels-idx1-ubyte" in text
    assert not any(p.name.startswith("t10k") for p in target.iterdir())


def test_download_verifies_checksum(tmp_path, monkeypatch):
    import io
    import urllib.request
    payload = gzip.compress(idx_bytes(np.zeros(3, np.uint8)))
    monkeypatch.setattr(urllib.request, "urlopen", lambda url, timeout: io.BytesIO(payload))
    with pytest.raises(data.DownloadError, match="md5 checksum"):
        data.download_mnist(tmp_path, ["t10k-labels-idx1-ubyte"])
    with pytest.raises(data.DownloadError, match="sha256 checksum"):
        data.download_mnist(tmp_path, ["t10k-labels-idx1-ubyte"],
                            checksums={"t10k-labels-idx1-ubyte": "sha256:" + "0" * 64})
    assert not (tmp_path / "t10k-labels-idx1-ubyte.gz").exists()
    import hashlib
    data.download_mnist(tmp_path, ["t10k-labels-idx1-ubyte"],
                        checksums={"t10k-labels-idx1-ubyte": hashlib.md5(payload).hexdigest()})
    assert (tmp_path / "t10k-labels-idx1-ubyte.gz").read_bytes() == payload
    os.remove(tmp_path / "t10k-labels-idx1-ubyte.gz")
    sha = "sha256:" + hashlib.sha256(payload).hexdigest()
    data.download_mnist(tmp_path, ["t10k-labels-idx1-ubyte"], checksums={"t10k-labels-idx1-ubyte": sha})
    np.testing.assert_array_equal(data.read_idx(tmp_path / "t10k-labels-idx1-ubyte.gz"), np.zeros(3))


def test_download_defaults_to_the_user_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("FREQNET_CACHE", str(tmp_path))
    with pytest.raises(data.DownloadError) as info:
        data.load_mnist(None, "test", download=True, url="http://127.0.0.1:9/", timeout=2)
    assert str(tmp_path / "mnist") in str(info.value)


def test_mnist_test_split_is_disjoint_and_normalised(tmp_path):
    images, labels = write_mnist(tmp_path, n=20, split="test")
    x, y, xt, yt = data.load_dataset("mnist", data_dir=tmp_path, test_split=15)
    assert x.shape == (15, 1, 4, 4) and xt.shape == (5, 1, 4, 4)
    raw = np.concatenate([x, xt])[:, 0] * 0.3081 + 0.1307
    got = np.round(raw * 255).astype(np.uint8)
    assert sorted(map(bytes, got)) == sorted(map(bytes, images))


@pytest.mark.slow
def test_official_t10k_files_if_present():
    directory = official_mnist_dir()
    if not os.path.exists(os.path.join(directory, "t10k-images-idx3-ubyte.gz")):
        pytest.skip(f"the official t10k files are not in {directory} (set FREQNET_MNIST_DIR)")
    images, labels = data.load_mnist(directory, "test")
    assert images.shape == (10000, 28, 28) and np.bincount(labels).min() > 800


def test_gratings_are_seeded_and_balanced():
    x, y = data.make_gratings(400, size=12, seed=5)
    x2, y2 = data.make_gratings(400, size=12, seed=5)
    np.testing.assert_array_equal(x, x2)
    assert x.shape == (400, 1, 12, 12) and x.dtype == np.float32
    assert set(np.unique(y)) == set(range(10))
    assert not np.array_equal(data.make_gratings(400, size=12, seed=6)[0], x)
