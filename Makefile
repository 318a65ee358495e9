# The two commands of the README: `make run` and `make test`. Everything else is set up on the way.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
UV_VERSION := 0.13.8
MEMBERS := $(wildcard libs/*/pyproject.toml services/*/pyproject.toml apps/*/pyproject.toml) gateway/pyproject.toml
PACKAGES := dmb_contracts dmb_observability dmb_bus dmb_common dmb_testing dmb_cli dmb_schema dmb_generator dmb_ai dmb_exporter dmb_gateway dmb_platform

.PHONY: install run run-distributed deploy-tools test lint typecheck pytest contracts bench bench-quick bench-ai bench-load llm llm-bench clean browser screenshots web-assets

$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(BIN)/uv uv.lock pyproject.toml $(MEMBERS)
	$(BIN)/uv sync --frozen --all-packages --compile-bytecode --python $(BIN)/python
	@touch $@

install: $(VENV)/.synced

run: install
	$(BIN)/dmb run

# Every service its own process (two generators) on the local PostgreSQL and RabbitMQ, a SeaweedFS S3 it
# starts; logs per service under data/distributed/logs; Ctrl-C stops all.
run-distributed: install
	$(BIN)/python -m dmb_testing.run_distributed

lint: install
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: install
	$(BIN)/mypy $(addprefix -p ,$(PACKAGES))

contracts: install
	$(BIN)/python -m dmb_contracts.publish docs/contracts
	$(BIN)/python -m dmb_generator.catalogue

# The local LLM the real-model tests use (llama.cpp server + the 0.5B model) and, for `make bench-ai`, the 1.5B
# model; all cached under ~/.cache/dmb, outside the repo and its uv.lock (dmb_testing.local_llm says how).
llm: install
	$(BIN)/python -m dmb_testing.local_llm install --model 0.5b

llm-bench: install
	$(BIN)/python -m dmb_testing.local_llm install --model 1.5b

# The web UI's browser tests drive Debian's chromium (never a browser Playwright downloads).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browser:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium; }

# Refresh the vendored front-end assets (Bootstrap, Bootstrap Icons, HTMX, its SSE extension; axe-core for
# the tests) from npm at the versions pinned in the script.
web-assets:
	scripts/vendor_web_assets.sh

# Screenshots of the main pages into docs/screenshots/ (linked from README.md).
screenshots: install browser
	$(BIN)/python scripts/screenshots.py


pytest: install llm browser
	@# Exit code 5 means pytest collected nothing: say so loudly instead of failing on a missing selection.
	$(BIN)/pytest -n auto --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests (exit 5)"; exit 0; fi; exit $$rc

# Debian's docker-compose (v1) validates docker-compose.yml without a Docker engine (tests/deploy).
deploy-tools:
	@command -v docker-compose >/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker-compose; }

test: lint typecheck deploy-tools pytest

# The benchmark suite (bench/suite.py): embedded and distributed flows, 1 vs 2 generators, every export format and
# the reference points in one run; writes bench/results/<date>.json and redraws docs/performance/*.png.
# `make bench-quick` is the two-minute version. The single benchmarks (bench/*.py) still run on their own.
bench: install
	$(BIN)/python bench/suite.py

bench-quick: install
	$(BIN)/python bench/suite.py --quick

# Requests/s and p50/p99 per endpoint at 10, 50 and 200 concurrent clients, both modes (bench/results/load-*.json).
bench-load: install
	$(BIN)/python bench/load.py

# AI on the 1.5B model (minutes per spec or design on 2 CPU cores): value pools (bench/ai_quality.py, options in
# BENCH_AI_ARGS) and the table designer (bench/ai_designer.py).
BENCH_AI_ARGS ?= --local 1.5b --count 20 --call-timeout 900
bench-ai: llm llm-bench
	$(BIN)/python bench/ai_quality.py $(BENCH_AI_ARGS)
	$(BIN)/python bench/ai_designer.py --model 1.5b

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
