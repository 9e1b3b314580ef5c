# Two commands do all the set-up on a fresh machine (see README):
#   make demo   — create .venv, install everything, run the demo park end to end
#   make test   — create .venv, install everything, run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export VTK_DEFAULT_OPENGL_WINDOW ?= vtkEGLRenderWindow
export PYVISTA_OFF_SCREEN ?= true
export MPLBACKEND ?= Agg
export NUMBA_CACHE_DIR ?= $(CURDIR)/.numba_cache

BROWSER_STAMP := $(VENV)/.chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install demo test test-nojit bench

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# The browser test of the plan draft opens it in Debian's Chromium (a system package: apt, as root or with sudo).
$(BROWSER_STAMP): $(STAMP)
	command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		$(SUDO) apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	command -v chromium >/dev/null || { echo "install Debian's chromium package (the plan draft's browser test)"; exit 1; }
	touch $(BROWSER_STAMP)

demo: $(STAMP)
	$(VENV)/bin/parktwin demo --out demo-output

test: $(STAMP) $(BROWSER_STAMP)
	$(PY) -m pytest -q -n 2 --dist loadgroup --durations=25
	NUMBA_DISABLE_JIT=1 $(PY) -m pytest -q -n 2 -m kernel

BENCH_STAMP := $(VENV)/.bench

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(PY) -m pip install -q -e ".[dev,bench]"
	touch $(BENCH_STAMP)

# Every benchmark, with the peers it compares against (pyproject extra "bench"); prints ratios measured in one run.
bench: $(BENCH_STAMP)
	$(PY) benchmarks/plume.py
	$(PY) benchmarks/puff.py
	$(PY) benchmarks/puff_convergence.py
	$(PY) benchmarks/dense_gas.py
	$(PY) benchmarks/slab_examples.py
	$(PY) benchmarks/leak_run.py
	$(PY) benchmarks/flood.py
	$(PY) benchmarks/ensemble.py
	$(PY) benchmarks/year.py
