"""Train on MNIST-1D and plot the training curves and the learned filters.

Writes into OUT_DIR (created):
  curves.png           training and validation loss and accuracy per epoch (the
                       validation set is the test set, as with --validate)
  filters_spatial.png  the first conv layer's kernels (taps; the full-length
                       kernel for spectral-parameterised convs)
  filters_spectra.png  their magnitude responses |W(k)| on the padded length
Any model option works, e.g. ``--conv spectral --activation poly``.

    python demos/plot_training.py OUT_DIR [--epochs 10 ...]
"""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from _common import parse, report, train  # noqa: E402
from freqnet import backend  # noqa: E402
from freqnet.writable import NotWritableError, check_writable_dir  # noqa: E402

DEFAULTS = {"dataset": "mnist1d", "model": "cnn", "activation": "exact", "pooling": "avg",
            "width": 32, "depth": 3, "kernel_size": 5, "pad": 8, "epochs": 10, "lr": 3e-3,
            "validate": True}


def _extra(p):
    p.add_argument("out_dir", help="directory for the PNG files")


def plot_curves(history, path):
    epochs = [h["epoch"] for h in history]
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(10, 4))
    ax_loss.plot(epochs, [h["loss"] for h in history], label="train")
    ax_acc.plot(epochs, [h["accuracy"] for h in history], label="train")
    if history and "val_loss" in history[0]:
        ax_loss.plot(epochs, [h["val_loss"] for h in history], label="val (test set)")
        ax_acc.plot(epochs, [h["val_accuracy"] for h in history], label="val (test set)")
    for ax, name in ((ax_loss, "cross-entropy loss"), (ax_acc, "accuracy")):
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))   # whole epochs only
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        if history:
            ax.legend()
        else:
            ax.text(0.5, 0.5, "no epochs trained", ha="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def first_conv_filters(model, length):
    """The first 1D conv's filters (input channel 0): (spatial kernels, |spectra|).

    Spatial parameterisation: the k taps, and |rfft| on the padded length.
    Spectral parameterisation (complex weights W per bin, the layer computes
    X conj(W)): the full-length kernel irfft(W) and |W|.
    """
    np = backend.numpy
    conv = next((m for m in model.modules() if type(m).__name__ == "SpectralConv1d"), None)
    if conv is None:
        raise ValueError("the model has no SpectralConv1d whose filters could be plotted")
    w = conv.weight.numpy()[:, 0]
    if conv.parameterization == "spatial":
        return w, np.abs(np.fft.rfft(w, n=length, axis=-1))
    if w.shape[-1] != length // 2 + 1:
        raise ValueError("band-limited (modes=) spectral weights: plot a full-size model instead")
    return np.fft.fftshift(np.fft.irfft(w, n=length, axis=-1), axes=-1), np.abs(w)


def plot_filters(kernels, spectra, length, spatial_path, spectra_path, show=16):
    np = backend.numpy
    kernels, spectra = kernels[:show], spectra[:show]
    cols = 4
    rows = -(-len(kernels) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.5 * cols, 1.8 * rows), squeeze=False)
    for ax, k in zip(axes.flat, kernels):
        ax.stem(np.arange(len(k)) - len(k) // 2, k)
        ax.axhline(0, color="gray", lw=0.5)
    for ax in axes[-1]:
        ax.set_xlabel("tap offset")
    for ax in axes[:, 0]:
        ax.set_ylabel("weight")
    fig.suptitle("first-layer kernels (taps, centred)")
    fig.tight_layout()
    fig.savefig(spatial_path, dpi=110)
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(7, 4))
    im = ax.imshow(spectra, aspect="auto", cmap="viridis")
    ax.set_xlabel(f"frequency bin (of a length-{length} signal)")
    ax.set_ylabel("filter")
    fig.colorbar(im, label="|W(k)|")
    ax.set_title("first-layer filters: magnitude responses")
    fig.tight_layout()
    fig.savefig(spectra_path, dpi=110)
    plt.close(fig)


def main(argv=None):
    args = parse(__doc__.splitlines()[0], DEFAULTS, _extra, argv)
    out_dir = args.out_dir
    del args.out_dir
    try:                                   # before training, not after it
        check_writable_dir(out_dir, "OUT_DIR")
    except NotWritableError as exc:
        raise SystemExit(f"error: {exc}") from None
    result, model, history = train(args)
    files = {"curves": os.path.join(out_dir, "curves.png"),
             "filters_spatial": os.path.join(out_dir, "filters_spatial.png"),
             "filters_spectra": os.path.join(out_dir, "filters_spectra.png")}
    plot_curves(history, files["curves"])
    length = 40 + args.pad
    kernels, spectra = first_conv_filters(model, length)
    plot_filters(kernels, spectra, length, files["filters_spatial"], files["filters_spectra"])
    result["files"] = files
    report(result)


if __name__ == "__main__":
    main()
