"""Helper run in a subprocess by test_train.py: a short seeded fit with
per-epoch checkpoints. With FREQNET_TEST_STALL=<file> it writes that file in
the middle of epoch 2 and then waits to be killed."""
import os
import sys
import time

import numpy as np

from freqnet import data, optim
from freqnet.models import FrequencyCNN
from freqnet.nn.functional import cross_entropy
from freqnet.train import fit, seed_everything


def main(checkpoint_dir, out, resume):
    x, y = data.make_gratings(96, size=8, seed=1)
    loader = data.DataLoader(data.TensorDataset(x, y), 16, shuffle=True, seed=3)
    seed_everything(0)
    model = FrequencyCNN((1, 8, 8), width=4, depth=1, kernel_size=3, dropout=0.2, seed=5)
    opt = optim.Adam(model.named_parameters(), lr=0.01)
    sched = optim.CosineAnnealingLR(opt, 3 * len(loader))
    stall = os.environ.get("FREQNET_TEST_STALL")
    calls = [0]

    def loss_fn(logits, target):
        calls[0] += 1
        if stall and calls[0] == len(loader) + 3:      # epoch 2, step 3
            with open(stall, "w") as f:
                f.write("mid-epoch")
            time.sleep(120)
        return cross_entropy(logits, target)

    fit(model, opt, loader, 3, loss_fn=loss_fn, scheduler=sched, scheduler_interval="step",
        checkpoint_dir=checkpoint_dir, resume=resume, log=None, progress=False)
    np.savez(out, **model.state_dict())


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3] == "resume")
