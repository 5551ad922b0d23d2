# Everyday tasks for the devolution deal tracker. GNU make; run `make` for the list.
#
# Python tools always come from .venv/, so nothing has to be activated first. DATABASE_URL,
# REDIS_URL and the other settings variables are taken from the environment as they are.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
VENV_STAMP := $(VENV)/.installed

FRONTEND := frontend
NODE_STAMP := $(FRONTEND)/node_modules/.installed
CSS := static/dist/app.css
# Whatever the style build reads: a change to any of these rebuilds static/dist/.
ASSET_SOURCES := $(shell find $(FRONTEND)/scss -type f 2>/dev/null) \
	$(FRONTEND)/package-lock.json $(wildcard $(FRONTEND)/package.json $(FRONTEND)/build.*)

TEST_SETTINGS := DJANGO_SETTINGS_MODULE=config.settings_test
PYTEST_ARGS ?=

# The tests whose subject is the date and the hour: briefings, reminders, reporting periods,
# reporting state and overdue, and the dashboards' and digests' "next due". Their query counts,
# which no clock moves, are left to `make test` (DATE_SKIP), and so are the tests that pin every
# moment they run at themselves (the clock-change nights, the Celery worker) and those that read
# no clock (tests/test_periods.py: the published figures' period labels).
DATE_TESTS := tests/test_periods_reporting.py \
	tests/test_briefings_reminders.py tests/test_briefings_sending.py \
	tests/test_briefings_digest.py tests/test_briefings_digest_pages.py \
	tests/test_briefings_services.py tests/test_briefings_manage_pages.py \
	tests/test_api_subscriptions.py tests/test_dashboard_overview.py \
	tests/test_dashboard_pipeline.py tests/test_update_pages.py tests/test_api_reporting.py
DATE_SKIP := not queries and not cost_the_same
# The moments a wall-clock test trips on, in UK time ("T" for the space): a Sunday at 03:30, an
# update-due morning (a Friday), a minute before the clocks go forward and before they go back,
# and two minutes before the end of a month: New Year's Eve, and a leap day.
DATE_MOMENTS := 2027-01-10T03:30 2027-01-15T09:00 2027-03-28T00:59 2027-10-31T01:59 \
	2026-12-31T23:58 2028-02-29T23:58

.PHONY: help venv assets node-check run test test-dates check lint audit clean

help: ## Show this list
	@echo "Usage: make <target>"
	@echo
	@grep -E '^[a-z][a-z-]*:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  %-11s %s\n", $$1, $$2}'
	@echo
	@echo "Examples: make run PORT=8001    make test PYTEST_ARGS='-k missions -x'"

# --- Python -----------------------------------------------------------------------------------

venv: $(VENV_STAMP) ## Create .venv/ and install the project with its dev tools
	@:

# Reinstalls only when pyproject.toml has changed since the last install.
$(VENV_STAMP): pyproject.toml
	@if [ ! -x $(BIN)/python ]; then \
		if ! command -v $(PYTHON) >/dev/null 2>&1; then \
			echo "Python 3.11+ is a prerequisite: '$(PYTHON)' was not found." >&2; exit 1; \
		fi; \
		if ! $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then \
			echo "Python 3.11+ is a prerequisite: '$(PYTHON)' is $$($(PYTHON) -V 2>&1)." \
				"Install a newer one, or point at it with: make venv PYTHON=python3.12" >&2; \
			exit 1; \
		fi; \
		echo "Creating $(VENV)/ with $$($(PYTHON) -V 2>&1)"; \
		$(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(BIN)/python -c 'import weasyprint' 2>/dev/null || echo "Warning: WeasyPrint cannot load" \
		"Pango, so the briefing pack's PDF will fail (every other page works). Install it:" \
		"apt-get install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation" \
		"(Debian, Ubuntu) or brew install pango (macOS)." >&2
	@touch $@

# --- Front-end --------------------------------------------------------------------------------

assets: node-check $(CSS) ## Build the GOV.UK Frontend styles and scripts into static/dist/

node-check:
	@if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then \
		echo "Node.js 20+ is a prerequisite: install it from your package manager" \
			"(node and npm were not both found)." >&2; \
		exit 1; \
	fi
	@if ! node -e 'process.exit(Number(process.versions.node.split(".")[0]) >= 20 ? 0 : 1)'; then \
		echo "Node.js 20+ is a prerequisite: install it from your package manager" \
			"(found $$(node --version))." >&2; \
		exit 1; \
	fi

$(FRONTEND)/package-lock.json:
	@echo "$@ is missing: run 'npm install --prefix $(FRONTEND)' and commit the lock file." >&2
	@exit 1

# Reinstalls only when the lock file has changed since the last install.
$(NODE_STAMP): $(FRONTEND)/package-lock.json | node-check
	npm ci --prefix $(FRONTEND) --no-audit --no-fund
	@touch $@

# The install is order-only: the styles are rebuilt when their sources or the lock file change,
# not merely because node_modules/ was reinstalled.
$(CSS): $(ASSET_SOURCES) | $(NODE_STAMP)
	npm run build --prefix $(FRONTEND)
	@if [ ! -f $@ ]; then \
		echo "The front-end build did not write $@ (the build script must write static/dist/)." >&2; \
		exit 1; \
	fi
	@touch $@

# --- Running and checking ---------------------------------------------------------------------

run: venv assets ## Run the web app, a Celery worker and beat on http://127.0.0.1:$PORT/ (8000)
	scripts/run.sh

test: venv assets ## Lint, check the apps' layers, run Django's checks and missing migrations, then pytest
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(TEST_SETTINGS) $(BIN)/python manage.py check
	$(TEST_SETTINGS) $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest $(PYTEST_ARGS)

# pytest --now starts a whole run at a moment (tests/clock.py). The moments go DATES_AT_ONCE to
# a run, one worker each (`-n N --dist each`): every worker runs all the tests at its own moment,
# side by side on the cores, and the run pays pytest's and Django's start-up once for them all.
# Every run is tried, then the moments of the runs that failed are named (pytest names each
# failure's own moment). The first run builds the test databases afresh (DATES_FIRST_DB,
# --create-db), and the others reuse them (--reuse-db). CI, whose `make test` has just built
# them (one per core) in a database of the run's own and kept them (--reuse-db), has the first
# reuse them too rather than migrate them all over again: hence two at once, as many workers as
# `make test` has on two cores.
DATES_FIRST_DB ?= --create-db
DATES_AT_ONCE ?= 2
# pytest plugins the date-sensitive tests do not use (the API fuzzing's and its kin), whose
# imports cost each of a run's processes about two seconds.
DATES_NO_PLUGINS := -p no:schemathesis -p no:hypothesispytest -p no:faker -p no:anyio
test-dates: venv assets ## Run the date-sensitive tests at each moment a wall-clock test trips on
	@failed=(); db=$(DATES_FIRST_DB); moments=($(DATE_MOMENTS)); \
	for ((i = 0; i < $${#moments[@]}; i += $(DATES_AT_ONCE))); do \
		group=("$${moments[@]:i:$(DATES_AT_ONCE)}"); group=("$${group[@]/T/ }"); now=(); \
		for moment in "$${group[@]}"; do now+=(--now "$$moment"); done; \
		echo "==> pytest$$(printf ' --now "%s"' "$${group[@]}") -n $${#group[@]} --dist each"; \
		$(BIN)/pytest "$${now[@]}" -n $${#group[@]} --dist each $(DATES_NO_PLUGINS) $$db -q \
			-k "$(DATE_SKIP)" $(DATE_TESTS) $(PYTEST_ARGS) || failed+=("$${group[@]}"); \
		db=--reuse-db; \
	done; \
	if (( $${#failed[@]} )); then \
		printf 'The date-sensitive tests failed in the runs at: %s\n' "$$(IFS=,; echo "$${failed[*]}")" >&2; \
		exit 1; \
	fi

# What CI runs (.ci/run): the quick checks first, then the whole test suite.
check: venv assets ## Formatting, types (mypy), the production deploy check, then everything make test does
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	DEBUG=False ALLOWED_HOSTS=tracker.example.org \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
		$(BIN)/python manage.py check --deploy --fail-level WARNING
	$(MAKE) test

lint: venv ## Check the code and its formatting with ruff, and the apps' layers with import-linter
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

# Needs the network: pip-audit asks PyPI's vulnerability service about each locked version.
# --strict fails on a package it could not check, rather than passing it silently. The lock
# file pins every package, so nothing needs resolving (--no-deps --disable-pip).
audit: venv ## Check the locked dependencies (requirements/lock.txt) for known vulnerabilities
	$(BIN)/pip-audit --strict --no-deps --disable-pip -r requirements/lock.txt

clean: ## Remove var/ (database, mail, broker files, secret key), static/dist/ and the install stamps
	rm -rf var static/dist $(VENV_STAMP) $(NODE_STAMP)
