"""Benchmark: the time of a training step of freqnet's 1D and 2D CNNs, three ways.

* ``1d``: the MNIST-1D model of demos/train_mnist1d.py (4,000 signals
  padded to 48, batch 64, width 32, depth 3, k 5), one epoch per round.
* ``2d``: the MNIST-size model ``FrequencyCNN((1, 28, 28), width=16,
  depth=3, kernel_size=5, pad=4)`` (maps 32x32 -> 4x4, 16/32/64 channels,
  batch 64), ``--steps-2d`` steps per round on fixed random images (a
  step's time does not depend on the pixel values).

Each trains with exact ReLU, exact average pooling, batch norm and Adam as:

* ``freqnet``: the frequency CNN (rfft at the input, spectral convs,
  spectral batch norm, ReLU through one round trip, spectral pooling, a
  Parseval head);
* ``numpy-im2col``: the same architecture in freqnet with *spatial* layers:
  circular conv by im2col + matmul (an autograd Function written here, on
  the active backend's arrays), batch norm, ReLU and average pooling from
  freqnet ops, a Linear head; its logits are checked against freqnet's
  with the same weights before it is timed;
* ``torch``: the same spatial CNN in PyTorch (circular padding), when torch
  is importable (never a freqnet dependency).

The machine is shared, so the cases run interleaved: each round runs one
epoch (or ``--steps-2d`` steps) of every case, after a warm-up round, and
each ratio is the median over the rounds of the two cases' times in the
same round. Prints a table per model, a freqnet.profile() breakdown of one
round, and writes benchmarks/results/train.json.

    python benchmarks/train.py [--epochs 3] [--dims 1 2] [--threads 1]
    python benchmarks/train.py --epochs 1 --limit 128 --width 4 --depth 2 --steps-2d 2   # smoke run

The freqnet cases run on the active backend (``FREQNET_BACKEND``); each
timed round ends with a device synchronisation.

Every library runs on ``--threads`` threads (default 1, see _threads.py).
"""
import argparse
import os
import platform
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _threads import THREADS  # noqa: E402  (first: before NumPy is imported)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

import freqnet  # noqa: E402
from freqnet import backend, data, nn, ops, optim  # noqa: E402
from freqnet.autograd import Function  # noqa: E402
from freqnet.models import FrequencyCNN  # noqa: E402
from freqnet.nn.functional import cross_entropy  # noqa: E402
from freqnet.train import seed_everything  # noqa: E402
from _harness import best_seconds, gemm_gflops, real_fft_flops, results_path, write_json  # noqa: E402

#: input size and zero padding of each model: MNIST-1D 40 -> 48, MNIST 28 -> 32
SHAPES = {1: (40,), 2: (28, 28)}
PADS = {1: 8, 2: 4}


def padded_sizes(dims):
    """The model's map sizes after the input padding."""
    return [n + PADS[dims] for n in SHAPES[dims]]


# -- the spatial twin in freqnet (NumPy im2col) -------------------------------------------

class ConvIm2col(Function):
    """Circular cross-correlation over the last d axes,
    y[b,o,n] = sum_{c,i} x[b,c,(n+i-k//2) mod N] w[o,c,i] + b_o, as im2col + matmul."""

    category = "channel_mixing"

    def forward(self, x, w, b):
        xp = backend.array_module(x)
        B, C, *S = x.shape
        O, _, *K = w.shape
        d = len(S)
        index = tuple((xp.arange(n)[:, None] + xp.arange(k)[None, :] - k // 2) % n
                      for n, k in zip(S, K))                                # d tables (n, k)
        grids = tuple(t.reshape(tuple(n if j == a else 1 for j, n in enumerate(S)) +
                                tuple(k if j == a else 1 for j, k in enumerate(K)))
                      for a, t in enumerate(index))
        cols = x[(slice(None), slice(None)) + grids]                       # (B, C, *S, *K)
        cols = xp.moveaxis(cols, 1, 1 + d).reshape(B * int(np.prod(S)), C * int(np.prod(K)))
        wmat = w.reshape(O, -1)
        self.save(cols, wmat)
        self.shape = (B, C, tuple(S), O, tuple(K))
        y = (cols @ wmat.T + b).reshape(B, *S, O)
        return xp.moveaxis(y, -1, 1)

    def backward(self, gy):
        cols, wmat = self.saved
        B, C, S, O, K = self.shape
        xp = backend.array_module(gy)
        g = xp.moveaxis(gy, 1, -1).reshape(-1, O)
        gw = (g.T @ cols).reshape(O, C, *K)
        gb = g.sum(axis=0)
        gcols = (g @ wmat).reshape(B, *S, C, *K)
        gx = xp.zeros((B, C) + S, dtype=gy.dtype)
        spatial = tuple(range(2, 2 + len(S)))
        for tap in np.ndindex(*K):       # col2im: a loop over the taps, not over pixels
            part = xp.moveaxis(gcols[(Ellipsis,) + tap], -1, 1)
            gx += xp.roll(part, tuple(i - k // 2 for i, k in zip(tap, K)), axis=spatial)
        return gx, gw, gb


class SpatialConv(nn.Module):
    def __init__(self, cin, cout, k, ndim):
        super().__init__()
        bound = 1 / np.sqrt(cin * k ** ndim)
        self.weight = nn.Parameter(np.random.uniform(-bound, bound, (cout, cin) + (k,) * ndim)
                                   .astype("float32"))
        self.bias = nn.Parameter(np.random.uniform(-bound, bound, cout).astype("float32"))

    def forward(self, x):
        return ConvIm2col()(x, self.weight, self.bias)


class SpatialBatchNorm(nn.Module):
    """Training-mode batch norm from freqnet ops (batch statistics)."""

    def __init__(self, c, ndim):
        super().__init__()
        self.axes = (0,) + tuple(range(2, 2 + ndim))
        self.weight = nn.Parameter(np.ones((1, c) + (1,) * ndim, "float32"))
        self.bias = nn.Parameter(np.zeros((1, c) + (1,) * ndim, "float32"))

    def forward(self, x):
        mean = x.mean(axis=self.axes, keepdims=True)
        centred = x - mean
        var = (centred * centred).mean(axis=self.axes, keepdims=True)
        return centred / (var + 1e-5).sqrt() * self.weight + self.bias


def widths(width, depth):
    return [min(width * 2 ** i, 4 * width) for i in range(depth)]


class SpatialCNN(nn.Module):
    def __init__(self, width, depth, k, shape, classes=10):
        super().__init__()
        self.ndim, self.pad = len(shape), PADS[len(shape)]
        layers, cin, sizes = [], 1, [n + self.pad for n in shape]
        for cout in widths(width, depth):
            layers += [SpatialConv(cin, cout, k, self.ndim), SpatialBatchNorm(cout, self.ndim)]
            cin, sizes = cout, [n // 2 for n in sizes]
        self.blocks = nn.ModuleList(layers)
        self.head = nn.Linear(cin * int(np.prod(sizes)), classes)

    def forward(self, x):
        x = ops.pad(x, ((0, 0), (0, 0)) + ((0, self.pad),) * self.ndim)
        for conv, bn in zip(self.blocks[0::2], self.blocks[1::2]):
            x = ops.relu(bn(conv(x)))
            B, C, *S = x.shape
            pairs = sum(((n // 2, 2) for n in S), ())
            x = x.reshape(B, C, *pairs).mean(axis=tuple(range(3, 3 + 2 * self.ndim, 2)))
        return self.head(x.reshape(x.shape[0], -1))


def torch_cnn(width, depth, k, shape):
    import torch
    ndim, pad = len(shape), PADS[len(shape)]
    Conv, Norm, Pool = {1: (torch.nn.Conv1d, torch.nn.BatchNorm1d, torch.nn.AvgPool1d),
                        2: (torch.nn.Conv2d, torch.nn.BatchNorm2d, torch.nn.AvgPool2d)}[ndim]
    layers, cin, sizes = [], 1, [n + pad for n in shape]
    for cout in widths(width, depth):
        layers += [Conv(cin, cout, k, padding=k // 2, padding_mode="circular"), Norm(cout),
                   torch.nn.ReLU(), Pool(2)]
        cin, sizes = cout, [n // 2 for n in sizes]
    return torch.nn.Sequential(*layers, torch.nn.Flatten(), torch.nn.Linear(cin * int(np.prod(sizes)), 10))


# -- timing -----------------------------------------------------------------------------------

def freqnet_round(model, batches):
    """A function that trains ``model`` on ``batches`` once and returns the seconds."""
    opt = optim.Adam(model.named_parameters(), lr=1e-3)

    def run():
        model.train()
        t0 = time.perf_counter()
        for x, y in batches:
            loss = cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        backend.synchronize()                    # device work is asynchronous
        return time.perf_counter() - t0
    return run


def torch_round(model, batches, pad):
    import torch
    torch.set_num_threads(THREADS)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    data = [(torch.from_numpy(x), torch.from_numpy(y)) for x, y in batches]

    def run():
        model.train()
        t0 = time.perf_counter()
        for x, y in data:
            x = torch.nn.functional.pad(x, (0, pad) * (x.ndim - 2))
            loss = torch.nn.functional.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
        return time.perf_counter() - t0
    return run, torch.__version__, torch.get_num_threads()


def copy_weights(fmodel, smodel):
    """Give the spatial twin the frequency model's weights (same function)."""
    fstate = [v for k, v in fmodel.state_dict().items() if "running" not in k and "num_batches" not in k]
    for p, v in zip(smodel.parameters(), fstate):      # host copies, uploaded explicitly
        p.data = backend.asarray(v.reshape(p.shape), like=p.data).copy()


def twin_error(fmodel, smodel, x):
    """Max relative difference of the two models' logits on one batch (train mode)."""
    copy_weights(fmodel, smodel)
    state = fmodel.state_dict()
    a, b = fmodel(x).numpy(), smodel(x).numpy()
    fmodel.load_state_dict(state)
    return float(np.abs(a - b).max() / np.abs(b).max())


def measure_interleaved(runs, rounds):
    """name -> seconds per round, every case once per round (after one warm-up
    round); the order rotates so that no case always follows another."""
    for run in runs.values():
        run()
    names, times = list(runs), {name: [] for name in runs}
    for r in range(rounds):
        for name in names[r % len(names):] + names[:r % len(names)]:
            times[name].append(runs[name]())
    return times


def batches_for(dims, args):
    """Host (x, y) batches of one round, and a description of them."""
    if dims == 1:
        xs, ys, _, _ = data.load_mnist1d()
        if args.limit:
            xs, ys = xs[:args.limit], ys[:args.limit]
        n = len(xs) // args.batch_size * args.batch_size
        out = [(xs[i:i + args.batch_size], ys[i:i + args.batch_size])
               for i in range(0, n, args.batch_size)]
        return out, f"MNIST-1D, {n} signals"
    rng = np.random.default_rng(0)
    out = [(rng.random((args.batch_size, 1, 28, 28), dtype=np.float32),
            rng.integers(0, 10, args.batch_size)) for _ in range(args.steps_2d)]
    return out, f"{args.steps_2d} batches of random 28x28 images"


def step_flops(dims, width, depth, batch):
    """Arithmetic of one freqnet training step, (transform flops, mixing flops):
    the input rfft, each block's exact-activation round trip forward and
    backward (4 real FFTs of B C planes, ~2.5 n log2 n flops each), and each
    spectral conv's complex GEMMs (8 flops per complex MAC, one forward, two
    backward). Batch norm, pooling and the head move memory and are left out."""
    sizes = padded_sizes(dims)
    transforms, mixing, cin = real_fft_flops(batch, int(np.prod(sizes))), 0.0, 1
    for cout in widths(width, depth):
        bins = int(np.prod(sizes[:-1])) * (sizes[-1] // 2 + 1)
        transforms += 4 * real_fft_flops(batch * cout, int(np.prod(sizes)))
        mixing += 3 * 8 * bins * batch * cin * cout
        cin, sizes = cout, [n // 2 for n in sizes]
    return transforms, mixing


def measured_peaks(dims, width):
    """(FFT, GEMM) GFLOP/s of this machine, measured now: the backend's rfft of
    the first block's maps (batch 64, best of 20), and a 1024^3 float32 GEMM."""
    sizes = padded_sizes(dims)
    x = np.random.default_rng(0).standard_normal((64, width) + tuple(sizes)).astype(np.float32)
    axes = tuple(range(2, x.ndim))
    seconds = best_seconds(lambda: backend.rfftn(x, axes=axes), 20)
    return real_fft_flops(64 * width, int(np.prod(sizes))) / seconds / 1e9, gemm_gflops("float32")


def run_case(dims, args):
    """The table rows, profile and twin error of one model (1D or 2D)."""
    shape = SHAPES[dims]
    width = args.width or {1: 32, 2: 16}[dims]
    host_batches, described = batches_for(dims, args)
    batches = [(freqnet.tensor(x), freqnet.tensor(y)) for x, y in host_batches]
    seed_everything(0)
    fmodel = FrequencyCNN((1,) + shape, width=width, depth=args.depth,
                          kernel_size=args.kernel_size, pad=PADS[dims])
    seed_everything(0)
    smodel = SpatialCNN(width, args.depth, args.kernel_size, shape)
    err = twin_error(fmodel, smodel, batches[0][0])
    print(f"{dims}D spatial twin check: max rel. difference of logits with the same weights = {err:.1e}")
    if err > 1e-4:
        raise SystemExit("the spatial twin does not compute the same function; not timing it")
    runs = {"freqnet": freqnet_round(fmodel, batches), "numpy-im2col": freqnet_round(smodel, batches)}
    torch_info = None
    try:
        import torch
        torch.manual_seed(0)
        runs["torch"], version, threads = torch_round(torch_cnn(width, args.depth, args.kernel_size,
                                                                shape), host_batches, PADS[dims])
        torch_info = {"version": version, "threads": threads}
    except ImportError:
        print("torch is not importable: its row is left out")
    times = measure_interleaved(runs, args.epochs)
    with freqnet.profile() as prof:
        runs["freqnet"]()
    rows = []
    for name, ts in times.items():
        row = {"case": name, "seconds_per_round": float(np.median(ts)), "rounds": ts,
               "ms_per_step": 1e3 * float(np.median(ts)) / len(batches)}
        for base in ("numpy-im2col", "torch"):
            if base in times:
                row[f"ratio_vs_{base.split('-')[-1]}"] = float(np.median(np.array(ts) / np.array(times[base])))
        rows.append(row)
    print(f"\n{dims}D: {described}, batch {args.batch_size} ({len(batches)} steps/round), width "
          f"{width}, depth {args.depth}, k {args.kernel_size}; medians of {args.epochs} interleaved rounds")
    print(f"{'case':<14} {'s/round':>8} {'ms/step':>8} {'vs im2col':>10} {'vs torch':>9}")
    for r in rows:
        vs_torch = f"{r['ratio_vs_torch']:.2f}x" if "ratio_vs_torch" in r else "-"
        print(f"{r['case']:<14} {r['seconds_per_round']:>8.3f} {r['ms_per_step']:>8.2f} "
              f"{r['ratio_vs_im2col']:>9.2f}x {vs_torch:>9}")
    transforms, mixing = step_flops(dims, width, args.depth, args.batch_size)
    fft_peak, gemm_peak = measured_peaks(dims, width)
    floor_ms = 1e3 * (transforms / (fft_peak * 1e9) + mixing / (gemm_peak * 1e9))
    floor = {"transform_mflop": transforms / 1e6, "mixing_mflop": mixing / 1e6,
             "fft_gflops": fft_peak, "gemm_gflops": gemm_peak, "floor_ms": floor_ms,
             "freqnet_step_over_floor": rows[0]["ms_per_step"] / floor_ms}
    print(f"floor of a freqnet step: {transforms / 1e6:.0f} MFLOP of transforms at {fft_peak:.1f} "
          f"GFLOP/s (this machine's FFT, measured now) + {mixing / 1e6:.0f} MFLOP of channel "
          f"mixing at {gemm_peak:.1f} GFLOP/s (its float32 GEMM) = {floor_ms:.2f} ms; "
          f"freqnet's step is {floor['freqnet_step_over_floor']:.1f}x that")
    print(f"\nwhere a freqnet round goes (freqnet.profile, {dims}D):")
    print(prof.table())
    return {"dims": dims, "data": described, "steps": len(batches), "width": width, "rows": rows,
            "twin_max_rel_err": err, "profile": prof.summary(), "torch": torch_info, "floor": floor}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dims", type=int, nargs="+", choices=(1, 2), default=[1, 2],
                   help="which models: 1 (MNIST-1D), 2 (MNIST-size), or both")
    p.add_argument("--epochs", type=int, default=3, help="timed rounds per model (after a warm-up)")
    p.add_argument("--width", type=int, default=None, help="default: 32 in 1D, 16 in 2D")
    p.add_argument("--depth", type=int, default=3)
    p.add_argument("--kernel-size", type=int, default=5)
    p.add_argument("--batch-size", type=int, default=64)
    p.add_argument("--limit", type=int, default=None, help="1D training signals (default: all 4,000)")
    p.add_argument("--steps-2d", type=int, default=20, help="2D steps per round")
    p.add_argument("--threads", type=int, default=1,
                   help="BLAS/OpenMP/torch/FFT threads for every case (read before NumPy is imported)")
    p.add_argument("--out", default=results_path("train"))
    args = p.parse_args(argv)
    backend.FFT_WORKERS = args.threads
    backend.tune_host_allocator()                # as freqnet's training entry points do
    cases = [run_case(dims, args) for dims in args.dims]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    print(f"load average {load}")
    result = {"benchmark": "train", "config": vars(args), "cases": cases, "backend": backend.name,
              "numpy": np.__version__, "cpus": os.cpu_count(), "load_average": load,
              "fft_workers": backend.FFT_WORKERS, "machine": platform.platform(),
              "processor": platform.processor()}
    print()
    write_json(args.out, result, indent=2)


if __name__ == "__main__":
    main()
