"""Reader for the IDX format of the MNIST files (LeCun et al.), gzipped or not.

Layout: two zero bytes, a type code (0x08 = uint8, ...), the number of
dimensions, then one big-endian uint32 per dimension and the data,
big-endian, row-major. Every way a file can be wrong (bad magic, a header
or data shorter or longer than the header says, a broken gzip stream) gets
an :class:`IDXError` naming the file and what was expected.
"""
import gzip
import os
import struct
import zlib

from .. import backend

_TYPES = {0x08: "u1", 0x09: "i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_GZIP_MAGIC = b"\x1f\x8b"


class IDXError(ValueError):
    """An IDX file is truncated, corrupt or not an IDX file."""


def _read_bytes(path):
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] != _GZIP_MAGIC:
        if str(path).endswith(".gz"):
            raise IDXError(f"{path}: named .gz but is not a gzip file (first bytes {raw[:4]!r})")
        return raw
    try:
        return gzip.decompress(raw)
    except (OSError, EOFError, zlib.error) as exc:
        raise IDXError(f"{path}: corrupt or truncated gzip data ({exc}); "
                       f"download the file again") from None


def parse_idx(raw, name="<bytes>"):
    """The array stored in IDX bytes ``raw`` (native byte order)."""
    np = backend.numpy
    if len(raw) < 4:
        raise IDXError(f"{name}: {len(raw)} bytes is too short for an IDX header (need 4)")
    zero, code, ndim = raw[:2], raw[2], raw[3]
    if zero != b"\x00\x00" or code not in _TYPES or ndim == 0:
        raise IDXError(f"{name}: bad magic number {raw[:4].hex()}; an IDX file starts with "
                       f"00 00, a type code in {sorted(hex(c) for c in _TYPES)} and ndim >= 1 "
                       f"(MNIST images: 00000803, labels: 00000801)")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise IDXError(f"{name}: truncated header: {ndim} dimensions need {header} bytes, "
                       f"the file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = np.dtype(_TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        what = "truncated" if len(raw) < expected else "too long"
        raise IDXError(f"{name}: {what}: the header says shape {shape} of {dtype.name} "
                       f"({expected} bytes in all), the file has {len(raw)} bytes")
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))


def read_idx(path):
    """The array stored in the IDX file ``path`` (``.gz`` or plain)."""
    path = os.fspath(path)
    return parse_idx(_read_bytes(path), path)
