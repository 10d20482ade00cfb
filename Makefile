# partnerboard: `make run` starts the server, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WEB_INSTALLED := web/node_modules/.installed
BUNDLE := web/dist/board.js
WEB_SOURCES := $(wildcard web/src/*.js web/src/*/*.js web/tools/build.mjs canvases/*/web/*.js)

.PHONY: run test bench fuzz lint install web chromium nginx clean

run: install web
	$(BIN)/partnerboard serve --data-dir ./data

# The suite in three passes (all three run; the first failure sets the exit status):
# - tests/browser one test at a time: each drives Chromium against a server process. They stay
#   serial: Chromium's rendering is CPU-bound and their 10 s expectations were the first to slip
#   under load (a vote tap at load 11);
# - the server tests on SQLite, then on PostgreSQL (every test server gets a database of its
#   own), each pass over two pytest-xdist workers: each pass is ~190-250 s of CPU, the rest is
#   waiting (servers starting, sockets, timers), which two workers overlap. Every test starts
#   its own servers on ports bound to 0 in its own tmp dir; the session-wide server is per worker.
# The PostgreSQL pass leaves out the tests that run on PostgreSQL whatever the store
# (ALWAYS_POSTGRES), and (tests/conftest.py, pytest_collection_modifyitems) those that reach no
# store at all: no server, store, database or tmp dir among their fixtures, so nothing there
# could differ. The two fuzz tests send less per pass than `make fuzz` does: test_fuzz_ws one
# fixed seed per store (both seeds in each run), test_http_fuzz 8 examples per operation and
# mode. PostgreSQL test databases are dropped in the background (tests/pgutil.py). Measured on
# 2026-12-02, each pass before and after these cuts side by side (shared cores, load 2-7):
# PostgreSQL pass 332 -> 278 s wall, 223 -> 188 s CPU; SQLite pass 442 -> 417 s wall,
# 288 -> 249 s CPU.
SERVER_TESTS := tests --ignore=tests/browser
ALWAYS_POSTGRES := --ignore=tests/test_scaleout.py --ignore=tests/test_postgres_store.py \
	--ignore=tests/test_nginx.py --ignore=tests/test_scaleout_faults.py \
	--ignore=tests/test_bus_integrity.py --ignore=tests/test_node_races.py \
	--ignore=tests/test_finalize_scaleout.py \
	--ignore=tests/test_vote_race.py
test: install web chromium nginx
	@status=0; \
	$(BIN)/pytest tests/browser || status=1; \
	$(BIN)/pytest -n 2 $(SERVER_TESTS) || status=1; \
	$(BIN)/pytest -n 2 $(SERVER_TESTS) $(ALWAYS_POSTGRES) --store postgres || status=1; \
	exit $$status

bench: install web chromium
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python tests/benchmarks/run.py
	$(BIN)/python tests/benchmarks/update_path.py
	$(BIN)/python tests/benchmarks/check_share.py
	$(BIN)/python tests/benchmarks/soak.py
	cd tests/benchmarks && ../../$(BIN)/python decoder.py
	$(BIN)/python tests/benchmarks/browser_render.py
	$(BIN)/python tests/benchmarks/scaleout.py
	$(BIN)/python tests/benchmarks/history.py
	PYTHONPATH=tests $(BIN)/python tests/benchmarks/finalize_stall.py
	PYTHONPATH=tests $(BIN)/python tests/benchmarks/vote_cost.py

# The long fuzz runs. First the two fuzz tests at their full size (make test runs them
# smaller): test_fuzz_ws with both fixed seeds (make test: one per store), test_http_fuzz with
# 100 examples per operation and mode (make test: 8), a few minutes. Then the long WebSocket
# run (issue 9): at least 1,000,000 inputs against live servers, two runs at once (one a core,
# each with its own server and seed), their totals on the last line; about 90 minutes on 2
# shared cores. FUZZ_ARGS passes options, e.g. FUZZ_ARGS="--seed 7 --max-minutes 30".
# Both run; the first failure sets the exit status.
fuzz: install
	@status=0; \
	PARTNERBOARD_FUZZ_LONG=1 PARTNERBOARD_FUZZ_EXAMPLES=100 \
		$(BIN)/pytest tests/test_fuzz_ws.py tests/test_http_fuzz.py || status=1; \
	$(BIN)/python tests/wsfuzz/run.py $(FUZZ_ARGS) || status=1; \
	exit $$status

lint: install
	$(BIN)/ruff check server plugins canvases tests web examples docs

install: $(INSTALLED)

$(INSTALLED): pyproject.toml server/update_reader.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $@

web: $(BUNDLE)

$(WEB_INSTALLED): web/package.json web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(BUNDLE): $(WEB_INSTALLED) $(WEB_SOURCES)
	cd web && npm run --silent build

# Browser tests use the system Chromium (Playwright's own download does not work here).
chromium:
	@if [ -z "$$PARTNERBOARD_CHROMIUM" ] && ! command -v chromium >/dev/null; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
		else echo "Chromium is missing: install the 'chromium' package or set PARTNERBOARD_CHROMIUM"; exit 1; fi; \
	fi

# tests/test_nginx.py runs deploy/nginx.conf in the distribution's nginx (only the binary is used:
# the test starts its own, as the current user, on a free port); without nginx it is skipped.
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq nginx >/dev/null; \
		else echo "nginx is missing: install the 'nginx' package, or tests/test_nginx.py is skipped"; fi; \
	fi

clean:
	rm -rf $(VENV) web/node_modules web/dist build dist *.egg-info
