"""A trained model in use: :func:`load_model` and ``python -m freqnet predict``.

A checkpoint written by ``train --checkpoint-dir`` holds the config, the
input shape and the number of classes (freqnet.checkpoint), so the model is
rebuilt without the training data. Checkpoints older than the stored shape
fall back to the shape of their dataset (:data:`freqnet.data.INPUT_SHAPES`)
and 10 classes, with a warning.

Inputs are ``.npy`` or ``.npz`` arrays or IDX files (``.gz`` or plain), of
shape (N,) + input_shape, or (N, H, W) / (N, L) for one-channel models. For
a model trained on MNIST, uint8 inputs are raw pixels and are normalised as
in training; everything else is taken as the network's input, and the
model's dtype rule applies (freqnet.models). Predictions are written as
``.npz`` (``classes``, ``probabilities``) or ``.csv`` (index, class, one
probability per class), atomically.
"""
import io
import os
import warnings

from . import backend
from .atomic import atomic_open
from .autograd import no_grad
from .checkpoint import CheckpointError, load_checkpoint
from .data.sources import INPUT_SHAPES, mnist_images
from .tensor import tensor

OUTPUT_FORMATS = (".npz", ".csv")


def model_from_checkpoint(ckpt):
    """The untrained model that ``ckpt`` (a :class:`~freqnet.checkpoint.Checkpoint`)
    was saved from, and its input shape."""
    from .experiment import _config, build_model
    if not ckpt.config:
        raise CheckpointError(f"{ckpt.path}: holds no model configuration (it was saved with "
                              f"save_checkpoint(config=None)); build the model yourself and "
                              f"load the weights with load_checkpoint(path).restore(model)")
    config = _config(ckpt.config)
    shape, classes = ckpt.input_shape, ckpt.num_classes
    if shape is None or classes is None:
        shape = shape or INPUT_SHAPES[config["dataset"]]
        classes = classes or 10
        warnings.warn(f"{ckpt.path}: written before checkpoints stored the input shape; "
                      f"assuming {config['dataset']}'s {shape} and {classes} classes",
                      stacklevel=3)
    return build_model(config, shape, classes), shape


def load_model(path):
    """The trained model stored in checkpoint ``path``, in eval mode."""
    ckpt = load_checkpoint(path)
    model, _ = model_from_checkpoint(ckpt)
    ckpt.restore(model, rng=False)
    return model.eval()


def read_inputs(path):
    """The array in ``path``: ``.npy``, ``.npz`` (its only array, or ``x``) or IDX."""
    from .data.idx import read_idx
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"input {path} does not exist" if not os.path.exists(path)
                                else f"input {path} is not a file")
    np = backend.numpy
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    if path.endswith(".npz"):
        with np.load(path, allow_pickle=False) as f:
            names = list(f.files)
            if len(names) == 1 or "x" in names:
                return f[names[0] if len(names) == 1 else "x"]
        raise ValueError(f"{path}: holds arrays {names}; expected one array, or one named 'x'")
    return read_idx(path)


def prepare_inputs(array, input_shape, dataset=None):
    """``array`` as a batch for a model of ``input_shape`` (module docstring)."""
    shape = tuple(input_shape)
    if array.dtype.kind not in "biuf":
        raise ValueError(f"the model takes real numbers; the input has dtype {array.dtype}")
    if array.ndim == len(shape) and shape[0] == 1 and tuple(array.shape[1:]) == shape[1:]:
        array = array[:, None]                  # (N, H, W) -> (N, 1, H, W)
    if dataset == "mnist" and array.dtype == backend.numpy.uint8:
        array = mnist_images(array[:, 0] if array.ndim == 4 else array)
    return array


def predict(model, inputs, batch_size=500, progress=None):
    """``(classes, probabilities)`` (host arrays) of ``model`` on ``inputs``
    (a host array of shape (N,) + input_shape), in eval mode, in batches."""
    from .nn.functional import softmax
    from .train import _progress
    if len(inputs) == 0:
        raise ValueError("predict: the input holds no samples")
    was_training = model.training
    model.eval()
    parts = []
    bar = _progress(-(-len(inputs) // batch_size), progress, "predict")
    try:
        with no_grad():
            for start in range(0, len(inputs), batch_size):
                logits = model(tensor(inputs[start:start + batch_size]))
                parts.append(softmax(logits, axis=-1).numpy())
                bar.update(1)
    finally:
        bar.close()
        model.train(was_training)
    probabilities = backend.numpy.concatenate(parts)
    return probabilities.argmax(axis=-1), probabilities


def check_output_path(path):
    """Refuse an ``--out`` of an unknown format or in a missing folder, before any work."""
    from .writable import check_writable_file
    if not path.endswith(OUTPUT_FORMATS):
        raise ValueError(f"--out {path}: expected a file name ending in "
                         f"{' or '.join(OUTPUT_FORMATS)}")
    check_writable_file(path, "--out")


def write_predictions(path, classes, probabilities):
    """Write ``classes`` and ``probabilities`` to ``path`` (.npz or .csv), atomically."""
    check_output_path(path)
    if path.endswith(".npz"):
        with atomic_open(path) as f:
            backend.numpy.savez(f, classes=classes, probabilities=probabilities)
        return path
    with atomic_open(path, "w") as f:
        f.write(predictions_csv(classes, probabilities))
    return path


def predictions_csv(classes, probabilities):
    """index,class,p0,...: one line per sample, with a header."""
    out = io.StringIO()
    k = probabilities.shape[1]
    out.write("index,class," + ",".join(f"p{i}" for i in range(k)) + "\n")
    for i, (c, p) in enumerate(zip(classes.tolist(), probabilities.tolist())):
        out.write(f"{i},{c}," + ",".join(f"{v:.6g}" for v in p) + "\n")
    return out.getvalue()


def predict_file(checkpoint, input_path, out=None, batch_size=500, progress=None):
    """``python -m freqnet predict``: predictions of ``checkpoint`` on the
    file ``input_path``, written to ``out`` (or returned as CSV text)."""
    if out is not None:
        check_output_path(out)
    ckpt = load_checkpoint(checkpoint)
    model, shape = model_from_checkpoint(ckpt)
    ckpt.restore(model, rng=False)
    inputs = prepare_inputs(read_inputs(input_path), shape, ckpt.config.get("dataset"))
    classes, probabilities = predict(model, inputs, batch_size, progress)
    if out is None:
        return None, predictions_csv(classes, probabilities)
    write_predictions(out, classes, probabilities)
    return {"checkpoint": str(checkpoint), "input": str(input_path), "out": str(out),
            "samples": int(len(classes))}, None
