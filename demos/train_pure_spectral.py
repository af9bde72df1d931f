"""Zero inverse transforms after the input, beside the exact model (MNIST-1D, or MNIST with --dataset mnist).

The pure-spectral network never leaves the frequency domain (THEORY.md
§5b): one rfft of the input, then blocks of smooth spectral convolution
(complex weights at a few knots per axis, interpolated across the bins:
local kernels with no weight transform), spectral batch norm, a learned
per-channel polynomial activation initialised from the degree-2 fit of
GELU on [-3, 3] and evaluated by direct spectral convolutions on the bins
that the next spectral pooling keeps, spectral pooling (low-pass crop), and
a Parseval head with spectral weights. The run fails unless the profiler
counts 0 inverse transforms per training step.

``--dataset mnist --data-dir DIR --train-from-test-split 8000`` trains the
2D sibling on 8,000 images of the t10k set and tests on the other 2,000:
the same blocks on 32x32 rfft2 spectra, with the pooling before the
activation, so that the polynomial runs on the smaller map.

For comparison the exact network of ``train_mnist1d.py`` (or
``train_mnist.py``) is trained with the same epochs and optimizer (skip it
with ``--no-compare``). Printed: both test accuracies, the forward and
inverse transforms per training step of both, the share of each
polynomial layer's output energy that is kept, dropped by the next layer,
or past the grid's band (aliased), and the median training-step time of
both models on one batch, timed in this run, alternately (load average
printed). The JSON last line holds it all; ``test_accuracy`` is the
pure-spectral one.
"""
import os
import time

from _common import parse, report, train

from freqnet import backend, nn, optim
from freqnet.data import DataLoader, TensorDataset, load_dataset
from freqnet.experiment import DEFAULTS as RUN_DEFAULTS
from freqnet.experiment import build_model
from freqnet.nn.functional import cross_entropy
from freqnet.train import seed_everything, train_step

PURE = {"activation": "bandpoly", "nonlinearity": "gelu", "poly_radius": 3.0,
        "band_limit": True, "pooling": "spectral", "conv": "smooth", "knots": 4}
DEFAULTS = {"dataset": "mnist1d", "model": "cnn", **PURE, "dropout": 0.0,
            "width": 32, "depth": 3, "pad": 8, "epochs": 30, "batch_size": 64,
            "optimizer": "adam", "lr": 3e-3, "schedule": "cosine"}
#: --dataset mnist: the 2D sibling (28x28 padded to 32x32, train_mnist.py's width and epochs;
#: 5 knots: better than 4 there, THEORY.md §5b)
MNIST = {"width": 16, "pad": 4, "epochs": 6, "pool_first": True, "band_limit": False, "knots": 5}
#: the exact networks of train_mnist1d.py / train_mnist.py
EXACT = {"activation": "exact", "nonlinearity": "relu", "pooling": "avg", "conv": "spatial",
         "dropout": 0.0, **{k: RUN_DEFAULTS[k] for k in (
             "knots", "poly_degree", "poly_learn", "poly_wrap", "band_limit", "pool_first")}}
COUNTS = ("forward_transforms_per_step", "inverse_transforms_per_step",
          "inverse_transforms_per_step_of_activations", "inverse_transforms_per_step_of_weights")


def _extra(p):
    p.add_argument("--no-compare", dest="compare", action="store_false",
                   help="skip the exact-activation run")
    p.add_argument("--timing-steps", type=int, default=10,
                   help="training steps timed per model (median; default: %(default)s)")


def step_timer(config, x, y):
    """One training step (forward, backward, Adam) of a freshly built model
    of ``config`` on the batch (x, y), as a function returning its seconds."""
    seed_everything(config["seed"])
    model = build_model(config, x.shape[1:], 10)
    opt = optim.Adam(model.named_parameters(), lr=config["lr"])

    def step():
        t0 = time.perf_counter()
        train_step(model, opt, x, y, cross_entropy)
        backend.synchronize()                       # device work is asynchronous
        return time.perf_counter() - t0
    return step


def median_step_seconds(configs, x, y, steps):
    """Median step time of each config, timed alternately (one step of each
    in turn, after one warm-up step each), so a change of load hits all alike."""
    timers = [step_timer(c, x, y) for c in configs]
    for t in timers:
        t()
    times = [[] for _ in timers]
    for _ in range(steps):
        for t, record in zip(timers, times):
            record.append(t())
    return [sorted(r)[len(r) // 2] for r in times]


def first_batch(config, size):
    """The first ``size`` training samples of ``config``'s data set."""
    x, y, _, _ = load_dataset(config["dataset"], data_dir=config["data_dir"],
                              limit=config["limit"], test_split=config["test_split"],
                              max_train=config["max_train"], seed=config["seed"])
    return next(iter(DataLoader(TensorDataset(x, y), size, shuffle=False)))


def main(argv=None):
    args = parse(__doc__.splitlines()[0], DEFAULTS, _extra, argv)
    if args.dataset == "mnist":                       # the 2D sibling's defaults
        args = parse(__doc__.splitlines()[0], {**DEFAULTS, **MNIST}, _extra, argv)
        if args.data_dir is None:
            raise SystemExit("error: --dataset mnist needs --data-dir DIR with the MNIST IDX files")
        if args.test_split is None and args.max_train is None:
            args.max_train = 10000                    # train_mnist.py's default
    compare, steps = args.compare, args.timing_steps
    del args.compare, args.timing_steps
    print("-- the pure-spectral network (no inverse transform after the input) --", flush=True)
    result, model, _ = train(args)
    if result["inverse_transforms_per_step"] != 0:
        raise SystemExit(f"expected a network with no inverse transforms, the profiler counted "
                         f"{result['inverse_transforms_per_step']} per step")
    config = result["config"]
    x, y = first_batch(config, config["batch_size"])
    result["bandwidth"] = nn.bandwidth_report(model, x[:16])
    result["pure_model"] = {"test_accuracy": result["test_accuracy"],
                            **{k: result[k] for k in COUNTS}}
    configs = [config]
    if compare:
        print("-- the same task with exact activations (the exact network) --", flush=True)
        exact, _, _ = train(args, **EXACT)
        result["exact_model"] = {k: exact[k] for k in ("test_accuracy", "seconds", "parameters")
                                 + COUNTS}
        configs.append(exact["config"])
    seconds = median_step_seconds(configs, x, y, steps)
    result["pure_model"]["step_seconds"] = seconds[0]
    if compare:
        result["exact_model"]["step_seconds"] = seconds[1]
        result["step_time_ratio"] = seconds[0] / seconds[1]
    result["load_average"] = list(os.getloadavg())
    print_summary(result)
    report(result, label="pure-spectral model")


def print_summary(result):
    models = [("pure-spectral", result["pure_model"])]
    if "exact_model" in result:
        models.append(("exact", result["exact_model"]))
    print(f"{'model':<14} {'test acc':>8} {'fwd/step':>8} {'inv/step':>8} {'step ms':>8}")
    for name, m in models:
        print(f"{name:<14} {m['test_accuracy']:>8.1%} {m['forward_transforms_per_step']:>8} "
              f"{m['inverse_transforms_per_step']:>8} {1e3 * m['step_seconds']:>8.1f}")
    load = " ".join(f"{v:.2f}" for v in result["load_average"])
    if "step_time_ratio" in result:
        print(f"step time pure/exact: {result['step_time_ratio']:.2f}x (same run, alternate "
              f"steps; load average {load})")
    print(f"{'polynomial layer':<16} {'kept':>8} {'dropped':>8} {'aliased':>8}")
    for r in result["bandwidth"]:
        print(f"{r['layer']:<16} {r['kept']:>8.2%} {r['dropped']:>8.2%} {r['aliased']:>8.3%}")


if __name__ == "__main__":
    main()
