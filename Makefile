# make demo   run the demo app on http://127.0.0.1:5000
# make test   pytest, then the portable tests under MicroPython
# Both set up .venv (python3 -m venv) on first use; installs are redone only
# when pyproject.toml changes (stamp files inside .venv).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MICROPYTHON := $(VENV)/bin/micropython
STAMP_RUN := $(VENV)/.stamp-install
STAMP_DEV := $(VENV)/.stamp-install-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: demo test bench bench-memory clean

demo: $(STAMP_RUN)
	$(PY) examples/demo.py

# Runs both suites even when the first fails; fails if either failed.
test: $(STAMP_DEV)
	@status=0; \
	$(PY) -m pytest || status=1; \
	echo '== MicroPython: tests/mp_runner.py'; \
	$(MICROPYTHON) tests/mp_runner.py || status=1; \
	exit $$status

# make bench          wrk load benchmark (about 10 min; installs wrk and the
#                     peer venvs under benchmarks/.venvs/ on first use)
# make bench-memory   RAM of each module and of a server under MicroPython
# Options go in BENCH_ARGS: --write (update docs/benchmarks.md), --quick, ...
BENCH_ARGS ?=

bench: $(STAMP_DEV)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

bench-memory: $(STAMP_DEV)
	$(PY) benchmarks/memory.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis
	rm -rf src/*.egg-info *.egg-info
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP_RUN): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(PY)
	$(PY) -m pip install -q -e '.[dev]'
	touch $@ $(STAMP_RUN)
