"""MNIST-1D with zero inverse transforms after the input, beside the exact model.

The pure-spectral network never leaves the frequency domain: one rfft of the
input, then blocks of spectral-parameterised convolution (complex weights
per bin: no weight transforms either), batch norm, a spectral-native
activation (CReLU by default, or ``--activation poly`` / ``modrelu``),
spectral pooling (low-pass crop), and a Parseval head with spectral weights.
The profiler confirms 0 inverse transforms per step. For comparison the
same run is repeated with the exact-activation network of
``train_mnist1d.py`` (skip it with ``--no-compare``). The JSON last line
holds both accuracies; ``test_accuracy`` is the pure-spectral one.
"""
from _common import parse, report, train

DEFAULTS = {"dataset": "mnist1d", "model": "cnn", "activation": "crelu", "pooling": "spectral",
            "conv": "spectral", "width": 32, "depth": 3, "pad": 8, "epochs": 20,
            "batch_size": 64, "optimizer": "adam", "lr": 3e-3, "schedule": "cosine"}
EXACT = {"activation": "exact", "pooling": "avg", "conv": "spatial"}


def _extra(p):
    p.add_argument("--no-compare", dest="compare", action="store_false",
                   help="skip the exact-activation run")


def main(argv=None):
    args = parse(__doc__.splitlines()[0], DEFAULTS, _extra, argv)
    compare = args.compare
    del args.compare
    result, _, _ = train(args)
    if result["inverse_transforms_per_step"] != 0:
        raise SystemExit(f"expected a network with no inverse transforms, the profiler counted "
                         f"{result['inverse_transforms_per_step']} per step")
    if compare:
        print("-- the same task with exact activations (train_mnist1d.py's network) --", flush=True)
        exact, _, _ = train(args, **EXACT)
        result["exact_model"] = {k: exact[k] for k in (
            "test_accuracy", "seconds", "inverse_transforms_per_step", "parameters")}
    report(result)


if __name__ == "__main__":
    main()
