"""Frequency-domain CNNs for 1D signals (MNIST-1D) and 2D images (MNIST).

DESIGN.md §4: the input is zero-padded in space (optional), transformed
once, and every later layer maps spectrum -> spectrum:

    ToSpectrum -> [SpectralConv -> BatchNorm -> activation -> pool] x depth
               -> (SpectralDropout) -> SpectralLinear head -> logits

Options: ``activation`` "exact" (pointwise ``nonlinearity`` via an inverse
and a forward transform), "poly" (its polynomial surrogate on the spectrum,
no transform), "crelu" or "modrelu" (spectral-native, no transform);
``pooling`` "avg" (exact AvgPool(2), THEORY §6) or "spectral" (low-pass
crop); ``conv`` "spatial" (k-tap kernels, torch's parameterization) or
"spectral" (complex weights per bin, Rippel et al.: no weight
transforms; full size, or the lowest ``modes`` as in FNO); ``poly_radius``
is the interval [-r, r] of the polynomial fit ("auto": a running estimate
of the batch spectral bound, kept like batch norm's statistics and fixed in
eval, see freqnet.nn.activation; a number keeps one polynomial); ``domain``
is passed to every layer. ``pad`` zero-pads the
signal before the transform, so that the circular convolutions of the
frequency domain see zeros instead of the other end of the signal (on
MNIST-1D the digit may sit at either border).
"""
from . import nn, ops
from .nn.module import Module, Sequential

ACTIVATIONS = ("exact", "poly", "crelu", "modrelu")
NONLINEARITIES = {"relu": nn.ReLU, "gelu": nn.GELU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}
POOLINGS = ("avg", "spectral")
CONVS = ("spatial", "spectral")


def _choice(name, value, options):
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(str, options))}, got {value!r}")


def activation_layer(activation, nonlinearity, channels, domain, poly_radius="auto"):
    """The activation module for one block (see the module docstring)."""
    _choice("activation", activation, ACTIVATIONS)
    _choice("nonlinearity", nonlinearity, tuple(NONLINEARITIES))
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
                 poly_radius="auto", seed=0):
        super().__init__()
        ndim = len(input_shape) - 1
        if ndim not in (1, 2):
            raise ValueError(f"FrequencyCNN: input_shape must be (C, L) or (C, H, W), got {input_shape}")
        _choice("pooling", pooling, POOLINGS)
        _choice("conv", conv, CONVS)
        if depth < 1 or width < 1:
            raise ValueError(f"FrequencyCNN: depth and width must be >= 1, got {depth}, {width}")
        self.ndim = ndim
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
            elif modes is None:
                layers.append(Conv(cin, cout, None, parameterization="spectral",
                                   spatial_shape=spatial, domain=domain))
            else:
                fit = min([modes, spatial[-1] // 2 + 1] + [n // 2 for n in spatial[:-1]])
                layers.append(Conv(cin, cout, None, parameterization="spectral", modes=fit,
                                   domain=domain))
            if batch_norm:
                layers.append(BatchNorm(cout, domain=domain))
            layers.append(activation_layer(activation, nonlinearity, cout, domain, poly_radius))
            if pooling == "avg":
                layers.append(AvgPool(2, domain=domain))
                spatial = tuple(n // 2 for n in spatial)
            else:
                layers.append(nn.SpectralPool(factor=2, ndim=ndim, domain=domain))
                spatial = tuple(n // 2 for n in spatial)
            cin = cout
        if dropout:
            layers.append(nn.SpectralDropout(dropout, rng=seed, domain=domain))
        layers.append(nn.SpectralLinear(cin, spatial, num_classes, domain=domain,
                                        parameterization="spectral" if conv == "spectral" else "spatial"))
        self.net = Sequential(*layers)

    def forward(self, x):
        if self.pad:
            widths = ((0, 0),) * (x.ndim - self.ndim) + ((0, self.pad),) * self.ndim
            x = ops.pad(x, widths)
        return self.net(x)


class SpectralLogistic(Module):
    """Logistic regression read off the spectrum: ToSpectrum -> SpectralLinear."""

    def __init__(self, input_shape, num_classes=10, domain="fourier"):
        super().__init__()
        ndim = len(input_shape) - 1
        self.net = Sequential(nn.ToSpectrum(domain, ndim=ndim),
                              nn.SpectralLinear(input_shape[0], input_shape[1:], num_classes,
                                                domain=domain))

    def forward(self, x):
        return self.net(x)


MODELS = ("cnn", "linear")


def build_model(name, input_shape, num_classes=10, **options):
    """``"cnn"`` (:class:`FrequencyCNN`) or ``"linear"`` (:class:`SpectralLogistic`,
    which takes only ``domain`` of the options)."""
    _choice("model", name, MODELS)
    if name == "linear":
        return SpectralLogistic(tuple(input_shape), num_classes, domain=options.get("domain", "fourier"))
    return FrequencyCNN(tuple(input_shape), num_classes, **options)
