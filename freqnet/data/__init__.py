"""Datasets and the DataLoader (DESIGN.md §2): MNIST-1D generated offline,
MNIST from IDX files, a synthetic 2D set that needs no files."""
from .dataset import Dataset, TensorDataset
from .loader import DataLoader
from .mnist1d import load_mnist1d, MNIST1D_ARGS
from .idx import read_idx, IDXError
from .mnist import load_mnist, download_mnist, MNIST_FILES, MNIST_URL, DownloadError
from .synthetic import make_gratings
from .cache import cache_dir
from .sources import load_dataset, load_test_set, DATASETS, INPUT_SHAPES
