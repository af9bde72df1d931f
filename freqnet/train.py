"""The training loop: ``fit`` and ``evaluate`` (DESIGN.md §2).

``fit`` runs epochs of forward, loss, backward and optimizer step, with a
tqdm bar (loss and accuracy), one log line per epoch and a metrics history.
It stops with :class:`NonFiniteLossError` on a NaN or inf loss, and with
:class:`DivergedLossError` on a loss above ``max_loss`` (default
:data:`DIVERGED_LOSS`, 1e8: no classification loss that is still training
gets there), naming the epoch and step. With ``checkpoint_dir`` it writes ``last.npz`` after every
epoch (atomically, :mod:`freqnet.checkpoint`); ``resume=True`` continues
from it. The data order of an epoch depends only on the loader's seed and
the epoch number, and the global RNG states are checkpointed, so a resumed
run ends with the same weights, bit for bit, as an uninterrupted one.

``distributed`` (a :class:`freqnet.distributed.DataParallel`) trains on
every MPI rank as one process at the same global batch: each rank takes its
share of every batch, gradients are averaged over the ranks before the
update, and only rank 0 shows progress, logs and writes checkpoints (the
number of processes is stored in them; a resume must use the same number).
"""
import math
import os
import sys
import time

from . import backend, profiler
from .autograd import no_grad
from .atomic import remove_temporaries
from .checkpoint import load_checkpoint, save_checkpoint
from .optim.clip import clip_grad_norm_
from .writable import check_writable_dir

CHECKPOINT_NAME = "last.npz"
#: a training loss above this has diverged (fit's ``max_loss`` default)
DIVERGED_LOSS = 1e8


class NonFiniteLossError(FloatingPointError):
    """The loss became NaN or infinite (or, as :class:`DivergedLossError`, diverged)."""


class DivergedLossError(NonFiniteLossError):
    """The loss exceeded fit's ``max_loss``."""


def _default_loss():
    from .nn.functional import cross_entropy
    return cross_entropy


def _correct(logits, y):
    """Correct predictions in the batch, as an array on the batch's device
    (summed there over the epoch and read once at its end: no sync per step)."""
    return (logits.data.argmax(axis=-1) == y.data).sum()


def _progress(total, enabled, desc):
    from tqdm import tqdm
    if enabled is None:
        enabled = sys.stderr.isatty()
    return tqdm(total=total, desc=desc, disable=not enabled, leave=False, dynamic_ncols=True)


def evaluate(model, loader, loss_fn=None, progress=False):
    """``{"loss", "accuracy", "count"}`` of ``model`` over ``loader`` (eval mode, no grad)."""
    loss_fn = loss_fn or _default_loss()
    was_training = model.training
    model.eval()
    total_loss, correct, count = 0.0, 0, 0
    bar = _progress(len(loader), progress, "eval")
    try:
        with no_grad():
            for x, y in loader:
                logits = model(x)
                total_loss = total_loss + loss_fn(logits, y).data * len(y)   # on the device
                correct = correct + _correct(logits, y)
                count += len(y)
                bar.update(1)
    finally:
        bar.close()
        model.train(was_training)
    return {"loss": float(total_loss) / count, "accuracy": int(correct) / count, "count": count}


def fit(model, optimizer, train_loader, epochs, loss_fn=None, val_loader=None, scheduler=None,
        scheduler_interval="epoch", clip_grad_norm=None, checkpoint_dir=None, resume=False,
        config=None, progress=None, log=print, max_loss=DIVERGED_LOSS, distributed=None):
    """Train ``model`` for ``epochs`` epochs; returns the history (one dict per epoch).

    ``scheduler.step()`` runs once per epoch or, with
    ``scheduler_interval="step"``, once per batch. ``clip_grad_norm`` clips
    the global gradient norm. ``config`` (JSON-able) is stored in the
    checkpoints. ``progress`` None shows the bar only on a terminal;
    ``log`` (or None) receives one line per epoch. A loss above ``max_loss``
    (None: no limit) stops training with :class:`DivergedLossError`.
    ``distributed``: see the module docstring.
    """
    if scheduler_interval not in ("epoch", "step"):
        raise ValueError(f"fit: scheduler_interval must be 'epoch' or 'step', got {scheduler_interval!r}")
    if not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"fit: epochs must be an integer >= 0, got {epochs!r}")
    loss_fn = loss_fn or _default_loss()
    history, start, size = [], 0, 1
    saved = os.path.join(checkpoint_dir, CHECKPOINT_NAME) if checkpoint_dir else None
    path = saved                          # where this process writes
    if distributed is not None:
        size, train_loader = distributed.size, distributed.shard(train_loader)
        if distributed.rank != 0:
            progress, log, path = False, None, None
    if path:
        check_writable_dir(checkpoint_dir, "checkpoint_dir")
        remove_temporaries(path)          # left by a writer that was killed mid-write
    if resume:
        if saved is None:
            raise ValueError("fit: resume=True needs a checkpoint_dir")
        if os.path.exists(saved):
            ckpt = load_checkpoint(saved)
            _check_world_size(ckpt, size)
            ckpt.restore(model, optimizer, scheduler)
            history, start = list(ckpt.history), ckpt.epoch + 1
            if log:
                log(f"resumed from {saved} after epoch {start}")
    if distributed is not None:
        distributed.prepare(model)
    for epoch in range(start, epochs):
        record = _train_epoch(model, optimizer, train_loader, epoch, epochs, loss_fn, scheduler,
                              scheduler_interval, clip_grad_norm, progress, max_loss, distributed)
        if val_loader is not None:
            val = evaluate(model, val_loader, loss_fn)
            record.update(val_loss=val["loss"], val_accuracy=val["accuracy"])
        if scheduler is not None and scheduler_interval == "epoch":
            scheduler.step()
        history.append(record)
        if log:
            log(_epoch_line(record, epochs))
        if path:
            save_checkpoint(path, model, optimizer, scheduler, epoch=epoch, history=history,
                            config=config, world_size=size)
    return history


def _check_world_size(ckpt, size):
    if ckpt.world_size != size:
        raise ValueError(
            f"cannot resume: {ckpt.path} was written by a run on {ckpt.world_size} process(es), "
            f"this one has {size}; resume with the same number (mpiexec -n {ckpt.world_size}). "
            f"The batches would be the same, but the sums over ranks run in another order and "
            f"batch norm sees other per-rank batches, so the run would not continue as it started")


def _train_epoch(model, optimizer, loader, epoch, epochs, loss_fn, scheduler, interval, clip,
                 progress, max_loss, dist):
    model.train()
    if hasattr(loader, "set_epoch"):
        loader.set_epoch(epoch)
    lr = optimizer.param_groups[0]["lr"]
    total_loss, correct, count = 0.0, 0, 0
    t0 = time.perf_counter()
    bar = _progress(len(loader), progress, f"epoch {epoch + 1}/{epochs}")
    try:
        for step, (x, y) in enumerate(loader):
            value, logits = train_step(model, optimizer, x, y, loss_fn, clip, max_loss, dist)
            if not math.isfinite(value):
                _check_labels(logits, y)
                raise NonFiniteLossError(
                    f"the loss is {value} at epoch {epoch + 1}, step {step + 1} (of {len(loader)}); "
                    f"stopping. Try a lower learning rate or gradient clipping (--clip).")
            if max_loss is not None and value > max_loss:
                raise DivergedLossError(
                    f"the loss is {value:.3g} at epoch {epoch + 1}, step {step + 1} (of "
                    f"{len(loader)}), above {max_loss:g}: training diverged; stopping. Try a "
                    f"lower learning rate or gradient clipping (--clip).")
            if scheduler is not None and interval == "step":
                scheduler.step()
            prof = profiler.active()
            if prof is not None:
                prof.step()
            total_loss += value * len(y)
            correct = correct + _correct(logits, y)
            count += len(y)
            bar.update(1)
            bar.set_postfix(loss=f"{total_loss / count:.4f}")
    finally:
        bar.close()
    correct = int(correct)
    if dist is not None:                  # the epoch's sums over the global batches
        total_loss, correct, count = dist.sum_metrics(total_loss, correct, count)
        dist.broadcast_state(model, buffers_only=True)
    return {"epoch": epoch + 1, "loss": total_loss / count, "accuracy": correct / count,
            "lr": lr, "seconds": time.perf_counter() - t0}


def train_step(model, optimizer, x, y, loss_fn, clip=None, max_loss=None, dist=None):
    """One step: forward, loss, backward, (clip,) update. Returns the loss
    value (its one device-to-host read) and the logits; a non-finite loss, or
    one above ``max_loss``, returns before backward, leaving the parameters
    as they were. With ``dist`` (a DataParallel) every rank goes through
    backward and the gradient all-reduce, and the global mean loss, read
    with it, is the value returned and checked, so all ranks stop alike."""
    logits = model(x)
    loss = loss_fn(logits, y)
    if dist is None:
        value = float(loss.item())
        if _stops(value, max_loss):
            return value, logits
    optimizer.zero_grad()
    loss.backward()
    if dist is not None:
        value = dist.reduce_gradients(model, loss.data, len(y))
        if _stops(value, max_loss):
            return value, logits
    if clip:
        clip_grad_norm_(model.parameters(), clip)
    optimizer.step()
    return value, logits


def _stops(value, max_loss):
    return not math.isfinite(value) or (max_loss is not None and value > max_loss)


def _check_labels(logits, y):
    """On a non-finite loss, out-of-range class labels are the likelier cause:
    name them (cross_entropy checks device labels without a sync, by NaN)."""
    if logits.ndim == 2 and y.dtype.kind in "iu" and y.ndim == 1:
        from .nn.losses import check_class_indices
        check_class_indices(y, logits.shape[1])


def _epoch_line(r, epochs):
    line = (f"epoch {r['epoch']}/{epochs}  loss {r['loss']:.4f}  acc {r['accuracy']:.4f}  "
            f"lr {r['lr']:.3g}  {r['seconds']:.1f}s")
    if "val_loss" in r:
        line += f"  val_loss {r['val_loss']:.4f}  val_acc {r['val_accuracy']:.4f}"
    return line


def seed_everything(seed):
    """Seed the global NumPy and Python RNGs (layer initialisation, dropout)."""
    import random
    backend.numpy.random.seed(seed)
    random.seed(seed)
