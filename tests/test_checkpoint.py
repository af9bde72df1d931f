"""Checkpoints: round trip, atomic writes, tamper/truncation detection, no pickle."""
import os
import zipfile

import numpy as np
import pytest

import freqnet
from freqnet import backend, optim
from freqnet.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from freqnet.nn import Module, Parameter


class Tiny(Module):
    def __init__(self, seed=0):
        super().__init__()
        rng = np.random.default_rng(seed)
        self.w = Parameter(rng.standard_normal((3, 2)).astype(np.float32))
        self.z = Parameter((rng.standard_normal(4) + 1j * rng.standard_normal(4)).astype(np.complex64))
        self.register_buffer("running", rng.standard_normal(2).astype(np.float32))


def trained(seed=0, steps=3):
    model = Tiny(seed)
    opt = optim.Adam(model.named_parameters(), lr=0.1)
    sched = optim.CosineAnnealingLR(opt, 10)
    rng = np.random.default_rng(seed + 100)
    for _ in range(steps):
        for p in model.parameters():
            g = rng.standard_normal(p.shape)
            if p.is_complex:
                g = g + 1j * rng.standard_normal(p.shape)
            p.grad = freqnet.tensor(g.astype(p.dtype))
        opt.step()
        sched.step()
    return model, opt, sched


def test_round_trip_restores_everything(tmp_path):
    model, opt, sched = trained()
    np.random.seed(7)
    path = save_checkpoint(tmp_path / "c.npz", model, opt, sched, epoch=4,
                           history=[{"loss": 1.5}], config={"model": "tiny"})
    expected_draw = np.random.standard_normal(3)
    np.random.seed(99)
    fresh, fresh_opt = Tiny(seed=5), None
    fresh_opt = optim.Adam(fresh.named_parameters(), lr=0.1)
    fresh_sched = optim.CosineAnnealingLR(fresh_opt, 10)
    ckpt = load_checkpoint(path).restore(fresh, fresh_opt, fresh_sched)
    np.testing.assert_array_equal(np.random.standard_normal(3), expected_draw)
    assert ckpt.epoch == 4 and ckpt.history == [{"loss": 1.5}] and ckpt.config == {"model": "tiny"}
    for (k, a), (_, b) in zip(model.state_dict().items(), fresh.state_dict().items()):
        np.testing.assert_array_equal(a, b)
        assert a.dtype == b.dtype, k
    assert fresh_sched.get_last_lr() == sched.get_last_lr()
    for key in ("w", "z"):
        for field in ("exp_avg", "exp_avg_sq"):
            np.testing.assert_array_equal(backend.to_numpy(fresh_opt.state[key][field]),
                                          backend.to_numpy(opt.state[key][field]))
        assert fresh_opt.state[key]["step"] == 3
    # one more identical step on both gives identical weights
    for m, o in ((model, opt), (fresh, fresh_opt)):
        for p in m.parameters():
            p.grad = freqnet.tensor(np.ones(p.shape, p.dtype))
        o.step()
    np.testing.assert_array_equal(model.z.numpy(), fresh.z.numpy())


def test_a_crash_mid_write_leaves_the_previous_checkpoint(tmp_path, monkeypatch):
    model, opt, sched = trained()
    path = tmp_path / "last.npz"
    save_checkpoint(path, model, opt, sched, epoch=0)
    before = path.read_bytes()

    def crash(f, **arrays):
        f.write(b"PK\x03\x04 partial")
        raise KeyboardInterrupt("killed mid-write")

    monkeypatch.setattr(np, "savez", crash)
    model.w.data = model.w.data + 1
    with pytest.raises(KeyboardInterrupt):
        save_checkpoint(path, model, opt, sched, epoch=1)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["last.npz"]          # no temp file left behind
    monkeypatch.undo()
    assert load_checkpoint(path).epoch == 0


def test_truncated_file_fails_clearly(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", *trained(), epoch=0)
    raw = open(path, "rb").read()
    for cut in (10, len(raw) // 2, len(raw) - 30):
        bad = tmp_path / f"cut{cut}.npz"
        bad.write_bytes(raw[:cut])
        with pytest.raises(CheckpointError, match="truncated or corrupt"):
            load_checkpoint(bad)


def _rewrite(path, out, change):
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    change(arrays)
    np.savez(out, **arrays)
    return out


def test_tampered_array_or_metadata_fails_the_checksum(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", *trained(), epoch=0)

    def bump_weight(a):
        a["model/w"] = a["model/w"] + np.float32(1e-3)

    def change_epoch(a):
        a["__meta__"] = np.frombuffer(a["__meta__"].tobytes().replace(b'"epoch": 0', b'"epoch": 9'),
                                      np.uint8)

    def add_array(a):
        a["model/extra"] = np.zeros(2)

    for change in (bump_weight, change_epoch, add_array):
        bad = _rewrite(path, tmp_path / f"{change.__name__}.npz", change)
        with pytest.raises(CheckpointError, match="checksum mismatch"):
            load_checkpoint(bad)


def test_flipped_byte_in_the_zip_is_detected(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", *trained(), epoch=0)
    raw = bytearray(open(path, "rb").read())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("model/w.npy")
    raw[info.header_offset + 30 + len(info.filename) + info.file_size - 1] ^= 0xFF
    bad = tmp_path / "flip.npz"
    bad.write_bytes(bytes(raw))
    with pytest.raises(CheckpointError):
        load_checkpoint(bad)


class Payload:
    """Unpickling this would create a file: proof that loading never unpickles."""

    marker = None

    def __reduce__(self):
        return (open, (Payload.marker, "w"))


def test_object_arrays_are_rejected_without_unpickling(tmp_path):
    path = save_checkpoint(tmp_path / "c.npz", *trained(), epoch=0)
    Payload.marker = str(tmp_path / "pwned")
    evil = np.empty(1, dtype=object)
    evil[0] = Payload()

    def inject(a):
        a["model/w"] = evil

    bad = tmp_path / "evil.npz"
    with np.load(path, allow_pickle=False) as f:
        arrays = {k: f[k] for k in f.files}
    inject(arrays)
    np.savez(bad, **arrays)          # numpy pickles the object array here
    assert not os.path.exists(Payload.marker)
    with pytest.raises(CheckpointError, match="pickle"):
        load_checkpoint(bad)
    assert not os.path.exists(Payload.marker)


def test_not_a_checkpoint_and_missing_file(tmp_path):
    np.savez(tmp_path / "plain.npz", a=np.zeros(2))
    with pytest.raises(CheckpointError, match="not a freqnet checkpoint"):
        load_checkpoint(tmp_path / "plain.npz")
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.npz")


def test_a_directory_an_npy_file_or_text_fails_clearly(tmp_path):
    with pytest.raises(CheckpointError, match="is a directory"):
        load_checkpoint(tmp_path)
    np.save(tmp_path / "array.npy", np.zeros(3))
    (tmp_path / "text.npz").write_text("hello\n")
    for bad in (tmp_path / "array.npy", tmp_path / "text.npz"):
        with pytest.raises(CheckpointError, match="not an .npz zip archive"):
            load_checkpoint(bad)


def test_restoring_into_a_different_model_is_a_checkpoint_error(tmp_path):
    import numpy as np
    import pytest
    from freqnet import nn
    from freqnet.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
    save_checkpoint(tmp_path / "c.npz", nn.Linear(3, 2), epoch=1)
    with pytest.raises(CheckpointError, match=r"different model.*weight.*\(2, 3\).*\(2, 4\)"):
        load_checkpoint(tmp_path / "c.npz").restore(nn.Linear(4, 2), rng=False)
    with pytest.raises(CheckpointError, match="different model.*missing"):
        load_checkpoint(tmp_path / "c.npz").restore(nn.Sequential(nn.Linear(3, 2)), rng=False)


def test_a_killed_writers_temporary_is_removed_by_the_next_save(tmp_path):
    import os
    import time
    from freqnet.atomic import STALE_AFTER_S, atomic_open
    target = tmp_path / "last.npz"
    stale = tmp_path / ".last.npz.abc123.tmp"       # what a SIGKILL mid-write leaves
    fresh = tmp_path / ".last.npz.def456.tmp"       # a writer that may still be running
    other = tmp_path / ".other.npz.abc123.tmp"
    for f in (stale, fresh, other):
        f.write_bytes(b"partial")
    old = time.time() - STALE_AFTER_S - 5
    os.utime(stale, (old, old))
    os.utime(other, (old, old))
    with atomic_open(target) as f:
        f.write(b"complete")
    assert target.read_bytes() == b"complete"
    assert not stale.exists() and fresh.exists() and other.exists()
