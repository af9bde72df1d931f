"""python -m freqnet: --help, bad arguments, train -> checkpoint -> evaluate."""
import json
import os
import subprocess
import sys

import pytest

from freqnet.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--dataset", "synthetic", "--limit", "64", "--width", "4", "--depth", "1",
        "--kernel-size", "3", "--batch-size", "16", "--no-progress"]


def _json_last_line(text):
    return json.loads(text.strip().splitlines()[-1])


def test_help_works_as_a_module():
    out = subprocess.run([sys.executable, "-m", "freqnet", "--help"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 0 and "train" in out.stdout and "evaluate" in out.stdout
    out = subprocess.run([sys.executable, "-m", "freqnet", "train", "--help"], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert out.returncode == 0
    for option in ("--dataset", "--activation", "--domain", "--resume", "--checkpoint-dir"):
        assert option in out.stdout


@pytest.mark.parametrize("argv,message", [
    ([], "required"),
    (["train", "--epochs", "-1"], "--epochs: expected an integer >= 0, got -1"),
    (["train", "--lr", "abc"], "--lr: expected a positive number, got 'abc'"),
    (["train", "--dataset", "cifar"], "invalid choice: 'cifar'"),
    (["train", "--activation", "softplus"], "invalid choice: 'softplus'"),
    (["train", "--resume"], "--resume needs --checkpoint-dir"),
    (["train", "--train-from-test-split", "100"], "applies to --dataset mnist only"),
])
def test_bad_arguments_fail_clearly(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code not in (0, None)
    err = capsys.readouterr().err + str(info.value.code)
    assert message in err


def test_mnist_without_data_dir_and_missing_files(tmp_path, capsys):
    assert main(["train", "--dataset", "mnist", "--epochs", "1"]) == 1
    assert "--data-dir" in capsys.readouterr().err
    assert main(["train", "--dataset", "mnist", "--data-dir", str(tmp_path), "--epochs", "1"]) == 1
    err = capsys.readouterr().err
    assert str(tmp_path) in err and "train-images-idx3-ubyte" in err


def test_train_writes_a_checkpoint_that_evaluate_reproduces(tmp_path, capsys):
    ckpt_dir = tmp_path / "ck"
    assert main(["train", *TINY, "--epochs", "2", "--checkpoint-dir", str(ckpt_dir)]) == 0
    out = capsys.readouterr().out
    result = _json_last_line(out)
    assert "epoch 2/2" in out and 0 <= result["test_accuracy"] <= 1
    assert result["inverse_transforms_per_step"] > 0 and result["seconds"] > 0
    assert main(["evaluate", str(ckpt_dir / "last.npz")]) == 0
    evaluated = _json_last_line(capsys.readouterr().out)
    assert evaluated["test_accuracy"] == result["test_accuracy"] and evaluated["epoch"] == 2
    # resuming a finished run trains nothing more and gives the same result
    assert main(["train", *TINY, "--epochs", "2", "--checkpoint-dir", str(ckpt_dir), "--resume"]) == 0
    out = capsys.readouterr().out
    assert "resumed" in out and _json_last_line(out)["test_accuracy"] == result["test_accuracy"]


def test_evaluate_a_corrupt_checkpoint_fails_clearly(tmp_path, capsys):
    bad = tmp_path / "bad.npz"
    bad.write_bytes(b"PK\x03\x04 not really")
    assert main(["evaluate", str(bad)]) == 1
    assert "truncated or corrupt" in capsys.readouterr().err


def test_resume_with_another_model_or_dataset_fails_clearly(tmp_path, capsys):
    ckpt_dir = str(tmp_path / "ck")
    assert main(["train", *TINY, "--epochs", "1", "--checkpoint-dir", ckpt_dir]) == 0
    capsys.readouterr()
    for change, said in ((["--width", "6"], "--width 4, this run asks for --width 6"),
                         (["--depth", "2"], "--depth 1, this run asks for --depth 2"),
                         (["--dataset", "mnist1d"], "--dataset synthetic, this run asks for "
                                                    "--dataset mnist1d")):
        argv = ["train", *TINY, *change, "--epochs", "2", "--checkpoint-dir", ckpt_dir, "--resume"]
        assert main(argv) == 1
        err = capsys.readouterr().err
        assert "cannot resume" in err and said in err


def test_ctrl_c_says_where_the_checkpoint_is_instead_of_a_traceback(tmp_path, capsys, monkeypatch):
    import freqnet.experiment

    def interrupted(**config):
        raise KeyboardInterrupt

    monkeypatch.setattr(freqnet.experiment, "run", interrupted)
    assert main(["train", *TINY, "--checkpoint-dir", str(tmp_path)]) == 130
    err = capsys.readouterr().err
    assert err.startswith("interrupted") and str(tmp_path) in err and "--resume" in err


def _idx(array):
    import struct
    return bytes([0, 0, 8, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape) + array.tobytes()


def test_evaluate_after_the_data_moved_points_to_data_dir(tmp_path, capsys):
    import numpy as np
    data = tmp_path / "mnist"
    data.mkdir()
    rng = np.random.default_rng(0)
    (data / "t10k-images-idx3-ubyte").write_bytes(_idx(rng.integers(0, 256, (40, 28, 28), np.uint8)))
    (data / "t10k-labels-idx1-ubyte").write_bytes(_idx(rng.integers(0, 10, 40, np.uint8)))
    ckpt_dir = tmp_path / "ck"
    assert main(["train", "--dataset", "mnist", "--data-dir", str(data), "--pad", "4",
                 "--train-from-test-split", "30", "--width", "2", "--epochs", "1", "--no-progress",
                 "--checkpoint-dir", str(ckpt_dir)]) == 0
    capsys.readouterr()
    moved = data.rename(tmp_path / "moved")
    assert main(["evaluate", str(ckpt_dir / "last.npz")]) == 1
    assert "give its directory with --data-dir" in capsys.readouterr().err
    assert main(["evaluate", str(ckpt_dir / "last.npz"), "--data-dir", str(moved)]) == 0
    assert _json_last_line(capsys.readouterr().out)["test_samples"] == 10
