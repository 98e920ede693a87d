# shoptui: two commands do all set-up.  `make run` opens the app, `make test` proves it.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-sqlite test-postgresql lint bench clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# compileall: an editable install writes no bytecode, and with PYTHONDONTWRITEBYTECODE=1 every
# start would compile shoptui from source (~25 ms a command, more for the app)
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	$(BIN)/python -m compileall -q shoptui
	touch $@

$(DEV_STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q shoptui
	touch $@ $(STAMP)

# a new store: the app asks for the owner account first, then loads the demo behind it
run: $(STAMP)
	@$(BIN)/python -m compileall -q shoptui
	$(BIN)/shoptui db upgrade --quiet
	$(BIN)/shoptui --demo-if-empty

lint: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# the whole suite on SQLite and, at the same time, on a throwaway PostgreSQL cluster the tests start
# themselves (tests/pg.py: initdb + pg_ctl from the postgresql package, one cluster per xdist worker).
# tests/both_engines.py keeps each engine's output in .test-logs/<engine>.log, prints it whole when that
# run ends and both summary lines at the end, and fails when either fails. -n auto: one worker per core
# for each engine (2 + 2 on a 2-core machine: the TUI tests wait on timers, PostgreSQL on its server).
test: lint
	$(BIN)/python -m tests.both_engines -n auto

test-sqlite: $(DEV_STAMP)
	$(BIN)/python -m pytest -n auto

test-postgresql: $(DEV_STAMP)
	SHOPTUI_TEST_ENGINE=postgresql $(BIN)/python -m pytest -n auto

bench: $(STAMP)
	$(BIN)/python -m bench all

clean:
	rm -rf $(VENV) .pytest_cache
