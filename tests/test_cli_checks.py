"""No silent or late failures: output folders checked before work, options that would be
ignored refused or explained, killed writers' temporaries removed, one-line errors."""
import os
import subprocess
import sys

import numpy as np
import pytest

from freqnet import data, optim
from freqnet.cli import main
from freqnet.models import FrequencyCNN
from freqnet.train import DivergedLossError, fit

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--dataset", "synthetic", "--limit", "64", "--width", "4", "--depth", "1",
        "--kernel-size", "3", "--batch-size", "16", "--no-progress"]


def _run(argv, capsys):
    code = main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


# -- fail before work ------------------------------------------------------------

def test_a_file_given_as_checkpoint_dir_fails_before_the_first_epoch(tmp_path, capsys):
    (tmp_path / "afile").write_text("mine")
    code, out, err = _run(["train", *TINY, "--epochs", "1", "--checkpoint-dir",
                           str(tmp_path / "afile")], capsys)
    assert code == 1 and "--checkpoint-dir" in err and "is a file" in err
    assert "epoch 1" not in out and (tmp_path / "afile").read_text() == "mine"
    code, out, err = _run(["train", *TINY, "--epochs", "1", "--checkpoint-dir",
                           str(tmp_path / "afile" / "sub")], capsys)
    assert code == 1 and "--checkpoint-dir" in err and "cannot write" in err
    assert "epoch 1" not in out


def test_an_unusable_freqnet_cache_is_named_before_any_work(tmp_path, capsys, monkeypatch):
    (tmp_path / "afile").write_text("")
    monkeypatch.setenv("FREQNET_CACHE", str(tmp_path / "afile"))
    code, out, err = _run(["train", "--dataset", "mnist1d", "--epochs", "1", "--no-progress"],
                          capsys)
    assert code == 1 and "FREQNET_CACHE" in err and "epoch 1" not in out


def test_killed_writers_temporaries_are_removed_at_the_next_start(tmp_path, capsys):
    ck = tmp_path / "ck"
    ck.mkdir()
    left = ck / ".last.npz.k1ll3d.tmp"         # as a SIGKILL mid-write leaves it (fresh)
    left.write_bytes(b"\0" * 1000)
    other = ck / "notes.txt"
    other.write_text("keep")
    code, out, err = _run(["train", *TINY, "--epochs", "1", "--checkpoint-dir", str(ck)], capsys)
    assert code == 0 and not left.exists() and other.read_text() == "keep"
    assert (ck / "last.npz").exists()


def test_a_wrong_backend_is_one_line_not_a_traceback():
    env = {**os.environ, "FREQNET_BACKEND": "tpu"}
    out = subprocess.run([sys.executable, "-m", "freqnet", "train", "--epochs", "0"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode != 0 and "Traceback" not in out.stderr
    assert out.stderr.strip().splitlines() == [out.stderr.strip()]
    assert "FREQNET_BACKEND='tpu'" in out.stderr and "numpy" in out.stderr


# -- no option silently ignored ---------------------------------------------------------

def test_resume_on_an_empty_folder_says_it_starts_fresh(tmp_path, capsys):
    code, out, _ = _run(["train", *TINY, "--epochs", "1", "--checkpoint-dir",
                         str(tmp_path / "typo"), "--resume"], capsys)
    assert code == 0 and "starting a fresh run" in out and str(tmp_path / "typo") in out


def test_resume_says_which_lr_wins_and_when_the_run_is_complete(tmp_path, capsys):
    ck = str(tmp_path / "ck")
    assert main(["train", *TINY, "--epochs", "1", "--checkpoint-dir", ck]) == 0
    capsys.readouterr()
    code, out, _ = _run(["train", *TINY, "--epochs", "2", "--lr", "0.01", "--checkpoint-dir",
                         ck, "--resume"], capsys)
    assert code == 0 and "--lr 0.003" in out and "wins" in out and "--lr 0.01 is not used" in out
    code, out, _ = _run(["train", *TINY, "--epochs", "2", "--checkpoint-dir", ck, "--resume"],
                        capsys)
    assert code == 0 and "already trained 2 epochs" in out and "run is complete" in out
    assert "epoch 2/2  loss" not in out          # no epoch trained again


@pytest.mark.parametrize("argv,said", [
    (["--modes", "4"], "--modes 4 applies to --conv spectral only"),
    (["--warmup", "3", "--epochs", "2"], "--warmup 3 is longer than the run (--epochs 2)"),
    (["--depth", "9", "--kernel-size", "3"], "depth 9 is too deep"),
    (["--max-loss", "0.01", "--epochs", "1"], "diverged"),
    (["--knots", "3"], "--knots 3 applies to --conv smooth only"),
    (["--alias-free"], "--alias-free applies to --activation bandpoly only"),
    (["--activation", "bandpoly", "--band-limit"], "--band-limit computes the bins a spectral "
                                                   "pooling after the activation keeps"),
    (["--activation", "bandpoly", "--poly-radius", "auto"], "needs a numeric poly_radius"),
])
def test_ignored_or_impossible_options_are_errors(argv, said, capsys):
    code, out, err = _run(["train", *TINY, *argv], capsys)
    assert code == 1 and said in err, err
    assert "kernel of size" not in err


def test_a_negative_seed_names_the_flag(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--seed", "-1"])
    assert info.value.code == 2
    assert "--seed: expected an integer in [0, 2**32), got -1" in capsys.readouterr().err


def test_a_diverging_loss_stops_training():
    x, y = data.make_gratings(32, size=8, seed=1)
    loader = data.DataLoader(data.TensorDataset(x, y), 16)
    model = FrequencyCNN((1, 8, 8), width=2, depth=1, kernel_size=3)
    opt = optim.SGD(model.named_parameters(), lr=0.0)
    from freqnet.nn.functional import cross_entropy

    def huge(logits, target):                 # finite but diverged: 1e14 times the loss
        return cross_entropy(logits, target) * 1e14

    with pytest.raises(DivergedLossError, match=r"epoch 1, step 1 .*diverged"):
        fit(model, opt, loader, 1, loss_fn=huge, log=None, progress=False)
    history = fit(model, opt, loader, 1, loss_fn=huge, log=None, progress=False, max_loss=None)
    assert np.isfinite(history[0]["loss"])
