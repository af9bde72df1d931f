"""Command line: ``python -m freqnet train ...``, ``evaluate CKPT`` and
``predict CKPT INPUT [--out FILE]``.

Training prints one line per epoch, a one-line summary and, last, a JSON
object with the test accuracy, the seconds taken and the transforms per step.
``predict`` prints CSV (index, class, probabilities) or, with ``--out``,
writes it (.csv or .npz) and prints a JSON line.
"""
import argparse
import json
import sys

from ._entry import print_error
from .data.sources import DATASETS
from .domains import DOMAINS
from .experiment import DEFAULTS, OPTIMIZERS, SCHEDULES
from .models import ACTIVATIONS, CONVS, MODELS, NONLINEARITIES, POOLINGS


def _checked(convert, accept, expected):
    """An argparse type: ``convert(text)``, refused unless ``accept(value)``."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None
        if not accept(value):
            raise argparse.ArgumentTypeError(f"expected {expected}, got {value}")
        return value
    return parse


_positive_int = _checked(int, lambda v: v >= 1, "a positive integer")
_non_negative_int = _checked(int, lambda v: v >= 0, "an integer >= 0")
_positive_float = _checked(float, lambda v: v > 0, "a positive number")
_rate = _checked(float, lambda v: 0 <= v < 1, "a number in [0, 1)")
_positive_radius = _checked(float, lambda v: v > 0, "'auto' or a positive number")
_pad_width = _checked(int, lambda v: v >= 0, "'auto' or an integer >= 0")
_seed = _checked(int, lambda v: 0 <= v < 2 ** 32, "an integer in [0, 2**32)")
_knots = _checked(int, lambda v: v >= 2, "an integer >= 2")


def _radius(text):
    return text if text == "auto" else _positive_radius(text)


def _pad(text):
    return text if text == "auto" else _pad_width(text)


def add_training_arguments(p, defaults=None):
    """The training options (shared with the demos, which pass their own defaults)."""
    d = {**DEFAULTS, **(defaults or {})}
    data = p.add_argument_group("data")
    data.add_argument("--dataset", choices=DATASETS, default=d["dataset"],
                      help="mnist1d (generated offline), mnist (IDX files in --data-dir) or "
                           "synthetic (gratings, no files) (default: %(default)s)")
    data.add_argument("--data-dir", default=d["data_dir"],
                      help="directory holding the MNIST IDX files")
    data.add_argument("--download", action="store_true",
                      help="download missing MNIST files into --data-dir, or into the user cache "
                           "($FREQNET_CACHE or ~/.cache/freqnet) without one (needs internet)")
    data.add_argument("--limit", type=_positive_int, default=d["limit"],
                      help="use only the first N training and test samples (smoke runs)")
    data.add_argument("--max-train", type=_positive_int, default=d["max_train"],
                      help="use only the first N training samples")
    data.add_argument("--train-from-test-split", dest="test_split", type=_positive_int,
                      default=d["test_split"], metavar="N",
                      help="MNIST: train on N images of the t10k set and test on the rest "
                           "(no training files needed)")
    model = p.add_argument_group("model")
    model.add_argument("--model", choices=MODELS, default=d["model"],
                       help="frequency CNN, or a linear classifier on the spectrum "
                            "(default: %(default)s)")
    model.add_argument("--activation", choices=ACTIVATIONS, default=d["activation"],
                       help="exact: pointwise activation via an inverse transform; poly: "
                            "polynomial on the spectrum; bandpoly: a learned polynomial per "
                            "channel on the spectrum; crelu: ReLU on real and imaginary "
                            "parts; modrelu: phase-keeping (default: %(default)s)")
    model.add_argument("--nonlinearity", choices=tuple(NONLINEARITIES), default=d["nonlinearity"],
                       help="pointwise function for --activation exact/poly (default: %(default)s)")
    model.add_argument("--pooling", choices=POOLINGS, default=d["pooling"],
                       help="avg (exact average pooling) or spectral (low-pass crop) (default: %(default)s)")
    model.add_argument("--domain", choices=sorted(DOMAINS), default=d["domain"],
                       help="transform domain of the layers (default: %(default)s)")
    model.add_argument("--width", type=_positive_int, default=d["width"],
                       help="channels of the first conv layer (default: %(default)s)")
    model.add_argument("--depth", type=_positive_int, default=d["depth"],
                       help="conv blocks (default: %(default)s)")
    model.add_argument("--kernel-size", type=_positive_int, default=d["kernel_size"],
                       help="taps of the conv kernels (--conv spatial) (default: %(default)s)")
    model.add_argument("--conv", choices=CONVS, default=d["conv"],
                       help="conv weights as k-tap kernels, as full-size complex spectra "
                            "(no weight transforms), or as spectra interpolated from --knots "
                            "knots (smooth in frequency: local kernels, no weight transforms) "
                            "(default: %(default)s)")
    model.add_argument("--knots", type=_knots, default=d["knots"],
                       help="--conv smooth: knots per spectral axis (default: %(default)s)")
    model.add_argument("--modes", type=_positive_int, default=d["modes"],
                       help="--conv spectral: keep only the lowest MODES frequencies per axis "
                            "(FNO-style); default: full-size weights")
    model.add_argument("--poly-radius", type=_radius, default=d["poly_radius"],
                       help="--activation poly: fit the polynomial on [-r, r]; the default "
                            "suits batch-normalised activations; 'auto' uses a running "
                            "estimate of the spectral bound, fixed in eval (a looser, lower-"
                            "accuracy surrogate; docs/DESIGN.md §8) (default: %(default)s)")
    model.add_argument("--poly-degree", type=int, choices=(2, 3, 4), default=d["poly_degree"],
                       help="--activation bandpoly: polynomial degree (default: %(default)s)")
    model.add_argument("--fixed-poly", dest="poly_learn", action="store_false",
                       default=d["poly_learn"],
                       help="--activation bandpoly: keep the fitted coefficients fixed")
    model.add_argument("--alias-free", dest="poly_wrap", action="store_false",
                       default=d["poly_wrap"],
                       help="--activation bandpoly: evaluate on the band-limited interpolant "
                            "and discard what lies past the band (no aliasing)")
    model.add_argument("--band-limit", action="store_true", default=d["band_limit"],
                       help="--activation bandpoly with --pooling spectral: compute only the "
                            "bins the pooling keeps")
    model.add_argument("--pool-first", action="store_true", default=d["pool_first"],
                       help="pool before the activation (it then runs on the smaller map)")
    model.add_argument("--pad", type=_pad, default=d["pad"],
                       help="zero-pad the input by this many samples per axis before the "
                            "transform (circular conv then sees zeros); 'auto': the fewest "
                            "(>= 1) that make the size divisible by 2^depth "
                            "(default: %(default)s)")
    model.add_argument("--no-batch-norm", dest="batch_norm", action="store_false",
                       default=d["batch_norm"], help="leave out batch normalisation")
    model.add_argument("--dropout", type=_rate, default=d["dropout"],
                       help="spectral dropout rate before the head (default: %(default)s)")
    train = p.add_argument_group("training")
    train.add_argument("--epochs", type=_non_negative_int, default=d["epochs"],
                       help="(default: %(default)s)")
    train.add_argument("--batch-size", type=_positive_int, default=d["batch_size"],
                       help="(default: %(default)s)")
    train.add_argument("--optimizer", choices=tuple(OPTIMIZERS), default=d["optimizer"],
                       help="(default: %(default)s)")
    train.add_argument("--lr", type=_positive_float, default=d["lr"],
                       help="peak learning rate (default: %(default)s)")
    train.add_argument("--weight-decay", type=float, default=d["weight_decay"],
                       help="(default: %(default)s)")
    train.add_argument("--schedule", choices=SCHEDULES, default=d["schedule"],
                       help="learning-rate schedule over all steps (default: %(default)s)")
    train.add_argument("--warmup", type=_non_negative_int, default=d["warmup"],
                       help="epochs of linear warm-up (default: %(default)s)")
    train.add_argument("--clip", type=_positive_float, default=d["clip"],
                       help="clip the global gradient norm to this value")
    train.add_argument("--max-loss", type=_positive_float, default=d["max_loss"],
                       help="stop (exit status 1) when the training loss exceeds this: "
                            "training diverged (default: %(default)g)")
    train.add_argument("--seed", type=_seed, default=d["seed"],
                       help="(default: %(default)s)")
    train.add_argument("--validate", action="store_true", default=d["validate"],
                       help="test after every epoch (val_loss/val_acc in the log and history)")
    train.add_argument("--checkpoint-dir", default=d["checkpoint_dir"],
                       help="write last.npz here after every epoch")
    train.add_argument("--resume", action="store_true",
                       help="continue from --checkpoint-dir/last.npz if it exists")
    train.add_argument("--distributed", action="store_true", default=d["distributed"],
                       help="data-parallel over the MPI ranks of `mpiexec -n N` (--batch-size "
                            "is the global batch); on by itself when mpiexec starts N > 1")
    train.add_argument("--sync-batch-norm", action="store_true", default=d["sync_batch_norm"],
                       help="data-parallel: batch norm over the global batch (statistics summed "
                            "over the ranks) instead of each rank's own")
    train.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                       help="no progress bar (it is shown only on a terminal anyway)")
    train.add_argument("--summary", action="store_true",
                       help="print the model summary (freqnet.summary) before training")
    return p


def config_from_args(args):
    """The experiment configuration named by parsed ``args``."""
    config = {k: getattr(args, k) for k in DEFAULTS if hasattr(args, k)}
    if config.get("resume") and not config.get("checkpoint_dir"):
        raise SystemExit("error: --resume needs --checkpoint-dir")
    if config.get("test_split") is not None and config.get("dataset") != "mnist":
        raise SystemExit("error: --train-from-test-split applies to --dataset mnist only")
    if config.get("weight_decay", 0) < 0:
        raise SystemExit(f"error: --weight-decay must be >= 0, got {config['weight_decay']}")
    return config


def parser():
    p = argparse.ArgumentParser(prog="python -m freqnet",
                                description="Train and evaluate frequency-domain CNNs.")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    add_training_arguments(sub.add_parser(
        "train", help="train a model and print its test accuracy as JSON",
        description="Train a frequency-domain network; prints per-epoch lines, then JSON."))
    ev = sub.add_parser("evaluate", help="test a saved checkpoint",
                        description="Rebuild the model recorded in a checkpoint and test it.")
    ev.add_argument("checkpoint", help="a .npz written by `train --checkpoint-dir`")
    ev.add_argument("--data-dir", default=None, help="MNIST directory (if it moved)")
    ev.add_argument("--limit", type=_positive_int, default=None,
                    help="test only the first N test samples")
    ev.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                    help="no progress bar (it is shown only on a terminal anyway)")
    pr = sub.add_parser("predict", help="predict classes of new data with a saved checkpoint",
                        description="Predict the classes and class probabilities of the samples "
                                    "in INPUT with the model saved in CHECKPOINT.")
    pr.add_argument("checkpoint", help="a .npz written by `train --checkpoint-dir`")
    pr.add_argument("input", help="samples as .npy, .npz (one array, or one named x) or an IDX "
                                  "file, shaped (N, C, ...) or (N, ...) for one channel; uint8 "
                                  "MNIST pixels are normalised as in training")
    pr.add_argument("--out", default=None,
                    help="write predictions here (.csv or .npz with classes and probabilities) "
                         "instead of printing CSV")
    pr.add_argument("--batch-size", type=_positive_int, default=500, help="(default: %(default)s)")
    pr.add_argument("--no-progress", dest="progress", action="store_false", default=None,
                    help="no progress bar (it is shown only on a terminal anyway)")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    from .checkpoint import CheckpointError
    from .data import DownloadError, IDXError
    from .distributed import DistributedError, is_root, leave
    from .train import NonFiniteLossError
    try:
        if args.command == "train":
            from .experiment import result_line, run
            result, _, _ = run(log=lambda line: print(line, flush=True), **config_from_args(args))
            if is_root():
                print(result_line(result))
        elif args.command == "predict":
            from .predict import predict_file
            result, csv = predict_file(args.checkpoint, args.input, args.out, args.batch_size,
                                       args.progress)
            if result is None:
                sys.stdout.write(csv)
                return 0
        else:
            from .experiment import evaluate_checkpoint
            result = evaluate_checkpoint(args.checkpoint, data_dir=args.data_dir, limit=args.limit,
                                         progress=args.progress)
    except (CheckpointError, DownloadError, IDXError, OSError, NonFiniteLossError,
            ValueError, DistributedError) as exc:
        print_error(f"error: {exc}")
        if args.command == "evaluate" and isinstance(exc, (FileNotFoundError, IDXError)):
            print("evaluate: if the data moved, give its directory with --data-dir DIR",
                  file=sys.stderr)
        if isinstance(exc, DistributedError) and getattr(args, "checkpoint_dir", None):
            print_error(f"the last finished epoch is in {args.checkpoint_dir}; continue with "
                        f"the same options, the same number of processes and --resume")
        return leave(1)
    except KeyboardInterrupt:
        saved = getattr(args, "checkpoint_dir", None)
        hint = (f"; the last finished epoch is in {saved}, continue with the same options and "
                f"--resume" if saved else "")
        print(f"interrupted{hint}", file=sys.stderr)
        return leave(130)
    if is_root():
        print(json.dumps(result, sort_keys=True))
    return 0
