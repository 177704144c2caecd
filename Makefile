# The two commands a newcomer runs: `make run` (bot on SQLite with the sample plan) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# A fresh database gets the standing units and both sample plans; a database that holds anything is left alone.
UNITS ?= plans/units-dien-bien.yaml
PLAN ?= plans/dien-bien-2019.yaml plans/dien-bien-2026.yaml
SEED = $(if $(UNITS),--units $(UNITS)) $(foreach plan,$(PLAN),--plan $(plan))
STAMP := $(VENV)/.installed

.PHONY: install run test lint test-postgres check-wheel sandbox bench bench-scale catalogs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,lint]'
	touch $(STAMP)

install: $(STAMP) catalogs

catalogs: $(STAMP)
	$(BIN)/python -m bot.i18n compile >/dev/null

run: install
	$(BIN)/nhacviec run --if-empty $(SEED)

test: install
	$(BIN)/python -m pytest -q

# The habits that keep the code clean (.ci/run, before the tests): ruff's rule set, mypy --strict over bot/,
# handlers/ and scheduler/, and the layering contracts (all in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# The same suite on PostgreSQL: starts a throwaway server on 127.0.0.1 if needed (scripts/postgres.sh; needs
# Debian's `postgresql` package), one database per test cloned from a migrated template. Stop it with
# `scripts/postgres.sh stop`.
test-postgres: install
	scripts/postgres.sh start
	TEST_DATABASE_URL="$$(scripts/postgres.sh url)" $(BIN)/python -m pytest -q

# A wheel built from the checkout, installed into a fresh venv under /tmp, must speak Vietnamese (CI runs it).
check-wheel:
	PYTHON=$(PYTHON) scripts/check_wheel.sh

sandbox: install
	$(BIN)/python -m sandbox.play $(SEED) $(ARGS)

bench: install
	$(BIN)/python bench/bench_reminders.py

# Plan import, /tiendo and /baocao at national scale on SQLite and on PostgreSQL (the suite's throwaway server,
# started if needed; stop it with `scripts/postgres.sh stop`). ARGS pass through: ARGS="--backend sqlite" needs
# no PostgreSQL at all.
bench-scale: install
	$(if $(findstring sqlite,$(ARGS)),,scripts/postgres.sh start)
	$(BIN)/python bench/bench_scale.py $(ARGS)

clean:
	rm -rf $(VENV) data/*.db
