# pgcadence — the two commands a newcomer needs:
#   make run    the whole system on a local PostgreSQL with pg_cron (Ctrl-C stops it)
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test deps venv doctor schema down clean bench

run: deps venv
	$(BIN)/pgcadence run

test: deps venv
	$(BIN)/pytest

deps:
	@bash scripts/install-deps.sh

venv: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

# Check the embedded database (or DATABASE_URL / PG* when set).
doctor: venv
	$(BIN)/pgcadence doctor

# Regenerate tests/fixtures/schema.sql from a freshly migrated throwaway cluster.
schema: deps venv
	$(BIN)/python -m tests.make_schema

down: venv
	$(BIN)/pgcadence down

clean:
	-$(BIN)/pgcadence down 2>/dev/null
	rm -rf $(VENV) .pgcadence .pytest_cache
