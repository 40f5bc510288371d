# Klynge: `make demo` runs the product on the embedded store; `make test` runs every test.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.klynge-installed
LINT_DIR := tools/cypher-lint
WEB_DIR := web/frontend
NEO4J_DIR := tools/neo4j
NEO4J_JAR := $(NEO4J_DIR)/target/klynge-neo4j.jar
PYTEST_ARGS ?=

.PHONY: setup setup-python setup-node setup-neo4j setup-browser neo4j demo test lint-cypher bench stress messages clean help

help:
	@echo "make demo   - set up, then load synthetic demo data, compute measures and serve http://127.0.0.1:5000"
	@echo "make test   - set up, then run the whole test suite (both stores: the embedded one and a local Neo4j with GDS)"
	@echo "make neo4j  - build the local Neo4j 5.26 + GDS from Maven (klynge neo4j start|stop|status)"
	@echo "make bench  - run the quick benchmarks (figures in bench/results)"
	@echo "make stress - crash, concurrency and load drills on 127.0.0.1, under 15 minutes (docs/reliability.md)"

setup: setup-python setup-node setup-neo4j

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

# The local Neo4j with GDS (tools/neo4j): built with Java 17 and Maven into the repository's own Maven
# folder, once; without them its tests are skipped with that reason printed.
setup-neo4j:
	@if command -v java >/dev/null 2>&1 && command -v mvn >/dev/null 2>&1; then \
	  $(MAKE) --no-print-directory neo4j; \
	else echo "java or mvn is missing: the local Neo4j is not built and its tests will be skipped"; fi

neo4j: $(NEO4J_JAR)

$(NEO4J_JAR): $(NEO4J_DIR)/pom.xml $(wildcard $(NEO4J_DIR)/src/main/java/klynge/neo4j/*.java)
	cd $(NEO4J_DIR) && mvn -B -q -Dmaven.repo.local=$$PWD/.m2 package
	touch $@

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

# Refresh the web app's message catalogues from the sources (lists ids without a translation).
messages: setup-python
	$(BIN)/python tools/i18n/update.py

bench: setup
	$(BIN)/python -m bench.run --quick

stress: setup
	$(BIN)/python -m bench.stress

clean:
	rm -rf $(VENV) $(LINT_DIR)/node_modules $(WEB_DIR)/node_modules web/static/vendor var $(NEO4J_DIR)/target
