"""Train on MNIST-1D and plot the training curves and the learned filters.

Writes into OUT_DIR (created):
  curves.png           training and validation loss and accuracy per epoch (the
                       validation set is the test set, as with --validate)
  filters_spatial.png  the first conv layer's kernels (taps; the full-length
                       kernel for spectral-parameterised convs)
  filters_spectra.png  their magnitude responses |W(k)| on the padded length
  bandwidth.png        (models with polynomial activations) per layer, the
                       shares of the polynomial's output energy kept, dropped
                       by the next layer, and past the grid's band (aliased;
                       THEORY.md §5b), on 16 training samples
Any model option works, e.g. ``--conv smooth --activation bandpoly --pooling
spectral --band-limit --nonlinearity gelu``.

    python demos/plot_training.py OUT_DIR [--epochs 10 ...]
"""
import os

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.ticker import MaxNLocator  # noqa: E402

from _common import parse, report, train  # noqa: E402
from train_pure_spectral import first_batch  # noqa: E402
from freqnet import backend, nn  # noqa: E402
from freqnet.domains.fourier import maths  # noqa: E402
from freqnet.nn.bandwidth import polynomial_layers  # noqa: E402
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
    X conj(W)): the full-length kernel irfft(W) and |W|; smooth: W
    interpolated from the knots first.
    """
    np = backend.numpy
    conv = next((m for m in model.modules() if type(m).__name__ == "SpectralConv1d"), None)
    if conv is None:
        raise ValueError("the model has no SpectralConv1d whose filters could be plotted")
    w = conv.weight.numpy()[:, 0]
    if conv.parameterization == "smooth":
        w = maths.interpolate_knots(w, (length,), conv.knots)
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


def plot_bandwidth(shares, path):
    """Per polynomial layer, the shares of its output energy dropped by the
    next layer and aliased (past the grid's band), on a log axis (the rest,
    mostly the mean, is kept)."""
    np = backend.numpy
    at = np.arange(len(shares))
    fig, ax = plt.subplots(figsize=(1.8 * len(shares) + 2.5, 4))
    for offset, key, colour in ((-0.2, "dropped", "tab:orange"), (0.2, "aliased", "tab:red")):
        values = [max(r[key], 1e-12) for r in shares]
        ax.bar(at + offset, values, width=0.4, color=colour, label=key)
        for x, v in zip(at + offset, values):
            ax.annotate(f"{100 * v:.2g}%", (x, v), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(at, [f"{r['layer']}\n(kept {r['kept']:.1%})" for r in shares])
    ax.set_yscale("log")
    ax.set_ylim(1e-7, 1)
    ax.set_xlabel("polynomial activation layer")
    ax.set_ylabel("share of output energy")
    ax.set_title("polynomial activations: energy dropped by the next layer, and aliased")
    ax.legend(loc="upper right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
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
    if polynomial_layers(model):
        x, _ = first_batch(result["config"], 16)
        result["bandwidth"] = nn.bandwidth_report(model, x)
        files["bandwidth"] = os.path.join(out_dir, "bandwidth.png")
        plot_bandwidth(result["bandwidth"], files["bandwidth"])
    result["files"] = files
    report(result)


if __name__ == "__main__":
    main()
