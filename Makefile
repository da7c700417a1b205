# pgcadence — the two commands a newcomer needs:
#   make run    the whole system on a local PostgreSQL with pg_cron (Ctrl-C stops it)
#   make test   the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test deps venv doctor schema down clean bench supabase-ext

run: deps venv
	$(BIN)/pgcadence run

test: deps venv
	$(BIN)/pytest

deps:
	@bash scripts/install-deps.sh

# Supabase's real pg_net and supabase_vault, built into this machine's PostgreSQL 15 so that
# `make test` also runs the supabase profile (tests/test_supabase_profile.py). Needs root and
# the extensions' release archives in ../shared/supabase-ext (where CI has them).
SUPABASE_EXT := ../shared/supabase-ext/build.sh
supabase-ext: deps
	@test -f $(SUPABASE_EXT) || { echo "no $(SUPABASE_EXT): the supabase profile needs Supabase's pg_net and supabase_vault archives there" >&2; exit 1; }
	@bash $(SUPABASE_EXT)

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
