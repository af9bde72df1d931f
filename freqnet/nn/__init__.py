"""Layers, containers and losses (DESIGN.md §4). Layer modules register
their public names here."""
from .module import Module, Parameter, Sequential, ModuleList
from .spectrum import (ToSpectrum, ToSpatial, ToSpectrum1d, ToSpectrum2d, ToSpatial1d,
                       ToSpatial2d, DOMAINS, get_domain, expect_spectrum, expect_spatial)
from .conv import SpectralConv1d, SpectralConv2d
from .pooling import (AvgPool1d, AvgPool2d, SpectralPool, SpectralPool1d, SpectralPool2d,
                      GlobalAvgPool)
from .linear import Linear, Flatten, SpectralLinear
from .activation import ReLU, Sigmoid, Tanh, GELU, CReLU, ModReLU
from .band_activation import BandPolynomial
from .bandwidth import bandwidth_report
from .normalization import BatchNorm1d, BatchNorm2d
from .dropout import SpectralDropout
from .losses import CrossEntropyLoss, BCEWithLogitsLoss, MSELoss, SpectralMSELoss
from .laplace_conv import LaplaceConv1d, LaplaceConv2d
from . import functional
