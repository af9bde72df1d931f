"""The Fourier domain (see :mod:`freqnet.domains`)."""
