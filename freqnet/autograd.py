"""Tape-based reverse-mode autograd, exact for real and complex arrays.

DESIGN.md §3. Each :class:`Function` call records its inputs and the few
arrays its backward rule needs. :func:`backward` walks the graph in reverse
topological order with a heap keyed by generation (iterative: no recursion
limit, no re-sorting), pops each output gradient as soon as it is used, and
frees the graph unless ``retain_graph=True``.

Complex convention (THEORY.md §0, PyTorch's): for a real loss L and a complex
tensor z = a + ib, ``z.grad = dL/da + i dL/db``. A backward rule receives the
output gradients in this convention and returns the input gradients in it;
for a real input the real part is kept.
"""
import contextlib
import heapq
import itertools

from . import backend
from .tensor import Tensor

_grad_enabled = True
_tie_breaker = itertools.count()

#: The one seam for cross-cutting observers (the profiler, :mod:`freqnet.profiler`):
#: None, or an object whose ``run(fn, phase, call, module)`` returns ``call()``
#: (the forward or backward of Function ``fn`` on arrays of ``module``) and
#: may time it. Set by ``freqnet.profile()``; nothing else looks here.
observer = None


def is_grad_enabled():
    return _grad_enabled


@contextlib.contextmanager
def set_grad_enabled(mode):
    """Context manager that turns graph recording on or off."""
    global _grad_enabled
    previous, _grad_enabled = _grad_enabled, bool(mode)
    try:
        yield
    finally:
        _grad_enabled = previous


def no_grad():
    """Context manager: ops inside it record nothing (as ``torch.no_grad``)."""
    return set_grad_enabled(False)


def _is_differentiable_dtype(dt):
    return dt.kind in "fc"


class Function:
    """One differentiable op: ``forward`` on arrays, ``backward`` on gradients.

    Subclasses implement ``forward(*arrays)`` returning an array (or a tuple
    of arrays) and ``backward(*grads)`` returning one gradient per input (or
    None). Non-Tensor inputs (Python numbers, constant arrays) are passed to
    ``forward`` as they are and get no gradient. Keep only what backward
    needs, with :meth:`save`.
    """

    #: profiler category: "transform", "channel_mixing", "activation", "other"
    category = "other"
    #: for transforms: "forward" (to a spectrum) or "inverse" (to space)
    transform = None
    #: what a transform acts on: "activation" (data) or "weight" (a parameter)
    transform_of = "activation"

    saved = ()
    generation = 0
    #: the layer that ran this op's forward, set only while profiling
    profiled_layer = None

    def save(self, *arrays):
        """Keep ``arrays`` for backward; dropped when the graph is freed."""
        self.saved = arrays

    def __call__(self, *inputs):
        arrays = []
        module = None
        needs_grad = False
        generation = -1
        for x in inputs:                      # one pass: arrays, device, grad, generation
            if isinstance(x, Tensor):
                mod = backend.array_module(x.data)
                if module is not None and mod is not module:
                    raise RuntimeError(
                        f"{type(self).__name__}: inputs are on different devices "
                        f"({'gpu' if module is not backend.numpy else 'cpu'} and "
                        f"{'gpu' if mod is not backend.numpy else 'cpu'}); move them "
                        f"with .to('cpu') or .to('gpu') first"
                    )
                module = mod
                arrays.append(x.data)
                if x.requires_grad:
                    needs_grad = True
                if x.creator is not None and x.creator.generation > generation:
                    generation = x.creator.generation
            else:
                arrays.append(x)
        if module is not None and module is not backend.numpy:
            arrays = [backend.join_device(a, module) for a in arrays]

        if observer is None:
            outputs = self.forward(*arrays)
        else:
            outputs = observer.run(self, "forward", lambda: self.forward(*arrays), module)

        single = not isinstance(outputs, tuple)
        if single:
            outputs = (outputs,)
        generic = backend.numpy.generic
        for y in outputs:
            if isinstance(y, generic):
                # NumPy returns scalars for full reductions and 1-D @ 1-D; keep 0-d arrays
                outputs = tuple(backend.numpy.asarray(y) for y in outputs)
                break
        needs_grad = needs_grad and _grad_enabled
        results = []
        if needs_grad:
            self.inputs = tuple(_edge(x) for x in inputs)
            self.xp = module if module is not None else backend.array_module(outputs[0])
            self.generation = generation + 1
            self.output_meta = [_Meta(y.shape, y.dtype) for y in outputs]
            self.output_grads = [None] * len(outputs)
            for i, y in enumerate(outputs):
                diff = _is_differentiable_dtype(y.dtype)
                t = Tensor._make(y, diff)
                if diff:
                    t.creator, t.output_index = self, i
                results.append(t)
        else:
            self.saved = ()
            results = [Tensor._make(y, False) for y in outputs]
        return results[0] if single else tuple(results)

    def needs(self, i):
        """Whether input ``i`` wants a gradient (valid inside backward)."""
        return self.inputs[i] is not None

    def forward(self, *arrays):
        raise NotImplementedError

    def backward(self, *grads):
        raise NotImplementedError

    # -- used by the backward engine -------------------------------------
    def _take_output_grads(self):
        grads = self.output_grads
        for i, g in enumerate(grads):
            if g is None:
                meta = self.output_meta[i]
                grads[i] = self.xp.zeros(meta.shape, dtype=meta.dtype)
        self.output_grads = [None] * len(grads)
        return grads

    def _release(self):
        self.inputs = None
        self.saved = None

    def __repr__(self):
        return f"<{type(self).__name__} generation={self.generation}>"


def linear_map(name, apply, adjoint, doc, category="other", transform=None,
               transform_of="activation"):
    """A Function class for a linear map: forward ``apply(x, *params)``,
    backward ``adjoint(g, *params)``, its exact adjoint (THEORY.md §0).
    ``params`` are constants (shapes, sizes) and get no gradient. This is
    how each map of the domains' maths is written beside its adjoint and
    made differentiable in one line."""
    def forward(self, x, *params):
        self.params = params
        return apply(x, *params)

    def backward(self, g):
        return (adjoint(g, *self.params),) + (None,) * len(self.params)

    return type(name, (Function,), {"__doc__": doc, "forward": forward, "backward": backward,
                                    "category": category, "transform": transform,
                                    "transform_of": transform_of})


class _Meta:
    """Shape and dtype of an op output (what its gradient must conform to)."""

    __slots__ = ("shape", "dtype")

    def __init__(self, shape, dtype):
        self.shape, self.dtype = shape, dtype


def _edge(x):
    """What backward keeps of one input (DESIGN.md §3): the leaf itself (to
    accumulate into), ``(creator, output_index)`` for an op output, or None
    when it takes no gradient. Holding no intermediate Tensor lets its data
    be freed when the op's backward does not need it."""
    if not isinstance(x, Tensor) or not x.requires_grad:
        return None
    return x if x.creator is None else (x.creator, x.output_index)


def conform_grad(grad, like):
    """Cast ``grad`` to the dtype of ``like`` (a Tensor or array); a real
    input keeps the real part (THEORY.md §0: grad_x = Re(...))."""
    dt = like.dtype
    if dt.kind != "c" and grad.dtype.kind == "c":
        grad = grad.real
    if grad.shape != like.shape:
        raise RuntimeError(
            f"internal error: gradient of shape {grad.shape} for a tensor of shape {like.shape}"
        )
    return grad.astype(dt, copy=False)


def backward(root, grad=None, retain_graph=False):
    """Accumulate d(root)/d(leaf) into every leaf's ``.grad`` (DESIGN.md §3)."""
    if not root.requires_grad:
        raise RuntimeError(
            "backward() called on a tensor that does not require grad: it was "
            "not computed from any tensor with requires_grad=True (or was "
            "computed under no_grad())"
        )
    if grad is None:
        if root.data.size != 1 or root.dtype.kind == "c":
            raise RuntimeError(
                "grad can be left out only for a real scalar output; got a "
                f"{root.dtype} tensor of shape {root.shape}. Pass backward(grad=...)"
            )
        grad = backend.array_module(root.data).ones(root.shape, dtype=root.dtype)
    else:
        grad = grad.data if isinstance(grad, Tensor) else backend.asarray(grad, like=root.data)
        if grad.shape != root.shape:
            raise ValueError(
                f"backward(grad=...): grad has shape {grad.shape}, expected {root.shape}"
            )
        grad = conform_grad(grad, root.data)

    if root.creator is None:
        root._accumulate(grad)
        return
    fn = root.creator
    if fn.saved is None:
        raise RuntimeError(
            "trying to backward through the graph a second time, after its "
            "buffers were freed; call backward(retain_graph=True) the first time"
        )
    fn.output_grads[root.output_index] = grad
    heap = [(-fn.generation, next(_tie_breaker), fn)]
    queued = {fn}
    while heap:
        fn = heapq.heappop(heap)[2]
        if fn.saved is None:
            raise RuntimeError(
                "trying to backward through a part of the graph that was already "
                "freed; use retain_graph=True on the earlier backward()"
            )
        grads_out = fn._take_output_grads()
        if observer is None:
            grads_in = fn.backward(*grads_out)
        else:
            grads_in = observer.run(fn, "backward", lambda: fn.backward(*grads_out), fn.xp)
        if not isinstance(grads_in, tuple):
            grads_in = (grads_in,)
        inputs = fn.inputs
        if not retain_graph:
            fn._release()
        del grads_out
        for edge, g in zip(inputs, grads_in):
            if g is None or edge is None:
                continue
            if isinstance(edge, Tensor):
                edge._accumulate(conform_grad(g, edge.data))
                continue
            creator, i = edge
            g = conform_grad(g, creator.output_meta[i])
            slot = creator.output_grads
            slot[i] = g if slot[i] is None else slot[i] + g
            if creator not in queued:
                queued.add(creator)
                heapq.heappush(heap, (-creator.generation, next(_tie_breaker), creator))
