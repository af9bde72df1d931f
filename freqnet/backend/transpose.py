"""C-ordered copies of transposed host arrays, in blocks that suit the cache.

NumPy copies a transposed view element by element in the output's order,
so each read lands on a new cache line; where the output has many more rows
than columns (the channels-first view of frequency-major memory that the
channel mixing returns, DESIGN.md §7, copied into the FFTW route's
buffers), copying a cache line's worth of columns of every row at a
time is 3-4x faster on the 2D model's maps (DESIGN.md §8).
"""
import numpy

#: bytes of every output row that one step of a blocked transposing copy writes (a cache line)
BLOCK_BYTES = 64


def copy_into(dst, src):
    """dst[...] = src for a C-contiguous host ``dst``; blocked where ``src`` is
    a wide transpose (:func:`as_wide_transpose`)."""
    s2 = as_wide_transpose(src)
    if s2 is None:
        dst[...] = src
        return
    d2 = dst.reshape(s2.shape)
    step = max(BLOCK_BYTES // src.itemsize, 1)
    for j in range(0, s2.shape[1], step):
        d2[:, j:j + step] = s2[:, j:j + step]


def as_wide_transpose(src):
    """``src`` as a (rows, columns) view of transposed C-ordered memory, with
    rows > columns, when it is one (leading axes innermost in memory); else None."""
    n = src.ndim
    order = sorted(range(n), key=lambda ax: (-src.strides[ax], ax))
    k = order[0]
    if k == 0 or order != list(range(k, n)) + list(range(k)) or \
            not src.transpose(order).flags.c_contiguous:
        return None
    rows, cols = int(numpy.prod(src.shape[:k])), int(numpy.prod(src.shape[k:]))
    return src.transpose(order).reshape(cols, rows).T if rows > cols else None

