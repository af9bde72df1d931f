"""Tiled Toom-Cook (real-point "Laplace") correlation as one autograd Function.

THEORY.md §9(c)(i). Forward: pad ("zeros" or "circular"), then
Y = AT[(G g G^T) * (BT d BT^T)]AT^T on every tile, with the channel sum as a
batched matmul over the alpha^2 transformed points. The map is bilinear, so
the backward runs through the transposed transforms:

    grad_d = BT^T [(G g G^T) * (AT^T gY AT)] BT     (overlap-added over tiles)
    grad_g = G^T  [(BT d BT^T) * (AT^T gY AT)] G     (summed over tiles)

then through the adjoint of the padding (crop, or fold the wrapped border
back for circular padding). The transformed input and weight are saved from
the forward pass and reused.
"""
from .. import backend
from ..autograd import Function
from ..spectral import laplace as tc

PADDING_MODES = ("zeros", "circular")


def _pad(x, pads, mode, tile_pads):
    """Pad the spatial axes by ``pads`` ((before, after) each) in ``mode``, then
    zeros at the end by ``tile_pads`` (to whole tiles)."""
    xp = backend.array_module(x)
    lead = ((0, 0), (0, 0))
    if mode == "circular" and any(a or b for a, b in pads):
        x = xp.pad(x, lead + tuple(pads), mode="wrap")
        pads = tuple((0, 0) for _ in pads)
    width = tuple((a, b + t) for (a, b), t in zip(pads, tile_pads))
    return xp.pad(x, lead + width) if any(a or b for a, b in width) else x


def _fold_wrap(g, axis, n, before):
    """Adjoint of wrap padding along ``axis``: padded index j reads x[(j - before) mod n]."""
    xp = backend.array_module(g)
    length = g.shape[axis]
    front = (-before) % n                   # zeros in front so that index j' reads x[j' mod n]
    total = -(-(front + length) // n) * n
    width = [(0, 0)] * g.ndim
    width[axis] = (front, total - front - length)
    g = xp.pad(g, width)
    shape = g.shape[:axis] + (total // n, n) + g.shape[axis + 1:]
    return g.reshape(shape).sum(axis=axis)


def _unpad(g, shape, pads, mode):
    """Adjoint of :func:`_pad` (the tile padding is already cropped)."""
    d = len(pads)
    if mode == "circular":
        for a, (before, _) in enumerate(pads):
            g = _fold_wrap(g, 2 + a, shape[2 + a], before)
        return g
    index = (slice(None), slice(None)) + tuple(
        slice(before, before + shape[2 + a]) for a, (before, _) in enumerate(pads))
    return g[index] if d else g


class LaplaceCorrelate(Function):
    """CNN correlation (+ bias) of a (B, C, *S) map by an (O, C, *r) kernel via Toom-Cook tiles."""

    category = "channel_mixing"

    def forward(self, x, w, bias, plans, pads, mode):
        self.plans, self.pads, self.mode = plans, pads, mode
        self.x_shape = x.shape
        spatial = tuple(n + a + b for n, (a, b) in zip(x.shape[2:], pads))
        self.outputs = tuple(n - p.r + 1 for n, p in zip(spatial, plans))
        self.counts, padded = tc.tile_counts(spatial, plans)
        self.tile_pads = tuple(p - n for p, n in zip(padded, spatial))
        u = tc.transform_input(_pad(x, pads, mode, self.tile_pads), plans)
        wt = tc.transform_weight(w, plans)
        self.save(u, wt)
        self.has_bias = bias is not None
        y = tc.transform_output(tc.channel_mix(wt, u), plans)
        y = y[(Ellipsis,) + tuple(slice(0, n) for n in self.outputs)]
        if bias is not None:
            y = y + bias.reshape((-1,) + (1,) * len(plans))
        return y

    def backward(self, gy):
        u, wt = self.saved
        xp = backend.array_module(gy)
        plans, d = self.plans, len(self.plans)
        gb = gy.sum(axis=(0,) + tuple(range(2, 2 + d))) if self.has_bias and self.needs(2) else None
        full = tuple(t * p.m for t, p in zip(self.counts, plans))
        if full != self.outputs:
            gy = xp.pad(gy, ((0, 0), (0, 0)) + tuple((0, f - n) for f, n in zip(full, self.outputs)))
        gm = tc.transform_output_adjoint(gy, plans, self.counts)
        gx = gw = None
        if self.needs(0):
            gu = tc.channel_mix(wt.transpose(0, 2, 1), gm)
            gx = tc.transform_input_adjoint(gu, plans, self.counts)
            crop = (slice(None), slice(None)) + tuple(
                slice(0, n - t) for n, t in zip(gx.shape[2:], self.tile_pads))
            gx = _unpad(gx[crop], self.x_shape, self.pads, self.mode)
        if self.needs(1):
            p, o, c = wt.shape
            gw = tc.weight_adjoint(gm.reshape(p, o, -1) @ u.reshape(p, c, -1).transpose(0, 2, 1), plans)
        return gx, gw, gb, None, None, None


def laplace_correlate(x, w, bias, plans, pads, mode="zeros"):
    """Differentiable tiled correlation; see :class:`LaplaceCorrelate`.

    ``plans``: one :class:`freqnet.spectral.laplace.ToomCook` per spatial axis
    (r must match the kernel's size on that axis); ``pads``: (before, after)
    per spatial axis; ``mode``: "zeros" or "circular".
    """
    if mode not in PADDING_MODES:
        raise ValueError(f"padding mode must be one of {PADDING_MODES}, got {mode!r}")
    return LaplaceCorrelate()(x, w, bias, tuple(plans), tuple(tuple(p) for p in pads), mode)
