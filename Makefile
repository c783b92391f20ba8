# TotalFact TUI — the two set-up commands (see README.md):
#   make demo   set up .venv, build the demo database, open the app on it
#   make test   set up .venv with the dev tools, run ruff, mypy, import-linter and pytest

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO_DB ?= $(CURDIR)/.demo/totalfact-demo.db
DEMO_USER ?= cperez

.PHONY: demo demo-db test lint typecheck imports pytest bench bench-quick bench-demo bench-ingest bench-agenda bench-startup bench-watch bench-reports bench-team clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "TotalFact TUI needs Python 3.11 or newer ($(PYTHON) is older); set PYTHON=python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.app-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev,postgres]"
	@touch $@ $(VENV)/.app-installed

demo: $(VENV)/.app-installed
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/totalfact --db "sqlite:///$(DEMO_DB)" --user $(DEMO_USER) demo --reset

test: $(VENV)/.dev-installed lint typecheck imports pytest

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/ruff format --check src tests migrations bench

typecheck: $(VENV)/.dev-installed
	$(BIN)/mypy

imports: $(VENV)/.dev-installed
	$(BIN)/lint-imports

pytest: $(VENV)/.dev-installed
	$(BIN)/pytest

# The whole benchmark suite (bench/suite.py): 1M invoices on SQLite and PostgreSQL,
# writes BENCHMARKS.md; bench-quick: the same at 100,000 invoices in under 3 minutes.
bench: $(VENV)/.dev-installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/suite.py

bench-quick: $(VENV)/.dev-installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/suite.py --quick

bench-demo: $(VENV)/.dev-installed
	$(BIN)/python bench/demo_load.py

bench-agenda: $(VENV)/.dev-installed
	$(BIN)/python bench/agenda.py

bench-watch: $(VENV)/.dev-installed
	$(BIN)/python bench/watch.py

bench-reports: $(VENV)/.dev-installed
	$(BIN)/python bench/reports.py

bench-team: $(VENV)/.dev-installed
	$(BIN)/python bench/team_load.py
	$(BIN)/python bench/team_load.py --pause 1

bench-startup: $(VENV)/.dev-installed demo-db
	$(BIN)/python bench/startup.py "sqlite:///$(DEMO_DB)"

demo-db: $(VENV)/.app-installed
	@mkdir -p $(dir $(DEMO_DB))
	$(BIN)/totalfact --db "sqlite:///$(DEMO_DB)" demo --no-tui > /dev/null

bench-ingest: $(VENV)/.dev-installed
	$(BIN)/python -m pip install --quiet -e ".[bench]"
	$(BIN)/python bench/ingest.py

clean:
	rm -rf $(VENV) .demo .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
