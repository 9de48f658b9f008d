# Council Social Pipelines. `make demo` then `make test` on a fresh machine; `make help` lists targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.install-stamp

# An Airflow home inside the checkout: SQLite metadata, LocalExecutor, our dags/ and plugins/.
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__PLUGINS_FOLDER := $(CURDIR)/plugins
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__EXECUTOR := LocalExecutor
export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN := sqlite:///$(CURDIR)/.airflow/airflow.db
export AIRFLOW__DATABASE__LOAD_DEFAULT_CONNECTIONS := False
export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION := True
export AIRFLOW__LOGGING__LOGGING_LEVEL := WARNING
export PATH := $(BIN):$(PATH)

.PHONY: help install setup demo test lint bench airflow fakeapi lock clean topology

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.8
	$(BIN)/uv pip install --quiet --python $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	touch $(STAMP)

install: $(STAMP)  ## create .venv with the locked dependencies (skipped when up to date)

setup: install  ## Airflow home, duckdb_writer pool, warehouse migrations (idempotent)
	$(BIN)/python -m council_social.setup

demo: install  ## run the whole pipeline once over the demo organisation
	$(BIN)/python -m council_social.demo

test: install  ## run the test suite
	$(BIN)/python -m pytest

lint: install  ## ruff
	$(BIN)/ruff check .

bench: install  ## benchmark: parse time, import rates (figures as ratios)
	$(BIN)/python scripts/bench.py

airflow: setup  ## the Airflow UI and scheduler over the same home (http://localhost:8080)
	$(BIN)/airflow standalone

fakeapi: install  ## the fake platform API server in the foreground, on port 8099
	$(BIN)/python -m council_social.fakeapi --port 8099

lock:  ## re-resolve requirements.lock from pyproject.toml
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 -o requirements.lock

clean:  ## remove the demo's data, Airflow home and reports (keeps .venv)
	rm -rf var .airflow reports/output

topology: install  ## docker-compose's services as local processes on this machine's PostgreSQL and Redis
	$(BIN)/python -m council_social.topology
