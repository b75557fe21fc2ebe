# The README's two commands: `make run` and `make test`.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app api
PYTEST_ARGS ?=

.PHONY: run test lint format bench bench-load clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Stamps: reinstall only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(FLASK) db upgrade
	$(FLASK) content sync
	@echo "Interlude: open http://127.0.0.1:8000/ (the app) · API: http://127.0.0.1:8000/api/v1 · docs: http://127.0.0.1:8000/api/docs · health: /healthz, /readyz"
	@$(FLASK) mail where
	$(BIN)/gunicorn -c infra/gunicorn.conf.py "api:create_app()"

test: $(VENV)/.installed-dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy api audio_scripts

# Benchmarks print figures and ratios; they are not part of the test run.
bench: $(VENV)/.installed-dev
	$(BIN)/python bench/render.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/practices.py
	$(BIN)/python bench/clients.py
	$(BIN)/python bench/web.py
	$(BIN)/python bench/json_depth.py
	$(BIN)/python bench/reminders.py

# Mixed load on PostgreSQL + SeaweedFS + Redis (INTERLUDE_BENCH_DATABASE_URL; bench/load.py).
bench-load: $(VENV)/.installed-dev
	$(BIN)/python bench/load.py

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis
