# Two commands do all set-up on a fresh machine:
#   make run   - install, migrate, seed the demo, serve web + worker + beat (embedded default)
#   make test  - install test tools (and Debian's chromium if absent), run the whole suite
PYTHON ?= python3.11
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(VENV)/bin/pip
SUDO   := $(shell [ "$$(id -u)" = "0" ] || echo sudo)

.PHONY: run test install install-dev chromium js-tools migrate demo serve smoke lint bench-qca clean messages

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
	@# A CJK font (4 MB), so the Simplified Chinese pages' screenshots show characters, not boxes.
	@fc-list :lang=zh 2>/dev/null | grep -q . || ( $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq fonts-wqy-microhei )

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

# UI strings: collect them into locale/zh_Hans/LC_MESSAGES/django.po (translate the new entries there),
# then compile django.mo. Both are committed, so running the platform needs no gettext;
# tests/test_i18n.py fails when django.mo is stale or an entry is untranslated.
I18N_IGNORE := --ignore=.venv --ignore=var --ignore=node_modules --ignore=tests --ignore=bench --ignore='*/tests/*'
messages: install
	@command -v msgfmt >/dev/null 2>&1 || ( $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq gettext )
	$(PY) manage.py makemessages -l zh_Hans $(I18N_IGNORE)
	$(PY) manage.py compilemessages -l zh_Hans $(I18N_IGNORE)

lint: install-dev
	$(VENV)/bin/ruff check .

bench-qca: install
	$(PY) bench/qca_minimize.py

clean:
	rm -rf var/ test-artifacts/
