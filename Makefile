# Glas: `make demo` runs it, `make test` proves it. Both work on a fresh clone.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app wsgi
HOST   ?= 127.0.0.1
PORT   ?= 5000
OIDC_PORT ?= 5001

MO_FILES := $(patsubst %.po,%.mo,$(wildcard translations/*/LC_MESSAGES/messages.po))

.PHONY: demo demo-config test lint format translations screenshots clean help cluster drills cluster-tools

help:
	@echo "make demo         set up and run Glas on SQLite with demo data at http://$(HOST):$(PORT)"
	@echo "make test         install what the tests need, lint, run the suite on PostgreSQL and SQLite"
	@echo "make lint         ruff check, ruff format --check and mypy --strict on app/"
	@echo "make format       ruff format and ruff check --fix"
	@echo "make screenshots  refresh docs/screenshots from the browser tests"
	@echo "make cluster      run the reference deployment of deploy/ on this machine (HAProxy, 2 app servers, ...)"
	@echo "make drills       start that cluster and run the 8 fault drills under load (docs/reliability.md)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

translations/%/LC_MESSAGES/messages.mo: translations/%/LC_MESSAGES/messages.po | $(VENV)/.app
	$(BIN)/pybabel compile -i $< -o $@

translations: $(MO_FILES)

# Run every time: fresh secrets the first time, then only the addresses follow HOST and PORTs.
demo-config: | $(VENV)/.app
	$(BIN)/python devtools/demo_config.py instance/config.py instance/eid-clients.json \
		$(HOST) $(PORT) $(OIDC_PORT)

demo: $(VENV)/.app node_modules/.installed translations demo-config
	$(FLASK) db upgrade
	$(FLASK) seed-demo
	HOST=$(HOST) PORT=$(PORT) OIDC_PORT=$(OIDC_PORT) devtools/demo.sh

lint: $(VENV)/.test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(VENV)/.test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Each suite on every core (pytest-xdist): each worker has its own database (cluster), servers
# and Chromium. At most 4 workers (PYTEST_XDIST_AUTO_NUM_WORKERS=n sets the number).
test: XDIST := -n auto --maxprocesses 4
test: $(VENV)/.app $(VENV)/.test node_modules/.installed translations lint
	@echo
	@echo "=== Test suite on PostgreSQL (throwaway cluster), with the browser tests ==="
	$(BIN)/pytest --db postgresql $(XDIST)
	@echo
	@echo "=== Test suite on SQLite (the embedded default) ==="
	$(BIN)/pytest --db sqlite -m "not browser" $(XDIST)

screenshots: $(VENV)/.app $(VENV)/.test node_modules/.installed translations
	rm -rf $(VENV)/screenshots
	$(BIN)/pytest --db sqlite -q tests/browser/test_accessibility.py -k home --screenshots $(VENV)/screenshots
	mkdir -p docs/screenshots
	cp $(VENV)/screenshots/home-sl.png $(VENV)/screenshots/home-en.png docs/screenshots/

clean:
	rm -rf $(VENV) node_modules translations/*/LC_MESSAGES/*.mo

# --- make bench: the benchmark of bench/ (not part of make test); SCALE=1 or SCALE=10 for one ---
.PHONY: bench
SCALE ?=

$(VENV)/.bench: bench/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r bench/requirements.txt
	@touch $@

bench: $(VENV)/.app $(VENV)/.bench translations
	@for tool in wrk redis-server; do \
		command -v $$tool >/dev/null && continue; \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get install -y $$tool || { apt-get update && apt-get install -y $$tool; }; \
		elif [ $$tool = wrk ]; then \
			echo "wrk is missing: sudo apt-get install wrk (the load generator)"; exit 1; \
		else \
			echo "redis-server is missing (sudo apt-get install redis-server): rate limits per worker"; \
		fi; \
	done
	$(BIN)/python -m bench.run $(if $(SCALE),--scale $(SCALE),--scale 1 --scale 10)

# --- make cluster / make drills: deploy/ on one machine, and its fault drills (not in make test) ---
CLUSTER_TOOLS := haproxy redis-server openssl socat curl

cluster-tools:
	@need=""; for tool in $(CLUSTER_TOOLS); do command -v $$tool >/dev/null || need="$$need $$tool"; done; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || need="$$need postgresql"; \
	if [ -n "$$need" ]; then \
		if [ "$$(id -u)" != 0 ]; then echo "missing:$$need (sudo apt-get install$$need)"; exit 1; fi; \
		echo "Installing:$$need"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null \
		|| { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$need >/dev/null; }; \
	fi

cluster: cluster-tools $(VENV)/.app $(VENV)/.test $(VENV)/.bench node_modules/.installed translations
	$(BIN)/python -m deploy.cluster

drills: cluster-tools $(VENV)/.app $(VENV)/.test $(VENV)/.bench node_modules/.installed translations
	$(BIN)/python -m deploy.cluster.drills $(if $(ONLY),--only $(ONLY))
