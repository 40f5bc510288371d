# Klynge: `make demo` runs the product on the embedded store; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.klynge-installed
LINT_DIR := tools/cypher-lint
WEB_DIR := web/frontend
PYTEST_ARGS ?=

.PHONY: setup setup-python setup-node setup-browser demo test lint-cypher bench stress clean help

help:
	@echo "make demo   - set up, then load synthetic demo data, compute measures and serve http://127.0.0.1:5000"
	@echo "make test   - set up, then run the whole test suite (embedded store; Neo4j tests need NEO4J_URI)"
	@echo "make bench  - run the quick benchmarks (figures in bench/results)"
	@echo "make stress - crash, concurrency and load drills on 127.0.0.1, under 15 minutes (docs/reliability.md)"

setup: setup-python setup-node

setup-python: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

setup-node: $(LINT_DIR)/node_modules/.installed web/static/vendor/.built

$(LINT_DIR)/node_modules/.installed: $(LINT_DIR)/package.json $(LINT_DIR)/package-lock.json
	cd $(LINT_DIR) && npm ci --no-audit --no-fund --loglevel=error
	touch $@

web/static/vendor/.built: $(wildcard $(WEB_DIR)/package.json $(WEB_DIR)/package-lock.json $(WEB_DIR)/build.mjs)
	@if [ -f $(WEB_DIR)/package.json ]; then \
	  cd $(WEB_DIR) && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build; \
	fi
	mkdir -p web/static/vendor && touch $@

# Debian's Chromium for the browser tests (needs root or sudo; skipped with a message otherwise).
setup-browser:
	@if command -v chromium >/dev/null 2>&1; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; else \
	  echo "chromium is not installed and there is no root: browser tests will be skipped"; exit 0; fi; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null

demo: setup
	$(BIN)/klynge demo

test: setup setup-browser
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint-cypher: setup
	$(BIN)/python -m cypher.lint

bench: setup
	$(BIN)/python -m bench.run --quick

stress: setup
	$(BIN)/python -m bench.stress

clean:
	rm -rf $(VENV) $(LINT_DIR)/node_modules $(WEB_DIR)/node_modules web/static/vendor var
