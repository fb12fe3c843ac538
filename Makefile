# SiKo – the stable interfaces: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
# Parallel test processes (pytest-xdist); TEST_WORKERS=0 runs the suite in one process.
TEST_WORKERS ?= auto
EMBEDDED := DEBUG=true OTP_REQUIRED=$${OTP_REQUIRED:-false}

.PHONY: run test install lint format migrate seed messages clean bench-http bench-mail bench-report

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(INSTALLED): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

install: $(INSTALLED)

migrate: install
	$(EMBEDDED) $(BIN)/python manage.py migrate --noinput

seed: migrate
	$(EMBEDDED) $(BIN)/python manage.py seed_nrw
	$(EMBEDDED) $(BIN)/python manage.py seed_demo

run: seed
	@echo "SiKo läuft auf http://127.0.0.1:8000 (Abbruch mit Strg+C)"
	$(EMBEDDED) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install
	bash scripts/system-packages.sh
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=true $(BIN)/mypy

format: install
	$(BIN)/ruff format .

messages: install
	$(EMBEDDED) $(BIN)/python manage.py makemessages -l en --ignore=.venv
	$(EMBEDDED) $(BIN)/python manage.py compilemessages --ignore=.venv

# Benchmarks (docs/benchmarks.md), against the PostgreSQL and Redis on localhost; each builds its
# own throwaway database. BENCH_ARGS="--old <checkout>" runs another checkout beside this one.
bench-http: install
	bash scripts/system-packages.sh wrk
	$(BIN)/python bench/http_load.py $(BENCH_ARGS)

bench-mail: install
	$(BIN)/python bench/fanout.py $(BENCH_ARGS)

bench-report: install
	bash scripts/system-packages.sh
	$(BIN)/python bench/annual_report.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
