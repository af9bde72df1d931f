"""Map-style datasets: ``len(ds)`` and ``ds[i]`` (or ``ds.batch(indices)``)."""
from .. import backend


class Dataset:
    """Base class: subclasses define ``__len__`` and ``__getitem__``.

    ``batch(indices)`` returns a whole batch; the default stacks items, and
    array-backed datasets override it with one fancy-index per array.
    """

    def __len__(self):
        raise NotImplementedError

    def __getitem__(self, i):
        raise NotImplementedError

    def batch(self, indices):
        items = [self[int(i)] for i in indices]
        return tuple(backend.numpy.stack(col) for col in zip(*items))


class TensorDataset(Dataset):
    """Samples are rows of host arrays of equal length: ``(x[i], y[i], ...)``."""

    def __init__(self, *arrays):
        if not arrays:
            raise ValueError("TensorDataset needs at least one array")
        arrays = tuple(backend.numpy.asarray(a) for a in arrays)
        n = len(arrays[0])
        for k, a in enumerate(arrays):
            if a.ndim == 0 or len(a) != n:
                raise ValueError(
                    f"TensorDataset: every array needs the same first dimension; array 0 has "
                    f"{n} rows, array {k} has shape {a.shape}")
        self.arrays = arrays

    def __len__(self):
        return len(self.arrays[0])

    def __getitem__(self, i):
        return tuple(a[i] for a in self.arrays)

    def batch(self, indices):
        return tuple(a[indices] for a in self.arrays)
