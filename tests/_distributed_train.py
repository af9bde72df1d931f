"""Helper run by test_distributed.py, alone or under ``mpiexec -n 2``: a short
seeded MNIST-1D fit of a small 1D FrequencyCNN at a global batch of 64.

Each rank writes ``OUT.rank<r>.npz``: its final weights (``model/...``), the
loss of each of its local batches (``step_losses``, with their sizes in
``step_counts``), fit's epoch history losses (``epoch_losses``), the backend
and what summed the gradients (``engine``: "nccl", "mpi" or "none").
Options: ``--distributed`` (train with freqnet.distributed), ``--sync-bn``,
``--no-bn``, ``--sgd`` (instead of Adam), ``--uneven`` (375 samples, the last
batch of 55 kept: split 28/27 over 2 ranks), ``--skip-allreduce`` (replace
the gradient all-reduce by the local gradients: the broken variant the tests
must catch),
``--checkpoint-dir``/``--resume``, and ``--stall FILE``: rank 1 writes FILE
(its pid) at epoch 2, step 3, then waits to be killed.
"""
import argparse
import os
import time

import numpy as np

from freqnet import backend, data, optim
from freqnet.models import FrequencyCNN
from freqnet.nn.functional import cross_entropy
from freqnet.train import fit, seed_everything

EPOCHS, SAMPLES, BATCH = 3, 384, 64


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("--distributed", action="store_true")
    p.add_argument("--sync-bn", action="store_true")
    p.add_argument("--no-bn", action="store_true")
    p.add_argument("--sgd", action="store_true")
    p.add_argument("--uneven", action="store_true")
    p.add_argument("--skip-allreduce", action="store_true")
    p.add_argument("--checkpoint-dir")
    p.add_argument("--resume", action="store_true")
    p.add_argument("--stall")
    args = p.parse_args()

    dist = None
    if args.distributed:
        from freqnet.distributed import DataParallel
        dist = DataParallel(sync_batch_norm=args.sync_bn)
        if args.skip_allreduce:
            dist.reduce_gradients = lambda model, loss, count: float(loss)
    rank = dist.rank if dist is not None else 0
    if rank == 0 and dist is not None:
        print(dist.world.describe(), flush=True)

    x, y, _, _ = data.load_dataset("mnist1d", limit=375 if args.uneven else SAMPLES, seed=0)
    loader = data.DataLoader(data.TensorDataset(x, y), BATCH, shuffle=True,
                             drop_last=not args.uneven, seed=3)
    seed_everything(0)
    model = FrequencyCNN((1, 40), width=8, depth=2, kernel_size=5, pad="auto",
                         batch_norm=not args.no_bn, nonlinearity="gelu", seed=5)
    opt = (optim.SGD(model.named_parameters(), lr=0.05, momentum=0.9) if args.sgd
           else optim.Adam(model.named_parameters(), lr=3e-3))
    sched = optim.CosineAnnealingLR(opt, EPOCHS * len(loader))
    losses, counts = [], []

    def loss_fn(logits, target):
        loss = cross_entropy(logits, target)
        if model.training:
            losses.append(float(loss.item()))
            counts.append(len(target))
            if args.stall and rank == 1 and len(losses) == len(loader) + 3:   # epoch 2, step 3
                with open(args.stall + ".tmp", "w") as f:
                    f.write(str(os.getpid()))
                os.replace(args.stall + ".tmp", args.stall)
                time.sleep(600)
        return loss

    history = fit(model, opt, loader, EPOCHS, loss_fn=loss_fn, scheduler=sched,
                  scheduler_interval="step", checkpoint_dir=args.checkpoint_dir,
                  resume=args.resume, log=None, progress=False, distributed=dist)
    engine = "none" if dist is None else "nccl" if dist.reducer.nccl is not None else "mpi"
    np.savez(f"{args.out}.rank{rank}.npz", step_losses=np.array(losses),
             backend=np.array(backend.name), engine=np.array(engine),
             step_counts=np.array(counts), epoch_losses=np.array([h["loss"] for h in history]),
             **{f"model/{k}": v for k, v in model.state_dict().items()})


if __name__ == "__main__":
    main()
