"""What people read: train's summary line and --summary table, evaluation progress."""
import json
import os
import subprocess
import sys

from freqnet.cli import main

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TINY = ["--dataset", "synthetic", "--limit", "64", "--width", "4", "--depth", "1",
        "--kernel-size", "3", "--batch-size", "16", "--no-progress"]


def test_train_ends_with_a_human_line_before_its_json(capsys):
    assert main(["train", *TINY, "--epochs", "1"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    result = json.loads(lines[-1])
    human = lines[-2]
    assert human.startswith("test accuracy ") and f"{result['test_accuracy']:.4f}" in human
    assert f"on {result['test_samples']} samples" in human


def test_train_summary_prints_the_layer_table_before_training(capsys):
    assert main(["train", *TINY, "--epochs", "1", "--summary"]) == 0
    out = capsys.readouterr().out
    table = out[:out.index("epoch 1/1")]
    for text in ("SpectralConv2d", "ToSpectrum", "SpectralLinear", "inv f/b", "spectrum",
                 "inverse"):
        assert text in table, text


def test_evaluate_shows_progress_on_a_terminal(tmp_path, capsys, monkeypatch):
    ck = tmp_path / "ck"
    assert main(["train", *TINY, "--epochs", "1", "--checkpoint-dir", str(ck)]) == 0
    capsys.readouterr()
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert main(["evaluate", str(ck / "last.npz")]) == 0
    assert "eval" in capsys.readouterr().err
    assert main(["evaluate", str(ck / "last.npz"), "--no-progress"]) == 0
    assert "eval" not in capsys.readouterr().err


def _demo(args, env_extra=None):
    env = {**os.environ, "MPLBACKEND": "Agg", **(env_extra or {})}
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=300,
                          cwd=ROOT, env=env)


def test_plot_training_checks_its_folder_before_training(tmp_path):
    (tmp_path / "afile").write_text("")
    out = _demo([os.path.join("demos", "plot_training.py"), str(tmp_path / "afile"),
                 "--dataset", "synthetic", "--epochs", "1", "--limit", "32", "--no-progress"])
    assert out.returncode != 0 and "OUT_DIR" in out.stderr and "is a file" in out.stderr
    assert "epoch 1" not in out.stdout and "Traceback" not in out.stderr


def test_theory_plots_folder_is_checked_before_the_claims_run(tmp_path):
    (tmp_path / "afile").write_text("")
    out = _demo(["-m", "freqnet.theory", "--claim", "5", "--quick", "--plots",
                 str(tmp_path / "afile")])
    assert out.returncode != 0 and "--plots" in out.stderr and "claim 5" not in out.stdout
