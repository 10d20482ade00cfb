# partnerboard: `make run` starts the server, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
WEB_INSTALLED := web/node_modules/.installed
BUNDLE := web/dist/board.js
WEB_SOURCES := $(wildcard web/src/*.js web/src/*/*.js web/tools/build.mjs canvases/*/web/*.js)

.PHONY: run test bench fuzz lint install web chromium clean

run: install web
	$(BIN)/partnerboard serve --data-dir ./data

test: install web chromium
	$(BIN)/pytest

bench: install web chromium
	$(BIN)/python -m pip install -q -e '.[bench]'
	$(BIN)/python tests/benchmarks/run.py
	cd tests/benchmarks && ../../$(BIN)/python decoder.py
	$(BIN)/python tests/benchmarks/browser_render.py
	$(BIN)/python tests/benchmarks/scaleout.py
	$(BIN)/python tests/benchmarks/history.py

# The long WebSocket fuzz run (issue 9): at least 1,000,000 inputs against a live server, a
# summary line at the end. FUZZ_ARGS passes options, e.g. FUZZ_ARGS="--seed 7 --max-minutes 30".
fuzz: install
	$(BIN)/python tests/wsfuzz/run.py $(FUZZ_ARGS)

lint: install
	$(BIN)/ruff check server plugins canvases tests web examples docs

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
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

clean:
	rm -rf $(VENV) web/node_modules web/dist build dist *.egg-info
