"""Benchmark: seconds per training epoch of the MNIST-1D model, three ways.

* ``freqnet``: the frequency CNN of demos/train_mnist1d.py (rfft at the
  input, spectral convs, spectral batch norm, exact ReLU, exact average
  pooling, Parseval head).
* ``numpy-im2col``: the same architecture in freqnet with *spatial* layers:
  circular conv by im2col + matmul (an autograd Function written here, on
  the active backend's arrays), batch norm, ReLU and average pooling from
  freqnet ops, a Linear head.
* ``torch``: the same spatial CNN in PyTorch (Conv1d with circular padding),
  when torch is importable (never a freqnet dependency).

All three train the same number of steps (4,000 MNIST-1D signals padded to
48, batch 64, Adam) after one warm-up epoch. Prints a table with ratios
measured in this run, a freqnet.profile() breakdown of one freqnet epoch,
and writes benchmarks/results/train.json.

    python benchmarks/train.py [--epochs 2] [--width 32] [--threads 1]
    python benchmarks/train.py --epochs 1 --limit 128 --width 4   # smoke run (the test suite)

The freqnet cases run on the active backend (``FREQNET_BACKEND``); each
timed epoch ends with a device synchronisation.

Every library runs on ``--threads`` threads (default 1: on a loaded 2-core
machine OpenBLAS's spinning threads turned a 0.33 s epoch into 55 s, and
torch's own pool suffers alike). The BLAS variables must be set before NumPy
is imported, hence the early look at argv.
"""
import argparse
import os
import platform
import sys
import time

from _threads import set_threads_from_argv

THREADS = set_threads_from_argv(sys.argv[1:])

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import freqnet  # noqa: E402
from freqnet import backend, data, nn, ops, optim  # noqa: E402
from freqnet.autograd import Function  # noqa: E402
from freqnet.models import FrequencyCNN  # noqa: E402
from freqnet.nn.functional import cross_entropy  # noqa: E402
from freqnet.train import seed_everything  # noqa: E402
from _harness import results_path, write_json  # noqa: E402

PAD = 8


# -- the spatial twin in freqnet (NumPy im2col) -------------------------------------------

class Conv1dIm2col(Function):
    """Circular cross-correlation y[b,o,n] = sum_{c,i} x[b,c,(n+i-k//2) mod L] w[o,c,i] + b_o."""

    category = "channel_mixing"

    def forward(self, x, w, b):
        xp = backend.array_module(x)
        B, C, L = x.shape
        O, _, k = w.shape
        idx = (xp.arange(L)[:, None] + xp.arange(k)[None, :] - k // 2) % L      # (L, k)
        cols = x[:, :, idx].transpose(0, 2, 1, 3).reshape(B * L, C * k)         # (B L, C k)
        wmat = w.reshape(O, C * k)
        self.save(cols, wmat)
        self.shape = (B, C, L, O, k)
        return (cols @ wmat.T + b).reshape(B, L, O).transpose(0, 2, 1)

    def backward(self, gy):
        cols, wmat = self.saved
        B, C, L, O, k = self.shape
        g = gy.transpose(0, 2, 1).reshape(B * L, O)
        gw = (g.T @ cols).reshape(O, C, k)
        gb = g.sum(axis=0)
        gcols = (g @ wmat).reshape(B, L, C, k)
        xp = backend.array_module(gy)
        gx = xp.zeros((B, C, L), dtype=gy.dtype)
        for i in range(k):       # col2im: a loop over the k taps, not over pixels
            gx += xp.roll(gcols[..., i].transpose(0, 2, 1), i - k // 2, axis=2)
        return gx, gw, gb


class SpatialConv1d(nn.Module):
    def __init__(self, cin, cout, k):
        super().__init__()
        bound = 1 / np.sqrt(cin * k)
        self.weight = nn.Parameter(np.random.uniform(-bound, bound, (cout, cin, k)).astype("float32"))
        self.bias = nn.Parameter(np.random.uniform(-bound, bound, cout).astype("float32"))

    def forward(self, x):
        return Conv1dIm2col()(x, self.weight, self.bias)


class SpatialBatchNorm1d(nn.Module):
    """Training-mode batch norm from freqnet ops (batch statistics)."""

    def __init__(self, c):
        super().__init__()
        self.weight = nn.Parameter(np.ones((1, c, 1), "float32"))
        self.bias = nn.Parameter(np.zeros((1, c, 1), "float32"))

    def forward(self, x):
        mean = x.mean(axis=(0, 2), keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=(0, 2), keepdims=True)
        return centred / (var + 1e-5).sqrt() * self.weight + self.bias


class SpatialCNN(nn.Module):
    def __init__(self, width, depth, k, length, classes=10):
        super().__init__()
        layers, cin = [], 1
        for i in range(depth):
            cout = min(width * 2 ** i, 4 * width)
            layers += [SpatialConv1d(cin, cout, k), SpatialBatchNorm1d(cout)]
            cin, length = cout, length // 2
        self.blocks = nn.ModuleList(layers)
        self.head = nn.Linear(cin * length, classes)

    def forward(self, x):
        x = ops.pad(x, ((0, 0), (0, 0), (0, PAD)))
        for conv, bn in zip(self.blocks[0::2], self.blocks[1::2]):
            x = ops.relu(bn(conv(x)))
            B, C, L = x.shape
            x = x.reshape(B, C, L // 2, 2).mean(axis=3)
        return self.head(x.reshape(x.shape[0], -1))


# -- timing -----------------------------------------------------------------------------------

def freqnet_epoch_timer(model, loader):
    opt = optim.Adam(model.named_parameters(), lr=1e-3)

    def epoch():
        model.train()
        t0 = time.perf_counter()
        for x, y in loader:
            loss = cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        backend.synchronize()                    # device work is asynchronous
        return time.perf_counter() - t0
    return epoch


def torch_epoch_timer(width, depth, k, xs, ys, batch):
    import torch
    torch.set_num_threads(THREADS)
    torch.manual_seed(0)
    layers, cin, length = [], 1, xs.shape[-1] + PAD
    for i in range(depth):
        cout = min(width * 2 ** i, 4 * width)
        layers += [torch.nn.Conv1d(cin, cout, k, padding=k // 2, padding_mode="circular"),
                   torch.nn.BatchNorm1d(cout), torch.nn.ReLU(), torch.nn.AvgPool1d(2)]
        cin, length = cout, length // 2
    model = torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(cin * length, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    x_all = torch.nn.functional.pad(torch.from_numpy(xs), (0, PAD))
    y_all = torch.from_numpy(ys)
    steps = len(xs) // batch

    def epoch():
        model.train()
        t0 = time.perf_counter()
        for s in range(steps):
            x, y = x_all[s * batch:(s + 1) * batch], y_all[s * batch:(s + 1) * batch]
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return time.perf_counter() - t0
    return epoch, torch.__version__, torch.get_num_threads()


def copy_weights(fmodel, smodel):
    """Give the spatial twin the frequency model's weights (same function)."""
    fstate = [v for k, v in fmodel.state_dict().items() if "running" not in k and "num_batches" not in k]
    for p, v in zip(smodel.parameters(), fstate):      # host copies, uploaded explicitly
        p.data = backend.asarray(v.reshape(p.shape), like=p.data).copy()


def twin_error(fmodel, smodel, loader):
    """Max relative difference of the two models' logits on one batch (train mode)."""
    copy_weights(fmodel, smodel)
    x, _ = next(iter(loader))
    state = fmodel.state_dict()
    a, b = fmodel(x).numpy(), smodel(x).numpy()
    fmodel.load_state_dict(state)
    return float(np.abs(a - b).max() / np.abs(b).max())


def measure(epoch_fn, epochs):
    epoch_fn()                                   # warm-up (plans, caches, allocator)
    times = [epoch_fn() for _ in range(epochs)]
    return float(np.median(times)), times


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--epochs", type=int, default=2, help="timed epochs per case (after a warm-up)")
    p.add_argument("--width", type=int, default=32)
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--kernel-size", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--limit", type=int, default=None, help="training signals (default: all 4,000)")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP/torch threads for every case (read before NumPy is imported)")
    p.add_argument("--out", default=results_path("train"))
    args = p.parse_args(argv)
    xs, ys, _, _ = data.load_mnist1d()
    if args.limit:
        xs, ys = xs[:args.limit], ys[:args.limit]
    loader = data.DataLoader(data.TensorDataset(xs, ys), args.batch_size, drop_last=True)
    rows = []
    seed_everything(0)
    fmodel = FrequencyCNN((1, 40), width=args.width, depth=args.depth,
                          kernel_size=args.kernel_size, pad=PAD)
    sec, times = measure(freqnet_epoch_timer(fmodel, loader), args.epochs)
    rows.append({"case": "freqnet (frequency domain)", "seconds_per_epoch": sec, "epochs": times})
    with freqnet.profile() as prof:
        freqnet_epoch_timer(fmodel, loader)()
    seed_everything(0)
    smodel = SpatialCNN(args.width, args.depth, args.kernel_size, 40 + PAD)
    err = twin_error(fmodel, smodel, loader)
    print(f"spatial twin check: max rel. difference of logits with the same weights = {err:.1e}")
    if err > 1e-4:
        raise SystemExit("the spatial twin does not compute the same function; not timing it")
    sec, times = measure(freqnet_epoch_timer(smodel, loader), args.epochs)
    rows.append({"case": "numpy-im2col (spatial, freqnet autograd)", "seconds_per_epoch": sec,
                 "epochs": times})
    torch_info = None
    try:
        epoch_fn, version, threads = torch_epoch_timer(args.width, args.depth, args.kernel_size,
                                                       xs, ys, args.batch_size)
        sec, times = measure(epoch_fn, args.epochs)
        rows.append({"case": "torch (spatial, CPU)", "seconds_per_epoch": sec, "epochs": times})
        torch_info = {"version": version, "threads": threads}
    except ImportError:
        print("torch is not importable: its row is left out")
    base = {r["case"].split()[0]: r["seconds_per_epoch"] for r in rows}
    for r in rows:
        r["ratio_vs_im2col"] = r["seconds_per_epoch"] / base["numpy-im2col"]
        if "torch" in base:
            r["ratio_vs_torch"] = r["seconds_per_epoch"] / base["torch"]
    steps = len(loader)
    print(f"MNIST-1D, {len(xs)} signals, batch {args.batch_size} ({steps} steps/epoch), width "
          f"{args.width}, depth {args.depth}, k {args.kernel_size}; median of {args.epochs} epochs")
    print(f"{'case':<44} {'s/epoch':>8} {'ms/step':>8} {'vs im2col':>10} {'vs torch':>9}")
    for r in rows:
        vs_torch = f"{r['ratio_vs_torch']:.2f}x" if "ratio_vs_torch" in r else "-"
        print(f"{r['case']:<44} {r['seconds_per_epoch']:>8.3f} {1000 * r['seconds_per_epoch'] / steps:>8.2f} "
              f"{r['ratio_vs_im2col']:>9.2f}x {vs_torch:>9}")
    print("\nwhere a freqnet epoch goes (freqnet.profile):")
    print(prof.table())
    result = {"benchmark": "train", "dataset": "mnist1d", "signals": len(xs), "steps": steps,
              "config": vars(args), "rows": rows, "twin_max_rel_err": err, "profile": prof.summary(),
              "torch": torch_info, "backend": backend.name, "numpy": np.__version__,
              "cpus": os.cpu_count(),
              "fft_workers": backend.FFT_WORKERS, "machine": platform.platform()}
    print()
    write_json(args.out, result, indent=2)


if __name__ == "__main__":
    main()
