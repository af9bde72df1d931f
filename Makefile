# Two commands on a fresh machine with only Python 3 and pip:
#   make demo   trains the main frequency-domain CNN and prints its result
#   make test   runs the test suite
# Each creates .venv on first use and reuses it afterwards.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test test-all bench theory clean

$(STAMP): setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,theory,mpi]"
	touch $(STAMP)

demo: $(STAMP)
	$(PY) demos/train_mnist1d.py

# The suite runs twice: on NumPy, and on the strict backend (CuPy's device
# rules on the CPU), so that a host/device mix fails here and not on a GPU.
test: $(STAMP)
	$(PY) -m pytest -q
	FREQNET_BACKEND=strict $(PY) -m pytest -q

test-all: $(STAMP)
	$(PY) -m pytest -q -m "slow or not slow"
	FREQNET_BACKEND=strict $(PY) -m pytest -q -m "slow or not slow"

bench: $(STAMP)
	$(PY) benchmarks/conv.py
	$(PY) benchmarks/train.py
	$(PY) benchmarks/fft.py
	$(PY) benchmarks/distributed.py
	$(PY) benchmarks/pure_spectral.py

theory: $(STAMP)
	$(PY) -m freqnet.theory

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
