"""Batches from a Dataset, with seeded shuffling and ``drop_last``.

The order of epoch ``e`` is a permutation drawn from a generator seeded with
``(seed, e)``, so it depends only on the seed and the epoch number: a
resumed run (``set_epoch``) sees exactly the batches an uninterrupted run
would have seen, and nothing touches the global NumPy random state.
Batches are freqnet Tensors on the default backend: floating inputs as
``dtype`` (float32), integer labels as int64.
"""
from .. import backend
from ..tensor import Tensor
from .dataset import Dataset


class DataLoader:
    def __init__(self, dataset, batch_size=64, shuffle=False, drop_last=False, seed=0,
                 dtype="float32"):
        if not isinstance(dataset, Dataset):
            raise TypeError(f"DataLoader needs a freqnet.data.Dataset, got {type(dataset).__name__}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"DataLoader: batch_size must be a positive integer, got {batch_size!r}")
        if len(dataset) == 0:
            raise ValueError("DataLoader: the dataset is empty")
        self.dataset, self.batch_size = dataset, batch_size
        self.shuffle, self.drop_last, self.seed = bool(shuffle), bool(drop_last), int(seed)
        self.dtype = backend.dtype(dtype)
        self.epoch = 0

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def set_epoch(self, epoch):
        """Make the next iteration use epoch ``epoch``'s order."""
        self.epoch = int(epoch)

    def order(self, epoch):
        """The sample order of ``epoch`` (a host int64 array)."""
        np = backend.numpy
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n)
        return np.random.default_rng([self.seed, int(epoch)]).permutation(n)

    def __iter__(self):
        order = self.order(self.epoch)
        self.epoch += 1
        stop = len(self) * self.batch_size
        for start in range(0, stop, self.batch_size):
            yield self.batch(order[start:min(start + self.batch_size, len(order))])

    def batch(self, idx):
        """The samples ``idx`` (host indices) as a tuple of Tensors."""
        return tuple(self._to_tensor(a) for a in self.dataset.batch(idx))

    def _to_tensor(self, a):
        a = backend.numpy.asarray(a)
        if a.dtype.kind in "iu":
            a = a.astype("int64")
        elif a.dtype.kind in "f":
            a = a.astype(self.dtype)
        return Tensor(backend.asarray(a))

    def __repr__(self):
        return (f"DataLoader({len(self.dataset)} samples, batch_size={self.batch_size}, "
                f"shuffle={self.shuffle}, drop_last={self.drop_last}, seed={self.seed})")
