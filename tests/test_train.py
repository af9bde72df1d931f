"""fit/evaluate: learning, NaN stop, determinism, resume after SIGKILL."""
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import freqnet
from freqnet import data, optim
from freqnet.models import FrequencyCNN
from freqnet.nn.functional import cross_entropy
from freqnet.train import NonFiniteLossError, evaluate, fit, seed_everything

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def setup(seed=0, n=128, dropout=0.0):
    x, y = data.make_gratings(n, size=8, seed=1)
    loader = data.DataLoader(data.TensorDataset(x, y), 16, shuffle=True, seed=seed)
    seed_everything(seed)
    model = FrequencyCNN((1, 8, 8), width=6, depth=1, kernel_size=3, dropout=dropout, seed=seed)
    opt = optim.Adam(model.named_parameters(), lr=0.02)
    return model, opt, loader


def test_fit_learns_and_records_history():
    model, opt, loader = setup()
    lines = []
    before = evaluate(model, loader)
    history = fit(model, opt, loader, 4, log=lines.append, progress=False)
    after = evaluate(model, loader)
    assert [h["epoch"] for h in history] == [1, 2, 3, 4] and len(lines) == 4
    assert "epoch 4/4" in lines[-1] and "acc" in lines[-1]
    assert history[-1]["loss"] < history[0]["loss"]
    assert after["loss"] < before["loss"] and after["accuracy"] > before["accuracy"]


def test_evaluate_matches_a_manual_count():
    model, opt, loader = setup()
    result = evaluate(model, loader)
    model.eval()
    with freqnet.no_grad():
        correct = sum(int((model(x).data.argmax(-1) == y.data).sum()) for x, y in loader)
    assert result["accuracy"] == correct / 128 and result["count"] == 128
    assert model.training is False          # evaluate restores the mode it found


def test_nan_loss_stops_with_epoch_and_step():
    model, opt, loader = setup()
    calls = [0]

    def loss_fn(logits, y):
        calls[0] += 1
        loss = cross_entropy(logits, y)
        return loss * float("nan") if calls[0] == len(loader) + 2 else loss

    with pytest.raises(NonFiniteLossError, match=r"nan at epoch 2, step 2 \(of 8\)"):
        fit(model, opt, loader, 3, loss_fn=loss_fn, log=None, progress=False)


def test_training_is_bit_for_bit_deterministic():
    results = []
    for _ in range(2):
        model, opt, loader = setup(dropout=0.3)
        fit(model, opt, loader, 2, log=None, progress=False)
        results.append(model.state_dict())
    for k in results[0]:
        np.testing.assert_array_equal(results[0][k], results[1][k], err_msg=k)


def test_resume_in_process_equals_uninterrupted(tmp_path):
    model, opt, loader = setup(dropout=0.3)
    sched = optim.StepLR(opt, 1, gamma=0.7)
    fit(model, opt, loader, 3, scheduler=sched, log=None, progress=False)
    a, b = tmp_path / "a", tmp_path / "b"
    m1, o1, l1 = setup(dropout=0.3)
    fit(m1, o1, l1, 2, scheduler=optim.StepLR(o1, 1, gamma=0.7), checkpoint_dir=a, log=None,
        progress=False)
    os.makedirs(b)
    os.replace(a / "last.npz", b / "last.npz")
    np.random.seed(1234)                      # the checkpoint restores the global RNG
    m2, o2, l2 = setup(seed=0, dropout=0.3)
    m2.net[-2].rng = np.random.default_rng(99)  # and the dropout generator
    lines = []
    history = fit(m2, o2, l2, 3, scheduler=optim.StepLR(o2, 1, gamma=0.7), checkpoint_dir=b,
                  resume=True, log=lines.append, progress=False)
    assert "resumed" in lines[0] and [h["epoch"] for h in history] == [1, 2, 3]
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(m2.state_dict()[k], v, err_msg=k)


def _script(*args, env=None):
    return [sys.executable, os.path.join(HERE, "_train_script.py"), *map(str, args)]


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted(tmp_path):
    env = {**os.environ, "PYTHONPATH": ROOT + os.pathsep + os.environ.get("PYTHONPATH", "")}
    subprocess.run(_script(tmp_path / "full", tmp_path / "full.npz", "fresh"), env=env,
                   check=True, timeout=120)
    stall = tmp_path / "stalled"
    proc = subprocess.Popen(_script(tmp_path / "run", tmp_path / "killed.npz", "fresh"),
                            env={**env, "FREQNET_TEST_STALL": str(stall)})
    try:
        deadline = time.time() + 120
        while not stall.exists():
            assert proc.poll() is None, "the run ended before stalling"
            assert time.time() < deadline, "the run never reached epoch 2"
            time.sleep(0.05)
        assert (tmp_path / "run" / "last.npz").exists()      # epoch 1 was checkpointed
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == -signal.SIGKILL and not (tmp_path / "killed.npz").exists()
    assert freqnet.checkpoint.load_checkpoint(tmp_path / "run" / "last.npz").epoch == 0
    subprocess.run(_script(tmp_path / "run", tmp_path / "resumed.npz", "resume"), env=env,
                   check=True, timeout=120)
    full, resumed = np.load(tmp_path / "full.npz"), np.load(tmp_path / "resumed.npz")
    assert set(full.files) == set(resumed.files)
    for k in full.files:
        np.testing.assert_array_equal(resumed[k], full[k], err_msg=k)
