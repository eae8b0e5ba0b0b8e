# Rasad: every target installs what it needs first (Python venv, Elasticsearch jars via Maven).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A stamp file: the jars keep their release dates, older than pom.xml, so make would re-run mvn.
JARS := infra/es-node/target/.resolved

.PHONY: setup run demo docs chromium test lint bench es-up es-down clean

$(BIN)/rasad: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

$(JARS): infra/es-node/pom.xml
	mvn -q -B -f infra/es-node/pom.xml dependency:copy-dependencies
	touch $@

setup: $(BIN)/rasad $(JARS)

# The main job on the embedded default: local Elasticsearch node, then one crawl + digest cycle.
run: setup
	$(BIN)/rasad run-once --demo-if-offline

# The whole pipeline offline: local node, fixture site, digest, mail to a local SMTP sink.
demo: setup
	$(BIN)/rasad demo

# Headless Chromium (Debian's package) renders and checks the digest: the browser tests and `make docs`.
# Installed here when missing and running as root (as CI does); otherwise the command to run is printed.
chromium:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && apt-get update -q && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium fonts-noto-core; } || \
		{ echo "make: Chromium is needed: sudo apt-get install --no-install-recommends chromium fonts-noto-core"; exit 1; }

# docs/digest-example.png: the digest of a fresh demo, checked and screenshot by headless Chromium.
docs: setup chromium
	$(BIN)/rasad demo --fresh
	$(BIN)/python scripts/render_digest_example.py

# Starts the local node itself when ES_URL is not set (see tests/conftest.py).
test: setup chromium
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check crawler jobs reports tests

# BENCH_ARGS=--extraction-full: every page of the public extraction benchmark (default: a quarter of them).
bench: setup
	$(BIN)/python -m bench $(BENCH_ARGS)

es-up: setup
	$(BIN)/rasad es up

es-down:
	$(BIN)/rasad es down

clean:
	rm -rf var reports/out .pytest_cache
