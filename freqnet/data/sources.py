"""The named datasets of the CLI and demos, as normalised host arrays."""
from .. import backend
from .mnist import load_mnist
from .mnist1d import load_mnist1d
from .synthetic import make_gratings

DATASETS = ("mnist1d", "mnist", "synthetic")
#: one sample's shape per dataset (what checkpoints older than their stored
#: input shape were trained on)
INPUT_SHAPES = {"mnist1d": (1, 40), "mnist": (1, 28, 28), "synthetic": (1, 16, 16)}
MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def mnist_images(images):
    """Raw MNIST pixels (N, 28, 28) uint8 as the network's input (N, 1, 28, 28)."""
    return ((images.astype("float32") / 255.0 - MNIST_MEAN) / MNIST_STD)[:, None]


def load_dataset(name, data_dir=None, download=False, limit=None, test_split=None,
                 max_train=None, synthetic_size=(2000, 500), seed=0):
    """``(x_train, y_train, x_test, y_test)`` for dataset ``name``.

    ``limit`` keeps the first ``limit`` training and test samples (quick
    runs); ``max_train`` keeps the first ``max_train`` training samples only. For MNIST, ``test_split=n`` ignores the training files and splits
    the 10,000 t10k images into ``n`` for training and the rest for testing
    (a fixed, seeded permutation, the same for every training seed).
    """
    _check_name(name)
    if name == "mnist1d":
        x, y, xt, yt = load_mnist1d()
    elif name == "synthetic":
        x, y = make_gratings(synthetic_size[0], seed=1000 + seed)
        xt, yt = make_gratings(synthetic_size[1], seed=2000 + seed)
    else:
        _check_mnist_dir(data_dir, download)
        if test_split is not None:
            x, y, xt, yt = _mnist_test_split(data_dir, download, test_split)
        else:
            images, labels = load_mnist(data_dir, "train", download=download)
            test_images, yt = load_mnist(data_dir, "test", download=download)
            x, y, xt = mnist_images(images), labels, mnist_images(test_images)
    if limit is not None:
        _check_limit(limit)
        x, y, xt, yt = x[:limit], y[:limit], xt[:limit], yt[:limit]
    if max_train is not None:
        if max_train < 1:
            raise ValueError(f"max_train must be a positive integer, got {max_train}")
        x, y = x[:max_train], y[:max_train]
    return x, y, xt, yt


def load_test_set(name, data_dir=None, download=False, limit=None, test_split=None, seed=0):
    """``(x_test, y_test)`` of :func:`load_dataset` with the same arguments,
    reading no training file (MNIST: only the t10k files)."""
    _check_name(name)
    if name != "mnist":
        return load_dataset(name, limit=limit, seed=seed)[2:]
    _check_mnist_dir(data_dir, download)
    if test_split is not None:
        xt, yt = _mnist_test_split(data_dir, download, test_split)[2:]
    else:
        images, yt = load_mnist(data_dir, "test", download=download)
        xt = mnist_images(images)
    if limit is not None:
        _check_limit(limit)
        xt, yt = xt[:limit], yt[:limit]
    return xt, yt


def _check_name(name):
    if name not in DATASETS:
        raise ValueError(f"unknown dataset {name!r}; expected one of {', '.join(DATASETS)}")


def _check_limit(limit):
    if limit < 1:
        raise ValueError(f"limit must be a positive integer, got {limit}")


def _check_mnist_dir(data_dir, download):
    if data_dir is None and not download:
        raise ValueError("the mnist dataset needs a data directory (--data-dir DIR) holding "
                         "the IDX files, or --download (into the user cache)")


def _mnist_test_split(data_dir, download, test_split):
    """The t10k images split by a fixed permutation: (x, y, xt, yt)."""
    images, labels = load_mnist(data_dir, "test", download=download)
    if not 0 < test_split < len(images):
        raise ValueError(f"test_split must lie in 1..{len(images) - 1}, got {test_split}")
    order = backend.numpy.random.default_rng(12345).permutation(len(images))
    tr, te = order[:test_split], order[test_split:]
    return mnist_images(images[tr]), labels[tr], mnist_images(images[te]), labels[te]

