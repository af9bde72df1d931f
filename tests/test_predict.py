"""A trained model in a user's hands: predict, load_model, evaluate without training files."""
import json
import os
import struct

import numpy as np
import pytest

import freqnet
from freqnet.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from freqnet.cli import main
from freqnet.data import load_test_set

TINY = ["--dataset", "synthetic", "--limit", "64", "--width", "4", "--depth", "1",
        "--kernel-size", "3", "--batch-size", "16", "--no-progress"]


def _json_last_line(text):
    return json.loads(text.strip().splitlines()[-1])


def _idx(array):
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


@pytest.fixture
def trained(tmp_path, capsys):
    ckpt_dir = tmp_path / "ck"
    assert main(["train", *TINY, "--epochs", "1", "--checkpoint-dir", str(ckpt_dir)]) == 0
    result = _json_last_line(capsys.readouterr().out)
    return ckpt_dir / "last.npz", result


def test_predict_round_trips_with_evaluate(trained, tmp_path, capsys):
    ckpt, result = trained
    xt, yt = load_test_set("synthetic", limit=64)
    np.save(tmp_path / "held_out.npy", xt)
    out = tmp_path / "pred.npz"
    assert main(["predict", str(ckpt), str(tmp_path / "held_out.npy"), "--out", str(out),
                 "--no-progress"]) == 0
    assert _json_last_line(capsys.readouterr().out)["samples"] == len(xt)
    with np.load(out) as f:
        classes, probabilities = f["classes"], f["probabilities"]
    assert probabilities.shape == (len(xt), 10)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(classes, probabilities.argmax(axis=1))
    assert main(["evaluate", str(ckpt), "--no-progress"]) == 0
    evaluated = _json_last_line(capsys.readouterr().out)
    assert evaluated["test_samples"] == len(yt)
    assert np.mean(classes == yt) == evaluated["test_accuracy"] == result["test_accuracy"]
    # the same classes as the restored model applied by hand
    model = freqnet.load_model(ckpt)
    assert not model.training and model.input_shape == (1, 16, 16)
    np.testing.assert_array_equal(model(freqnet.tensor(xt)).numpy().argmax(axis=1), classes)
    # CSV on stdout without --out: a header and one line per sample
    np.savez(tmp_path / "held_out.npz", x=xt[:5], y=yt[:5])
    assert main(["predict", str(ckpt), str(tmp_path / "held_out.npz"), "--no-progress"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("index,class,p0") and len(lines) == 6
    assert [int(line.split(",")[1]) for line in lines[1:]] == classes[:5].tolist()


def test_predict_refuses_bad_inputs_before_any_work(trained, tmp_path, capsys):
    ckpt, _ = trained
    np.save(tmp_path / "small.npy", np.zeros((3, 1, 12, 12), np.float32))
    np.save(tmp_path / "complex.npy", np.zeros((3, 1, 16, 16), np.complex64))
    np.savez(tmp_path / "two.npz", a=np.zeros(3), b=np.zeros(3))
    for argv, said in (
            ([str(tmp_path / "missing.npy")], "does not exist"),
            ([str(tmp_path / "small.npy")], "got shape (3, 1, 12, 12)"),
            ([str(tmp_path / "complex.npy")], "complex64"),
            ([str(tmp_path / "two.npz")], "one named 'x'"),
            ([str(tmp_path / "small.npy"), "--out", str(tmp_path / "p.txt")], "--out"),
            ([str(tmp_path / "small.npy"), "--out", str(ckpt / "p.csv")], "--out")):
        assert main(["predict", str(ckpt), *argv, "--no-progress"]) == 1
        err = capsys.readouterr().err
        assert said in err, (argv, err)
    assert not os.path.exists(tmp_path / "p.txt")


def _write_mnist(directory, n, seed, splits=("t10k", "train")):
    rng = np.random.default_rng(seed)
    directory.mkdir(exist_ok=True)
    for split in splits:
        (directory / f"{split}-images-idx3-ubyte").write_bytes(
            _idx(rng.integers(0, 256, (n, 28, 28), np.uint8)))
        (directory / f"{split}-labels-idx1-ubyte").write_bytes(
            _idx(rng.integers(0, 10, n, np.uint8)))


def test_evaluate_and_predict_need_no_training_files(tmp_path, capsys, monkeypatch):
    data = tmp_path / "mnist"
    _write_mnist(data, 24, seed=1)
    monkeypatch.chdir(tmp_path)              # a relative --data-dir is stored absolute
    assert main(["train", "--dataset", "mnist", "--data-dir", "mnist", "--pad", "4", "--width",
                 "2", "--epochs", "1", "--no-progress", "--checkpoint-dir", "ck"]) == 0
    capsys.readouterr()
    ckpt = tmp_path / "ck" / "last.npz"
    assert load_checkpoint(ckpt).config["data_dir"] == str(data)
    for name in ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"):
        os.remove(data / name)
    monkeypatch.chdir(data)                  # elsewhere: "mnist" would not resolve here
    assert main(["evaluate", str(ckpt), "--no-progress"]) == 0
    evaluated = _json_last_line(capsys.readouterr().out)
    assert evaluated["test_samples"] == 24
    # predict reads the raw IDX images and normalises them as training did
    assert main(["predict", str(ckpt), str(data / "t10k-images-idx3-ubyte"),
                 "--out", str(tmp_path / "p.csv"), "--no-progress"]) == 0
    capsys.readouterr()
    rows = (tmp_path / "p.csv").read_text().strip().splitlines()[1:]
    classes = np.array([int(r.split(",")[1]) for r in rows])
    images = freqnet.data.read_idx(data / "t10k-images-idx3-ubyte")
    labels = freqnet.data.read_idx(data / "t10k-labels-idx1-ubyte")
    x = ((images / 255.0 - 0.1307) / 0.3081)[:, None].astype(np.float32)
    logits = freqnet.load_model(ckpt)(freqnet.tensor(x)).numpy()
    np.testing.assert_array_equal(classes, logits.argmax(axis=1))
    assert np.mean(classes == labels) == evaluated["test_accuracy"]


def test_an_old_checkpoint_without_the_input_shape_loads_with_a_warning(trained, tmp_path,
                                                                          monkeypatch):
    import freqnet.checkpoint
    ckpt, _ = trained
    model = freqnet.load_model(ckpt)
    old_path = tmp_path / "old.npz"
    with monkeypatch.context() as m:           # write what checkpoints held before
        m.setattr(freqnet.checkpoint, "_model_info", lambda model: {})
        save_checkpoint(old_path, model, config=load_checkpoint(ckpt).config)
    assert load_checkpoint(old_path).input_shape is None
    with pytest.warns(UserWarning, match=r"assuming synthetic's \(1, 16, 16\)"):
        again = freqnet.load_model(old_path)
    for (k, a), b in zip(model.state_dict().items(), again.state_dict().values()):
        np.testing.assert_array_equal(a, b, err_msg=k)


def test_a_checkpoint_without_config_says_how_to_load_it(tmp_path):
    from freqnet.models import FrequencyCNN
    path = save_checkpoint(tmp_path / "bare.npz", FrequencyCNN((1, 8), width=2, depth=1,
                                                                kernel_size=3))
    with pytest.raises(CheckpointError, match="restore"):
        freqnet.load_model(path)


def test_dataset_input_shapes_match_the_loaded_data():
    xt, _ = load_test_set("synthetic", limit=2)
    assert tuple(xt.shape[1:]) == freqnet.data.INPUT_SHAPES["synthetic"]
