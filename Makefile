# Two commands do all set-up on a fresh machine:
#   make run   - install, migrate, seed the demo, serve web + worker + beat (embedded default)
#   make test  - install test tools (and Debian's chromium if absent), run the whole suite
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test install install-dev chromium js-tools migrate demo serve smoke lint bench-qca clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip setuptools wheel

# Stamp files: a second `make run` reuses the environment unless pyproject.toml changed.
$(VENV)/.installed: pyproject.toml | $(VENV)/bin/python
	$(PIP) install -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	$(PIP) install -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

chromium:
	@command -v chromium >/dev/null 2>&1 || ( $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium )

# axe-core for the accessibility smoke test, pinned by tests/js/package-lock.json.
js-tools:
	@command -v npm >/dev/null 2>&1 || ( $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nodejs npm )
	npm ci --prefix tests/js --no-audit --no-fund --silent

migrate: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py setup_periodic_tasks

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	$(PY) manage.py run_embedded

test: install-dev chromium js-tools
	$(VENV)/bin/pytest

lint: install-dev
	$(VENV)/bin/ruff check .

bench-qca: install
	$(PY) bench/qca_minimize.py

clean:
	rm -rf var/ test-artifacts/
