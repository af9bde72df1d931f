"""Train a 2D frequency-domain CNN on real MNIST from IDX files.

    python demos/train_mnist.py --data-dir DIR            # 10,000 training images
    python demos/train_mnist.py --data-dir DIR --max-train 60000   # the full set
    python demos/train_mnist.py --data-dir DIR --train-from-test-split 8000
        # only the t10k files: train on 8,000 of them, test on the other 2,000

DIR holds train-images-idx3-ubyte(.gz), train-labels-idx1-ubyte(.gz),
t10k-images-idx3-ubyte(.gz) and t10k-labels-idx1-ubyte(.gz); ``--download``
fetches them when online. The network: zero-pad 28x28 to 32x32, rfft2, three
blocks of spectral conv, batch norm, exact ReLU and exact 2x2 average
pooling, and a Parseval linear head on the 4x4 spectrum.
"""
from _common import parse, report, train

DEFAULTS = {"dataset": "mnist", "model": "cnn", "activation": "exact", "nonlinearity": "relu",
            "pooling": "avg", "width": 16, "depth": 3, "kernel_size": 5, "pad": 4,
            "epochs": 6, "batch_size": 64, "optimizer": "adam", "lr": 3e-3,
            "schedule": "cosine", "max_train": 10000}


def main(argv=None):
    args = parse(__doc__.splitlines()[0], DEFAULTS, argv=argv)
    if args.data_dir is None:
        raise SystemExit("error: give --data-dir DIR with the MNIST IDX files (see --help)")
    if args.test_split is not None:
        args.max_train = None
    result, _, _ = train(args)
    report(result)


if __name__ == "__main__":
    main()
