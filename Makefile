# Rasad: every target installs what it needs first (Python venv, the Elasticsearch distribution and
# Rasad's Arabic analysis plugin via Maven).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
ES_DIST := infra/es-dist/target/elasticsearch-9.2.0/bin/elasticsearch
ES_PLUGIN := infra/es-arabic-plugin/target/es9.2.0/rasad-arabic-1.0.0.zip
# Maven runs on the Java 21+ the local node runs on (Lucene 10 and the plugin API need it); the
# launcher finds it (ES_JAVA_HOME, JAVA_HOME, /usr/lib/jvm) and names what to install when none fits.
JAVA21 = java_home=$$($(BIN)/python -m crawler.store.node java-home) && JAVA_HOME=$$java_home

.PHONY: setup run demo docs chromium test lint bench es-up es-down clean

$(BIN)/rasad: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $@

# touch: the unpacked files keep their release dates, older than pom.xml, so make would unpack again.
$(ES_DIST): infra/es-dist/pom.xml | $(BIN)/rasad
	$(JAVA21) mvn -q -B -f infra/es-dist/pom.xml dependency:unpack
	touch $@

$(ES_PLUGIN): infra/es-arabic-plugin/pom.xml $(shell find infra/es-arabic-plugin/src -type f) | $(BIN)/rasad
	$(JAVA21) mvn -q -B -f infra/es-arabic-plugin/pom.xml clean package

setup: $(BIN)/rasad $(ES_DIST) $(ES_PLUGIN)

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
