"""One training run from a flat configuration: what the CLI and demos share.

:func:`run` loads the data, builds the model, optimizer and schedule, trains
with :func:`freqnet.train.fit` (checkpoints and resume included), evaluates
on the test set and returns a JSON-able result with the test accuracy, the
wall time and the forward/inverse transforms per training step (counted by
:func:`freqnet.profile`). With ``distributed`` (or when started by mpiexec
with more than one process) it trains data-parallel on every MPI rank
(:mod:`freqnet.distributed`); ``batch_size`` is then the global batch, and
only rank 0 logs.
"""
import os
import time

from . import backend, optim, profiler
from .checkpoint import load_checkpoint
from .data import DataLoader, TensorDataset, load_dataset, load_test_set
from .mpi import launched_by_mpiexec
from .train import CHECKPOINT_NAME, DIVERGED_LOSS, evaluate, fit, seed_everything, train_step
from .writable import check_writable_dir

DEFAULTS = {
    "dataset": "mnist1d", "data_dir": None, "download": False, "limit": None,
    "test_split": None, "max_train": None,
    "model": "cnn", "activation": "exact", "nonlinearity": "relu", "pooling": "avg",
    "domain": "fourier", "width": 32, "depth": 3, "kernel_size": 5, "pad": "auto", "conv": "spatial",
    "modes": None, "knots": 4, "poly_radius": 3.0, "poly_degree": 2, "poly_learn": True,
    "poly_wrap": True, "band_limit": False, "pool_first": False,
    "batch_norm": True, "dropout": 0.0,
    "epochs": 20, "batch_size": 64, "optimizer": "adam", "lr": 3e-3, "weight_decay": 0.0,
    "schedule": "cosine", "warmup": 0, "clip": None, "seed": 0, "validate": False,
    "checkpoint_dir": None, "resume": False, "progress": None, "summary": False,
    "max_loss": DIVERGED_LOSS, "distributed": False, "sync_batch_norm": False,
}
#: options of one invocation, not of the trained model (kept out of checkpoints)
RUN_ONLY_KEYS = ("progress", "resume", "summary", "distributed")
MODEL_KEYS = ("model", "activation", "nonlinearity", "pooling", "domain", "width", "depth",
              "kernel_size", "pad", "conv", "modes", "knots", "poly_radius", "poly_degree",
              "poly_learn", "poly_wrap", "band_limit", "pool_first", "batch_norm", "dropout")
OPTIMIZERS = {"adam": optim.Adam, "adamw": optim.AdamW, "sgd": optim.SGD}
SCHEDULES = ("cosine", "step", "constant")


def _config(overrides):
    unknown = set(overrides) - set(DEFAULTS)
    if unknown:
        raise TypeError(f"unknown configuration keys {sorted(unknown)}")
    return {**DEFAULTS, **overrides}


def build_model(config, input_shape, num_classes):
    from .models import build_model as build
    if config["model"] == "linear":
        return build("linear", input_shape, num_classes, domain=config["domain"])
    options = {k: config[k] for k in MODEL_KEYS if k != "model"}
    return build(config["model"], input_shape, num_classes, seed=config["seed"], **options)


def build_optimizer(config, model, steps_per_epoch):
    name = config["optimizer"]
    if name not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {name!r}; expected one of {', '.join(OPTIMIZERS)}")
    kwargs = {"lr": config["lr"], "weight_decay": config["weight_decay"]}
    if name == "sgd":
        kwargs.update(momentum=0.9, nesterov=True)
    opt = OPTIMIZERS[name](model.named_parameters(), **kwargs)
    total = max(1, config["epochs"] * steps_per_epoch)
    warm = config["warmup"] * steps_per_epoch
    if config["schedule"] not in SCHEDULES:
        raise ValueError(f"unknown schedule {config['schedule']!r}; expected one of {', '.join(SCHEDULES)}")
    if config["schedule"] == "cosine":
        after = optim.CosineAnnealingLR(opt, T_max=max(1, total - warm))
    elif config["schedule"] == "step":
        after = optim.StepLR(opt, step_size=max(1, total // 3), gamma=0.1)
    else:
        after = optim.ConstantLR(opt)
    sched = optim.LinearWarmup(opt, warm, start_factor=0.1, then=after) if warm else after
    return opt, sched


def count_transforms(model, loss_fn, x, y):
    """Transforms of one training step (forward + backward pass), from
    :func:`freqnet.profile`: ``{"forward", "inverse", "inverse_activation",
    "inverse_weight"}`` (activation: of data; weight: of a kernel or head
    weight). The model's state (parameters, running statistics) is restored."""
    state = model.state_dict()
    with profiler.profile() as prof:
        loss_fn(model(x), y).backward()
    model.zero_grad()
    model.load_state_dict(state)
    return {"forward": prof.transform_count("forward"),
            "inverse": prof.transform_count("inverse"),
            "inverse_activation": prof.transform_count("inverse", role="activation"),
            "inverse_weight": prof.transform_count("inverse", role="weight")}


def count_transfers(model, optimizer, loss_fn, loader, clip=None, dist=None):
    """Host<->device copies of one whole training step (the batch loaded,
    forward, loss read, backward, the all-reduce with ``dist``, update),
    counted by the strict backend: ``{"host_to_device", "device_to_host"}``;
    None on other backends, which do not count. The model's and optimizer's
    state are restored."""
    if backend.name != "strict":
        return None
    state, opt_state = model.state_dict(), optimizer.state_dict()
    batches = iter(loader)
    backend.reset_transfer_counts()
    x, y = next(batches)
    train_step(model, optimizer, x, y, loss_fn, clip, dist=dist)
    counts = backend.transfer_counts()
    model.zero_grad()
    model.load_state_dict(state)
    optimizer.load_state_dict(opt_state)
    return counts


def prepare(config):
    """Data loaders, model, optimizer and scheduler for ``config`` (seeded)."""
    x, y, xt, yt = load_dataset(config["dataset"], data_dir=config["data_dir"],
                                download=config["download"], limit=config["limit"],
                                test_split=config["test_split"], max_train=config["max_train"],
                                seed=config["seed"])
    train_loader = DataLoader(TensorDataset(x, y), config["batch_size"], shuffle=True,
                              drop_last=len(x) > config["batch_size"], seed=config["seed"])
    test_loader = DataLoader(TensorDataset(xt, yt), 500)
    seed_everything(config["seed"])
    model = build_model(config, x.shape[1:], 10)
    opt, sched = build_optimizer(config, model, len(train_loader))
    return model, opt, sched, train_loader, test_loader


def run(log=print, **overrides):
    """Train and test one configuration: ``(result, model, history)``, where
    ``result`` is a JSON-able dict (accuracy, seconds, transforms per step)."""
    from .nn.functional import cross_entropy
    config = _config(overrides)
    check_options(config)
    check_outputs(config)
    dist = None
    if config["distributed"] or launched_by_mpiexec():
        from .distributed import DataParallel
        dist = DataParallel(sync_batch_norm=config["sync_batch_norm"])
        if dist.rank != 0:
            log, config["progress"] = None, False
        if log:
            log(f"data-parallel on {dist.world.describe()}")
    if config["resume"] and config["checkpoint_dir"]:
        _check_resumable(config, log)
    backend.tune_host_allocator()
    t0 = time.perf_counter()
    model, opt, sched, train_loader, test_loader = prepare(config)
    if config["summary"] and log:
        from .summary import summary
        log(str(summary(model, model.input_shape)))
    saved = {k: v for k, v in config.items() if k not in RUN_ONLY_KEYS}
    if saved["data_dir"] is not None:
        saved["data_dir"] = os.path.abspath(saved["data_dir"])
    history = fit(model, opt, train_loader, config["epochs"], loss_fn=cross_entropy,
                  val_loader=test_loader if config["validate"] else None, scheduler=sched, scheduler_interval="step", clip_grad_norm=config["clip"],
                  checkpoint_dir=config["checkpoint_dir"], resume=config["resume"],
                  config=saved, progress=config["progress"], log=log,
                  max_loss=config["max_loss"], distributed=dist)
    train_seconds = time.perf_counter() - t0
    test = evaluate(model, test_loader, cross_entropy, progress=config["progress"])
    transfers = count_transfers(model, opt, cross_entropy, train_loader, config["clip"], dist)
    x, y = next(iter(train_loader))
    counts = count_transforms(model, cross_entropy, x, y)
    return {"test_accuracy": test["accuracy"], "test_loss": test["loss"],
            "seconds": round(time.perf_counter() - t0, 2), "train_seconds": round(train_seconds, 2),
            "inverse_transforms_per_step": counts["inverse"],
            "inverse_transforms_per_step_of_activations": counts["inverse_activation"],
            "inverse_transforms_per_step_of_weights": counts["inverse_weight"],
            "forward_transforms_per_step": counts["forward"],
            "backend": backend.name, "host_device_transfers_per_step": transfers,
            "epochs": config["epochs"], "train_samples": len(train_loader.dataset),
            "test_samples": test["count"], "parameters": parameter_count(model),
            "final_train_accuracy": history[-1]["accuracy"] if history else None,
            "world_size": dist.size if dist is not None else 1, "config": saved}, model, history


def check_options(config):
    """Refuse option combinations that would otherwise be silently ignored."""
    if config["modes"] is not None and config["conv"] != "spectral":
        raise ValueError(f"--modes {config['modes']} applies to --conv spectral only "
                         f"(this run has --conv {config['conv']})")
    flags = {"band_limit": "--band-limit", "poly_degree": "--poly-degree",
             "poly_learn": "--fixed-poly", "poly_wrap": "--alias-free"}
    changed = [flag for key, flag in flags.items() if config[key] != DEFAULTS[key]]
    if changed and config["activation"] != "bandpoly":
        raise ValueError(f"{changed[0]} applies to --activation bandpoly only (this run has "
                         f"--activation {config['activation']})")
    if config["band_limit"] and (config["pooling"] != "spectral" or config["pool_first"]):
        raise ValueError("--band-limit computes the bins a spectral pooling after the activation "
                         "keeps: it needs --pooling spectral and no --pool-first")
    if config["knots"] != DEFAULTS["knots"] and config["conv"] != "smooth":
        raise ValueError(f"--knots {config['knots']} applies to --conv smooth only "
                         f"(this run has --conv {config['conv']})")
    if config["warmup"] > config["epochs"]:
        raise ValueError(f"--warmup {config['warmup']} is longer than the run "
                         f"(--epochs {config['epochs']})")
    if config["sync_batch_norm"]:
        if not (config["distributed"] or launched_by_mpiexec()):
            raise ValueError("--sync-batch-norm applies to data-parallel runs only (mpiexec -n N "
                             "... --distributed); this run is one process")
        if not config["batch_norm"]:
            raise ValueError("--sync-batch-norm needs batch norm; this run has --no-batch-norm")


def check_outputs(config):
    """Prove every folder the run will write to is writable, before any work."""
    if config["checkpoint_dir"]:
        check_writable_dir(config["checkpoint_dir"], "--checkpoint-dir")
    if config["dataset"] == "mnist1d" or (config["download"] and config["data_dir"] is None):
        from .data.cache import ENV_VAR, cache_root
        check_writable_dir(cache_root(), ENV_VAR if os.environ.get(ENV_VAR) else
                           f"the data cache (set {ENV_VAR} to move it)")


def _check_resumable(config, log=None):
    """Refuse to resume from a checkpoint written for another model or data set,
    and say what resuming does with this run's options."""
    path = os.path.join(config["checkpoint_dir"], CHECKPOINT_NAME)
    if not os.path.exists(path):
        if log:
            log(f"--resume: no checkpoint {path} yet; starting a fresh run")
        return
    ckpt = load_checkpoint(path)
    saved = ckpt.config
    keys = ("dataset", "limit", "test_split", "max_train") + MODEL_KEYS
    changed = [k for k in keys if k in saved and saved[k] != config[k]]
    if changed:
        flag = {"test_split": "train-from-test-split"}

        def options(cfg):
            return " ".join(f"--{flag.get(k, k.replace('_', '-'))} {cfg[k]}" for k in changed)
        raise ValueError(f"cannot resume: {path} was written with {options(saved)}, this run asks "
                         f"for {options(config)}; use the same options or another --checkpoint-dir")
    if not log:
        return
    for key in ("lr", "weight_decay"):
        if key in saved and saved[key] != config[key]:
            flag = "--" + key.replace("_", "-")
            log(f"--resume: the checkpoint's optimizer state wins: {flag} {saved[key]} "
                f"(this run's {flag} {config[key]} is not used)")
    done = ckpt.epoch + 1 if ckpt.epoch is not None else 0
    if config["epochs"] <= done:
        log(f"--resume: {path} has already trained {done} epochs and --epochs is "
            f"{config['epochs']}; the run is complete, nothing to train (raise --epochs "
            f"to train further)")


def parameter_count(model):
    """Real parameters (a complex weight counts twice)."""
    return int(sum(p.data.size * (2 if p.is_complex else 1) for p in model.parameters()))


def evaluate_checkpoint(path, data_dir=None, limit=None, progress=None):
    """Rebuild the model recorded in checkpoint ``path`` and test it (reading
    only the test data); ``progress`` None shows a bar on a terminal."""
    from .nn.functional import cross_entropy
    from .predict import model_from_checkpoint
    ckpt = load_checkpoint(path)
    model, _ = model_from_checkpoint(ckpt)
    ckpt.restore(model, rng=False)
    config = _config(ckpt.config)
    if data_dir is not None:
        config["data_dir"] = data_dir
    if limit is not None:
        config["limit"] = limit
    xt, yt = load_test_set(config["dataset"], data_dir=config["data_dir"], limit=config["limit"],
                           test_split=config["test_split"], seed=config["seed"])
    test = evaluate(model, DataLoader(TensorDataset(xt, yt), 500), cross_entropy, progress)
    return {"checkpoint": str(path), "epoch": ckpt.epoch + 1, "test_accuracy": test["accuracy"],
            "test_loss": test["loss"], "test_samples": test["count"],
            "dataset": config["dataset"], "model": config["model"]}


def result_line(result):
    """One human line for a :func:`run` result (printed before its JSON)."""
    return (f"test accuracy {result['test_accuracy']:.4f} (loss {result['test_loss']:.4f}) on "
            f"{result['test_samples']} samples after {result['epochs']} epochs, "
            f"{result['seconds']:.1f} s; {result['parameters']} parameters, "
            f"{result['inverse_transforms_per_step']} inverse transforms per step")
