# Vern — every command a developer repeats. `make demo` runs Vern, `make test` tests it.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Django 6 needs Python >= 3.12: take the first suitable interpreter on PATH or from pyenv.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.14 python3 $$HOME/.pyenv/versions/3.13*/bin/python3 $$HOME/.pyenv/versions/3.12*/bin/python3 $$HOME/.pyenv/versions/3.14*/bin/python3; do \
	if command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then command -v $$p; break; fi; done)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
DEMO_ENV := VERN_DEBUG=true VERN_DEMO=true DJANGO_SECRET_KEY_FILE=.local/secret_key \
	VERN_ENCRYPTION_KEYS_FILE=.local/encryption_keys VERN_BLIND_INDEX_KEY_FILE=.local/blind_index_key \
	VERN_LINKAGE_KEY_FILE=.local/linkage_key VERN_AUDIT_KEY_FILE=.local/audit_key

.PHONY: help demo test check lint format typecheck migrations messages lock totp clean

help:
	@echo "make demo      run Vern with fictional demo data at http://127.0.0.1:8000"
	@echo "make test      run the whole test suite (DATABASE_URL selects PostgreSQL)"
	@echo "make check     lint, format check, types, migrations, bandit"
	@echo "make messages  extract translatable strings into locale/"
	@echo "make lock      re-lock Python dependencies from requirements*.in"
	@echo "make totp EMAIL=...  print a demo user's current TOTP code"

$(BIN)/.installed: requirements.txt requirements-dev.txt
	@test -n "$(PYTHON)" || { echo "Vern needs Python 3.12 or newer; none was found on PATH or in ~/.pyenv." >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet --require-hashes -r requirements.txt -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Vern needs Node.js and npm to build its static files." >&2; exit 1; }
	npm ci --no-audit --no-fund
	touch $@

static/dist/vern.css: node_modules/.installed frontend/vern.css frontend/vern.js frontend/build.mjs
	node frontend/build.mjs

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(BIN)/.installed
	VERN_DEBUG=true $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

# The demo's own secrets, made once on this machine and never committed.
.local/secret_key:
	@mkdir -p .local
	@$(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))' > $@
	@chmod 600 $@

.local/encryption_keys:
	@mkdir -p .local
	@$(BIN)/python -c 'import base64, os; print("demo1:" + base64.urlsafe_b64encode(os.urandom(32)).decode())' > $@
	@chmod 600 $@

.local/blind_index_key:
	@mkdir -p .local
	@$(BIN)/python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' > $@
	@chmod 600 $@

# The access log's key (audit/keys.py): entries are chained and checkpoints signed with it.
.local/audit_key:
	@mkdir -p .local
	@$(BIN)/python -c 'import base64, os; print(base64.urlsafe_b64encode(os.urandom(32)).decode())' > $@
	@chmod 600 $@

# The linkage key of national statistics (docs/linkage.md), made as the coordination unit makes it.
.local/linkage_key:
	@mkdir -p .local
	@$(BIN)/python bin/vern keygen --output $@

build: $(BIN)/.installed static/dist/vern.css locale/nb/LC_MESSAGES/django.mo

demo: build .local/secret_key .local/encryption_keys .local/blind_index_key .local/audit_key .local/linkage_key
	$(DEMO_ENV) $(MANAGE) migrate --noinput -v0
	$(DEMO_ENV) $(MANAGE) createcachetable
	$(DEMO_ENV) $(MANAGE) seed_demo
	# The dark figure's bootstrap repeats the model selection 200 times: computed now, not on the first page view.
	$(DEMO_ENV) $(MANAGE) bootstrap_dark_figure
	@echo ""
	@echo "Vern runs at http://127.0.0.1:8000  (stop with Ctrl+C)"
	$(DEMO_ENV) $(MANAGE) runserver 127.0.0.1:8000

totp: $(BIN)/.installed .local/secret_key .local/encryption_keys .local/blind_index_key .local/audit_key .local/linkage_key
	@$(DEMO_ENV) $(MANAGE) totp_code "$(EMAIL)"

test: build
	$(BIN)/pytest

check: build
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	VERN_DEBUG=true $(BIN)/mypy .
	VERN_DEBUG=true $(MANAGE) makemigrations --check --dry-run
	$(BIN)/bandit -q -c pyproject.toml -r .
	$(BIN)/lint-imports

lint format:
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck:
	VERN_DEBUG=true $(BIN)/mypy .

migrations:
	VERN_DEBUG=true $(MANAGE) makemigrations

messages:
	VERN_DEBUG=true $(MANAGE) makemessages -l nb --ignore=.venv --ignore=node_modules --ignore=static --no-obsolete

lock:
	$(BIN)/pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements.txt requirements.in
	$(BIN)/pip-compile --quiet --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links -o requirements-dev.txt requirements-dev.in

clean:
	rm -rf $(VENV) node_modules static/dist .local
