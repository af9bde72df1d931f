"""MNIST from the standard IDX files in a user-given directory.

Put the four files (gzipped or not) in one directory:
``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
``t10k-images-idx3-ubyte``, ``t10k-labels-idx1-ubyte`` (each optionally
``.gz``). ``download=True`` fetches the gzipped files from ``url`` into the
directory (default: the user cache, :func:`freqnet.data.cache_dir`),
checking each against its checksum (MD5, the published checksums of the
official files, or ``"sha256:<hex>"``), and fails with a clear error that
says where to put the files when offline.
"""
import hashlib
import os
import urllib.error
import urllib.request

from .. import backend
from ..atomic import atomic_open
from .cache import cache_dir
from .idx import IDXError, read_idx

MNIST_URL = "https://ossci-datasets.s3.amazonaws.com/mnist/"
#: file stem -> MD5 of the official gzipped file
MNIST_FILES = {
    "train-images-idx3-ubyte": "f68b3c2dcbeaaa9fbdd348bbdeb94873",
    "train-labels-idx1-ubyte": "d53e105ee54ea40749a09fcbcd1e9432",
    "t10k-images-idx3-ubyte": "9fb629c4189551a2d022fa330f9573f3",
    "t10k-labels-idx1-ubyte": "ec29112dd5afa0611ce80d1b7f02629c",
}
_SPLITS = {"train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
           "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte")}


class DownloadError(RuntimeError):
    """A file could not be downloaded or failed its checksum."""


def _find(directory, stem):
    for name in (stem + ".gz", stem):
        path = os.path.join(directory, name)
        if os.path.exists(path):
            return path
    return None


def _missing_message(directory, stems, hint_download=True):
    names = "\n".join(f"  {os.path.join(directory, s)}.gz   (or uncompressed: {s})" for s in stems)
    hint = (", or pass download=True (--download) on a machine with internet access"
            if hint_download else "")
    return (f"MNIST files not found. Put these IDX files in {directory}:\n{names}\n"
            f"(copy them from {MNIST_URL} or any MNIST mirror){hint}.")


def _hasher(checksum):
    """(hash object, expected hex digest) for "sha256:<hex>" or a plain MD5."""
    if checksum is not None and checksum.startswith("sha256:"):
        return hashlib.sha256(), checksum[len("sha256:"):]
    return hashlib.md5(), checksum


def download_mnist(directory, stems, url=MNIST_URL, checksums=MNIST_FILES, timeout=30):
    """Fetch ``stem.gz`` from ``url`` into ``directory``, verify its checksum
    (``checksums[stem]``: MD5 hex or "sha256:<hex>"), write atomically."""
    os.makedirs(directory, exist_ok=True)
    for stem in stems:
        target = os.path.join(directory, stem + ".gz")
        if os.path.exists(target):
            continue
        source = url.rstrip("/") + "/" + stem + ".gz"
        try:
            with urllib.request.urlopen(source, timeout=timeout) as response, \
                    atomic_open(target) as f:
                h, want = _hasher(checksums.get(stem))
                for block in iter(lambda: response.read(1 << 20), b""):
                    h.update(block)
                    f.write(block)
                if want is not None and h.hexdigest() != want:
                    raise DownloadError(f"{source}: {h.name} checksum {h.hexdigest()} does not "
                                        f"match the expected {want}; the file was not saved")
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise DownloadError(
                f"could not download {source} ({type(exc).__name__}: {exc}). If this machine "
                f"is offline: " + _missing_message(directory, stems, hint_download=False)) from None


def load_mnist(directory=None, split="train", download=False, url=MNIST_URL, timeout=30,
               checksums=MNIST_FILES):
    """``(images, labels)``: uint8 images (N, 28, 28) and int64 labels (N,).

    ``split`` is ``"train"`` or ``"test"`` (the t10k files). ``directory``
    None means the user cache's ``mnist`` folder.
    """
    if directory is None:
        directory = cache_dir("mnist")
    if split not in _SPLITS:
        raise ValueError(f"load_mnist: split must be 'train' or 'test', got {split!r}")
    directory = os.path.abspath(os.path.expanduser(os.fspath(directory)))
    stems = _SPLITS[split]
    if download and any(_find(directory, s) is None for s in stems):
        download_mnist(directory, stems, url=url, checksums=checksums, timeout=timeout)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"MNIST directory {directory} does not exist. "
                                + _missing_message(directory, stems))
    paths = [_find(directory, s) for s in stems]
    if None in paths:
        raise FileNotFoundError(_missing_message(directory, [s for s, p in zip(stems, paths)
                                                             if p is None]))
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or images.dtype != backend.numpy.uint8:
        raise IDXError(f"{paths[0]}: expected uint8 images of shape (N, rows, cols), "
                       f"got {images.dtype} of shape {images.shape}")
    if labels.ndim != 1:
        raise IDXError(f"{paths[1]}: expected a 1D label array, got shape {labels.shape}")
    if len(images) != len(labels):
        raise IDXError(f"{paths[0]} holds {len(images)} images but {paths[1]} holds "
                       f"{len(labels)} labels")
    if labels.size and (labels.min() < 0 or labels.max() > 9):
        raise IDXError(f"{paths[1]}: labels must lie in 0..9, found {labels.min()}..{labels.max()}")
    return images, labels.astype("int64")
