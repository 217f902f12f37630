# The commands a serverless engineer expects. Everything installs into local virtualenvs, pinned:
#   .venv      the project, its tests and the local stack (requirements/dev.txt)
#   .venv-sam  the AWS SAM CLI, which pins its own boto3 (requirements/sam.txt)
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Lambda runs python3.12; so do the tests. pyenv keeps one here when PATH has none.
# (pyenv's shim answers `command -v` even where it cannot run, hence the trial run.)
PYTHON ?= $(shell for p in python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	"$$p" -c '' >/dev/null 2>&1 && { command -v "$$p"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
UV_VERSION := 0.13.9
export SAM_CLI_TELEMETRY := 0

# sam validate / build / deploy and the template shape check, in their own virtualenv.
include make/sam.mk

.PHONY: help install test lint unit demo up bench soak fleet-capacity

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(VENV)/.installed: requirements/dev.txt pyproject.toml
	@test -n "$(PYTHON)" || { echo "python3.12 not found (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q uv==$(UV_VERSION)
	$(VENV)/bin/uv pip sync -q --python $(PY) requirements/dev.txt
	$(VENV)/bin/uv pip install -q --python $(PY) --no-deps -e .
	touch $@

install: $(VENV)/.installed  ## create .venv with the pinned dependencies

lint: install  ## ruff, mypy --strict (what pyproject's [tool.mypy] files names), the layering contracts; .pre-commit-config.yaml runs the same
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	PYTHONPATH=local $(VENV)/bin/lint-imports --no-cache

test: lint  ## lint, type-check and run every test (unit, integration, end-to-end)
	$(PY) -m pytest -q

unit: install  ## the unit tests alone (no sockets)
	$(PY) -m pytest -q tests/unit

up: install  ## the local stack in the foreground: moto server, the Shopify simulator, the Lambda driver
	$(PY) -m local_stack up

demo: install  ## a day of trading for a demo merchant through the whole local stack; exits 1 if any level disagrees
	PYTHONPATH=local$${PYTHONPATH:+:$$PYTHONPATH} $(PY) -m demo

soak: install  ## seeded chaos soak: 10,000+ webhooks, 200 SKUs x 5 locations, DynamoDB Local; prints its figures (SEED=n replays)
	PYTHONPATH=local$${PYTHONPATH:+:$$PYTHONPATH} $(PY) -m chaos --webhooks 10000 --skus 200 --locations 5 --dynamodb dynamodb-local $(if $(SEED),--seed $(SEED))

bench: install  ## every figure beside its ideal; writes the table into docs/benchmarks.md
	$(PY) -m scripts.bench --write

fleet-capacity: install  ## the nightly fan-out over a scaled fleet on the local stack, extrapolated to 1,000 x 10,000 (ARGS=...)
	$(PY) -m scripts.fleet_capacity $(ARGS)
