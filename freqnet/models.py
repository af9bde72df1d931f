"""Frequency-domain CNNs for 1D signals (MNIST-1D) and 2D images (MNIST).

DESIGN.md §4: the input is zero-padded in space (optional), transformed
once, and every later layer maps spectrum -> spectrum:

    ToSpectrum -> [SpectralConv -> BatchNorm -> activation -> pool] x depth
               -> (SpectralDropout) -> SpectralLinear head -> logits

Options: ``activation`` "exact" (pointwise ``nonlinearity`` via an inverse
and a forward transform), "poly" (its polynomial surrogate on the spectrum,
no transform), "bandpoly" (a learned polynomial per channel, initialised
from the degree-``poly_degree`` fit of ``nonlinearity`` on [-poly_radius,
poly_radius], evaluated circularly (``poly_wrap``, the default) or alias-free; with
``band_limit`` it computes only the bins the following spectral pooling
keeps; freqnet.nn.band_activation, THEORY §5b), "crelu" or "modrelu"
(spectral-native, no transform); ``pool_first`` pools before the
activation (it then runs on the smaller map);
``pooling`` "avg" (exact AvgPool(2), THEORY §6) or "spectral" (low-pass
crop); ``conv`` "spatial" (k-tap kernels, torch's parameterization),
"spectral" (complex weights per bin, Rippel et al.: no weight
transforms; full size, or the lowest ``modes`` as in FNO) or "smooth"
(complex weights at ``knots`` knots per axis interpolated across the
bins, Bruna et al.: spatially concentrated kernels, no weight transform;
THEORY §5b); ``poly_radius``
is the interval [-r, r] of the polynomial fit ("auto": a running estimate
of the batch spectral bound, kept like batch norm's statistics and fixed in
eval, see freqnet.nn.activation; a number keeps one polynomial); ``domain``
is passed to every layer. ``pad`` zero-pads the
signal before the transform, so that the circular convolutions of the
frequency domain see zeros instead of the other end of the signal (on
MNIST-1D the digit may sit at either border).

Both models check their input at the door (:func:`check_input`): a batch
of the ``input_shape`` they were built for, else an error naming the shape
given. Dtype rule: real inputs (bool, integer, or floating point of another
width) are cast to the model's floating dtype, so int64 pixels or float64
arrays just work; complex inputs are refused, since the models take real
signals (torch raises on any mismatch; freqnet casts what is lossless in
meaning and refuses what is not).
"""
from . import nn, ops
from .nn.module import Module, Sequential
from .tensor import Tensor

ACTIVATIONS = ("exact", "poly", "bandpoly", "crelu", "modrelu")
NONLINEARITIES = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
POOLINGS = ("avg", "spectral")
CONVS = ("spatial", "spectral", "smooth")


def _choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(str, options))}, got {value!r}")


def activation_layer(activation, nonlinearity, channels, domain, poly_radius="auto",
                     poly_degree=2, poly_learn=True, poly_wrap=True, modes_out=None):
    """The activation module for one block (see the module docstring)."""
    _choice("activation", activation, ACTIVATIONS)
    _choice("nonlinearity", nonlinearity, tuple(NONLINEARITIES))
    if activation == "bandpoly":
        if poly_radius == "auto":
            raise ValueError("activation='bandpoly' needs a numeric poly_radius (the range batch "
                             "norm sets), got 'auto'")
        return nn.BandPolynomial(channels, nonlinearity, poly_degree, poly_radius, poly_learn,
                                 modes_out=modes_out, wrap=poly_wrap, domain=domain)
    if activation == "exact":
        return NONLINEARITIES[nonlinearity](mode="exact", domain=domain)
    if activation == "poly":
        return NONLINEARITIES[nonlinearity](mode="poly", r=poly_radius, domain=domain)
    if activation == "crelu":
        return nn.CReLU(domain=domain)
    return nn.ModReLU(channels, domain=domain)


def auto_pad(sizes, depth):
    """The smallest zero padding p >= 1 that makes every size + p divisible by
    2**depth: the input is pooled ``depth`` times, and at least one zero keeps
    the circular convolutions from wrapping one edge onto the other
    (MNIST-1D: 40 -> 48; MNIST: 28 -> 32; 16x16 gratings at depth 3: 24)."""
    step = 2 ** depth
    for p in range(1, step + 1):
        if all((int(n) + p) % step == 0 for n in sizes):
            return p
    raise ValueError(f"no single padding makes the sizes {tuple(sizes)} divisible by {step}; "
                     f"give pad= explicitly or use pooling='spectral'")


def _fits(sizes, depth, kernel, pad):
    """Whether ``depth`` blocks fit inputs of ``sizes``: each block's map is at
    least ``kernel`` wide, and the last pooling leaves at least one sample."""
    try:
        p = auto_pad(sizes, depth) if pad == "auto" else int(pad)
    except ValueError:
        return False
    maps = [int(n) + p for n in sizes]
    return all(n // 2 ** (depth - 1) >= kernel and n // 2 ** depth >= 1 for n in maps)


def _check_depth(sizes, depth, kernel, pad):
    """Blame the depth when the input is pooled too often for the kernel (or to nothing)."""
    if depth < 1 or _fits(sizes, depth, kernel, pad):
        return
    sizes = tuple(int(n) for n in sizes)
    try:
        padded = tuple(n + (auto_pad(sizes, depth) if pad == "auto" else int(pad)) for n in sizes)
        last = tuple(n // 2 ** (depth - 1) for n in padded)
        detail = (f"padded to {padded} and halved {depth - 1} times, the last block's map is "
                  f"{last}")
    except ValueError:
        detail = f"no padding makes {sizes} divisible by 2^{depth}"
    deepest = max([d for d in range(1, depth) if _fits(sizes, d, kernel, pad)], default=None)
    hint = (f"the deepest that fits is depth {deepest}" if deepest
            else "no depth fits; use a smaller kernel size")
    raise ValueError(f"FrequencyCNN: depth {depth} is too deep for inputs of size {sizes} with "
                     f"kernel size {kernel}: {detail}; {hint}")


def check_input(model, x):
    """``x`` checked against ``model.input_shape`` and cast to ``model.dtype``
    (see the module docstring for the dtype rule)."""
    name = type(model).__name__
    if not isinstance(x, Tensor):
        raise TypeError(f"{name}: expected a freqnet Tensor, got {type(x).__name__}; "
                        f"wrap arrays with freqnet.tensor(x)")
    expected = model.input_shape
    if x.ndim != len(expected) + 1 or tuple(x.shape[1:]) != expected:
        raise ValueError(f"{name}: built for inputs of shape (batch, {', '.join(map(str, expected))})"
                         f", got shape {tuple(x.shape)}")
    if x.dtype.kind == "c":
        raise TypeError(f"{name}: takes real inputs, got dtype {x.dtype}; pass x.real (or "
                        f"abs(x)) explicitly if that is what you mean")
    return x if x.dtype == model.dtype else x.astype(model.dtype)


def _real_dtype(module):
    """The floating dtype of ``module``'s parameters (complex weights count as
    their real counterpart). The first parameter is looked up once and kept
    unregistered (not a second state entry), since forward asks every call."""
    first = module.__dict__.get("_first_parameter")
    if first is None:
        first = next(module.parameters(), None)
        if first is None:
            return None
        object.__setattr__(module, "_first_parameter", first)
    return first.data.real.dtype


class FrequencyCNN(Module):
    """A frequency CNN over ``ndim`` (1 or 2) spatial axes; see the module docstring.

    ``input_shape`` is (C, L) or (C, H, W). Channels double after each
    block from ``width`` (capped at ``4 * width``); every spatial size after
    padding must be divisible by 2**depth for average pooling. ``pad="auto"``
    picks that padding with :func:`auto_pad`.
    """

    def __init__(self, input_shape, num_classes=10, width=32, depth=3, kernel_size=5,
                 activation="exact", nonlinearity="relu", pooling="avg", domain="fourier",
                 batch_norm=True, dropout=0.0, pad=0, conv="spatial", modes=None,
                 poly_radius="auto", knots=4, poly_degree=2, poly_learn=True, poly_wrap=True,
                 band_limit=False, pool_first=False, seed=0):
        super().__init__()
        ndim = len(input_shape) - 1
        if ndim not in (1, 2):
            raise ValueError(f"FrequencyCNN: input_shape must be (C, L) or (C, H, W), got {input_shape}")
        _choice("pooling", pooling, POOLINGS)
        _choice("conv", conv, CONVS)
        if depth < 1 or width < 1:
            raise ValueError(f"FrequencyCNN: depth and width must be >= 1, got {depth}, {width}")
        self.ndim = ndim
        self.input_shape = tuple(int(n) for n in input_shape)
        self.num_classes = int(num_classes)
        self.pad = auto_pad(input_shape[1:], depth) if pad == "auto" else int(pad)
        spatial = tuple(int(n) + self.pad for n in input_shape[1:])
        if pooling == "avg" and any(n % 2 ** depth for n in spatial):
            raise ValueError(f"FrequencyCNN: average pooling {depth} times needs spatial sizes "
                             f"divisible by {2 ** depth}; got {spatial} (after pad={self.pad}); "
                             f"change pad or depth")
        Conv = nn.SpectralConv1d if ndim == 1 else nn.SpectralConv2d
        BatchNorm = nn.BatchNorm1d if ndim == 1 else nn.BatchNorm2d
        AvgPool = nn.AvgPool1d if ndim == 1 else nn.AvgPool2d
        layers = [nn.ToSpectrum(domain, ndim=ndim)]
        cin = int(input_shape[0])
        for i in range(depth):
            cout = min(width * 2 ** i, 4 * width)
            if conv == "spatial":
                layers.append(Conv(cin, cout, kernel_size, domain=domain))
            elif conv == "smooth":
                fit = tuple(min(knots, n) for n in spatial[:-1]) + (min(knots, spatial[-1] // 2 + 1),)
                layers.append(Conv(cin, cout, None, parameterization="smooth",
                                   spatial_shape=spatial, knots=fit, domain=domain))
            elif modes is None:
                layers.append(Conv(cin, cout, None, parameterization="spectral",
                                   spatial_shape=spatial, domain=domain))
            else:
                fit = min([modes, spatial[-1] // 2 + 1] + [n // 2 for n in spatial[:-1]])
                layers.append(Conv(cin, cout, None, parameterization="spectral", modes=fit,
                                   domain=domain))
            if batch_norm:
                layers.append(BatchNorm(cout, domain=domain))
            pool = AvgPool(2, domain=domain) if pooling == "avg" else \
                nn.SpectralPool(factor=2, ndim=ndim, domain=domain)
            keep = pool.kept_modes(spatial) if band_limit and pooling == "spectral" \
                and not pool_first else None
            act = activation_layer(activation, nonlinearity, cout, domain, poly_radius,
                                   poly_degree, poly_learn, poly_wrap, keep)
            layers.extend([pool, act] if pool_first else [act, pool])
            spatial = tuple(n // 2 for n in spatial)
            cin = cout
        if dropout:
            layers.append(nn.SpectralDropout(dropout, rng=seed, domain=domain))
        layers.append(nn.SpectralLinear(cin, spatial, num_classes, domain=domain,
                                        parameterization="spatial" if conv == "spatial" else "spectral"))
        self.net = Sequential(*layers)
        _check_depth(self.input_shape[1:], depth, kernel_size if conv == "spatial" else 1, pad)

    @property
    def dtype(self):
        return _real_dtype(self)

    def forward(self, x):
        x = check_input(self, x)
        if self.pad:
            widths = ((0, 0),) * (x.ndim - self.ndim) + ((0, self.pad),) * self.ndim
            x = ops.pad(x, widths)
        return self.net(x)


class SpectralLogistic(Module):
    """Logistic regression read off the spectrum: ToSpectrum -> SpectralLinear."""

    def __init__(self, input_shape, num_classes=10, domain="fourier"):
        super().__init__()
        ndim = len(input_shape) - 1
        self.input_shape = tuple(int(n) for n in input_shape)
        self.num_classes = int(num_classes)
        self.net = Sequential(nn.ToSpectrum(domain, ndim=ndim),
                              nn.SpectralLinear(input_shape[0], input_shape[1:], num_classes,
                                                domain=domain))

    @property
    def dtype(self):
        return _real_dtype(self)

    def forward(self, x):
        return self.net(check_input(self, x))


MODELS = ("cnn", "linear")


def build_model(name, input_shape, num_classes=10, **options):
    """``"cnn"`` (:class:`FrequencyCNN`) or ``"linear"`` (:class:`SpectralLogistic`,
    which takes only ``domain`` of the options)."""
    _choice("model", name, MODELS)
    if name == "linear":
        return SpectralLogistic(tuple(input_shape), num_classes, domain=options.get("domain", "fourier"))
    return FrequencyCNN(tuple(input_shape), num_classes, **options)
