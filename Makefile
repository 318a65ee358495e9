# The two commands of the README: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
MEMBERS := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml) gateway/pyproject.toml
PACKAGES := dmb_contracts dmb_bus dmb_common dmb_testing dmb_cli dmb_schema dmb_generator dmb_ai dmb_exporter dmb_gateway

.PHONY: install run test lint typecheck pytest contracts bench bench-ai clean

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(BIN)/uv uv.lock pyproject.toml $(MEMBERS)
	$(BIN)/uv sync --frozen --all-packages --python $(BIN)/python
	@touch $@

install: $(VENV)/.synced

run: install
	$(BIN)/dmb run

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy $(addprefix -p ,$(PACKAGES))

contracts: install
	$(BIN)/python -m dmb_contracts.publish docs/contracts

pytest: install
	@# Exit code 5 means pytest collected nothing: say so loudly instead of failing on a missing selection.
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5)"; exit 0; fi; exit $$rc

test: lint typecheck pytest

bench: install
	$(BIN)/python bench/generate_insert.py
	$(BIN)/python bench/export_xlsx.py
	$(BIN)/python bench/e2e_flow.py

# AI value quality on a local model (minutes per spec on 2 CPU cores): see bench/ai_quality.py for options.
BENCH_AI_ARGS ?= --local 1.5b
bench-ai: install
	$(BIN)/python bench/ai_quality.py $(BENCH_AI_ARGS)

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
