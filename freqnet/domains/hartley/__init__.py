"""The Hartley domain (see :mod:`freqnet.domains`)."""
