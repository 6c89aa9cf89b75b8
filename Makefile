PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test install install-test lint format translations bench-alerts bench-import bench-notify bench-playbooks bench-summary demo

$(BIN)/python:
	$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "leaktrack needs Python 3.11 or newer")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## Serve the web app on http://$(HOST):$(PORT) and run the scheduler, until Ctrl-C.
run: install
	$(BIN)/leaktrack db upgrade
	$(BIN)/leaktrack users ensure-admin
	@echo "leaktrack on http://$(HOST):$(PORT) (Ctrl-C stops the web app and the scheduler)"
	@trap 'trap - INT TERM EXIT; kill 0' INT TERM EXIT; \
	$(BIN)/leaktrack scheduler & \
	$(BIN)/leaktrack run --host $(HOST) --port $(PORT)

## Load the demo data set (a year of made-up incidents) into an empty database.
demo: install
	$(BIN)/leaktrack db upgrade
	$(BIN)/leaktrack demo

## Run the whole test suite.
test: install-test
	$(BIN)/python -m pytest -n 2 -q

## Extract the UI messages, update every translation catalog and compile it.
translations: install
	$(BIN)/python -m leaktrack.catalogs

## Benchmark the monitoring webhook against a bare Flask endpoint (gunicorn, 2 workers, SQLite).
bench-alerts: install
	$(BIN)/python -m bench.alerts

## Benchmark a million-row CP932 stakeholder import against plain sqlite3.executemany.
bench-import: install
	$(BIN)/python -m bench.import --rows 1000000

## Benchmark a customer notice to a million people: SQL fan-out, then dispatch to a loopback
## SendGrid, against a bare loop posting the same request bodies with the same client.
bench-notify: install
	$(BIN)/python -m bench.notify --rows 1000000

## Benchmark the playbook progress of 5,000 incidents against the same SQL through the bare driver.
bench-playbooks: install
	$(BIN)/python -m bench.playbooks --incidents 5000

## Benchmark the summary API and the dashboard: 10,000 incidents, one with a million people.
bench-summary: install
	$(BIN)/python -m bench.summary --incidents 10000 --people 1000000

lint: install-test
	$(BIN)/ruff check leaktrack tests bench
	$(BIN)/ruff format --check leaktrack tests bench

format: install-test
	$(BIN)/ruff format leaktrack tests bench
	$(BIN)/ruff check --fix leaktrack tests bench
