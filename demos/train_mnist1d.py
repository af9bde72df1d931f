"""Train a frequency-domain CNN on MNIST-1D (the ``make demo`` default).

MNIST-1D (Greydanus 2020) is generated offline with the mnist1d package's
default arguments (4,000 training and 1,000 test signals of length 40). The
network keeps every layer on the spectrum: one rfft at the input, then
three blocks of spectral convolution, batch norm, ReLU (exact mode: one
inverse and one forward transform each) and exact average pooling, then a
Parseval linear head on the spectrum. The input is zero-padded from 40 to
48 samples first, so the circular convolutions do not wrap one end of the
signal onto the other. Prints one line per epoch, then a JSON object with
the test accuracy, the seconds taken and the transforms per training step.

    python demos/train_mnist1d.py                 # the defaults below
    python demos/train_mnist1d.py --epochs 1 --limit 256   # a smoke run
"""
from _common import parse, report, train

DEFAULTS = {"dataset": "mnist1d", "model": "cnn", "activation": "exact", "nonlinearity": "relu",
            "pooling": "avg", "width": 32, "depth": 3, "kernel_size": 5, "pad": 8,
            "epochs": 30, "batch_size": 64, "optimizer": "adam", "lr": 3e-3,
            "schedule": "cosine"}


def main(argv=None):
    args = parse(__doc__.splitlines()[0], DEFAULTS, argv=argv)
    result, _, _ = train(args)
    result["published_cnn_baseline"] = 0.94
    report(result)


if __name__ == "__main__":
    main()
