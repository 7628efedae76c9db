# Two commands on a fresh Debian machine with Python 3.11: `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app portal
LOCK   := requirements.lock
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)
PO     := $(wildcard portal/translations/*/LC_MESSAGES/messages.po)
MO     := $(PO:.po=.mo)
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: help install static lock run serve test test-sqlite test-postgres test-deps bench lint typecheck translations extract-messages clean

help:
	@echo "make run    - install, migrate, load demo data, serve on http://$(HOST):$(PORT)"
	@echo "make test   - install test tools (chromium, postgresql) and run every test on SQLite and PostgreSQL"
	@echo "make bench  - build a large database and write bench/results.json"

# Installs exactly the versions (and hashes) in the lock, then the portal itself.
$(STAMP): pyproject.toml $(LOCK)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP) $(MO) static

# One stylesheet, hashed names and .br/.gz copies in static/build/ (WhiteNoise in the app, nginx in production).
static: $(STAMP)
	@$(BIN)/python scripts/build-static

# Re-resolve the lock after editing the dependencies in pyproject.toml
# (ARGS="--upgrade-package NAME", or ARGS=--upgrade, moves versions on). --universal
# keeps markers (async-timeout only below Python 3.11.3, as on Debian's 3.11.2).
lock:
	@test -x $(BIN)/uv || $(MAKE) install
	$(BIN)/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes \
		--extra dev --extra postgres -o $(LOCK) pyproject.toml $(ARGS)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile --use-fuzzy -i $< -o $@

translations: $(MO)

extract-messages: $(STAMP)
	$(BIN)/python scripts/i18n-add --missing

run: install
	$(FLASK) db upgrade
	$(FLASK) push init --if-missing
	@scripts/demo-password instance/demo_password
	$(FLASK) seed-demo --if-empty --password "$$(cat instance/demo_password)"
	@echo "Serving on http://$(HOST):$(PORT) with the reminder scheduler beside it (Ctrl-C stops both)"
	@rm -rf instance/prometheus && mkdir -p instance/prometheus
	export PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/instance/prometheus PORTAL_LOG_FORMAT=$${PORTAL_LOG_FORMAT:-text}; \
	$(FLASK) scheduler & sched=$$!; \
	trap 'kill $$sched 2>/dev/null; wait $$sched 2>/dev/null' EXIT INT TERM; \
	$(BIN)/gunicorn --workers 2 --threads 4 --bind $(HOST):$(PORT) 'portal:create_app()'

test: install test-deps
	$(BIN)/python -m pytest -m "not deploy"
	scripts/with-postgres $(BIN)/python -m pytest -m "not browser"

test-sqlite: install
	$(BIN)/python -m pytest -m "not deploy"

test-postgres: install test-deps
	scripts/with-postgres $(BIN)/python -m pytest -m "not browser"

test-deps:
	@scripts/install-test-deps

bench: install
	$(BIN)/python -m bench.run
	scripts/with-postgres $(BIN)/python -m bench.push --postgres --reminders 150000
	$(BIN)/python -m bench.imports
	$(BIN)/python -m bench.admin
	scripts/with-postgres $(BIN)/python -m bench.province
	$(BIN)/python -m bench.page_weight --check
	$(BIN)/python -m bench.lighthouse

lint: install
	$(BIN)/ruff check portal notifications tests bench
	$(BIN)/ruff format --check portal notifications tests bench
	$(BIN)/python scripts/check-deps

typecheck: install
	$(BIN)/mypy portal notifications

clean:
	rm -rf $(VENV) .pytest_cache test-artifacts
