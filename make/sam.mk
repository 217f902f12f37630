# AWS SAM targets. Included from the Makefile, which defines PYTHON, UV_VERSION and exports
# SAM_CLI_TELEMETRY=0. The SAM CLI pins its own boto3 and cfn-lint, so it lives in its own
# virtualenv, .venv-sam, pinned by requirements/sam.txt.
VENV_SAM := .venv-sam
SAM := $(VENV_SAM)/bin/sam
# sam build's Python workflow (the functions) looks for python3.12 on PATH, and the layer's Makefile
# runs `python3 -m pip`: .venv-sam's interpreter (3.12) comes first, then the one PYTHON found.
# (Include this file after PYTHON is defined: SAM_ENV expands it once.)
SAM_ENV := PATH="$(abspath $(VENV_SAM))/bin:$(dir $(PYTHON)):$$PATH"
SAM_CONFIG_ENV ?= default

.PHONY: sam-install validate template-check build deploy

$(VENV_SAM)/.installed: requirements/sam.txt
	@test -n "$(PYTHON)" || { echo "python3.12 not found (set PYTHON=...)"; exit 1; }
	$(PYTHON) -m venv $(VENV_SAM)
	$(VENV_SAM)/bin/pip install -q uv==$(UV_VERSION)
	$(VENV_SAM)/bin/uv pip sync -q --python $(VENV_SAM)/bin/python requirements/sam.txt
	touch $@

sam-install: $(VENV_SAM)/.installed  ## create .venv-sam with the pinned AWS SAM CLI

validate: $(VENV_SAM)/.installed  ## sam validate --lint (template.yaml, cfn-lint rules)
	$(SAM_ENV) $(SAM) validate --lint

template-check: $(VENV_SAM)/.installed  ## check template.yaml holds every part of the system
	$(VENV_SAM)/bin/python reference/tools/check_template.py

build: validate  ## sam build: the four functions and the dependencies layer (no Docker)
	$(SAM_ENV) $(SAM) build --config-env $(SAM_CONFIG_ENV)

deploy: build  ## sam deploy with samconfig.toml (SAM_CONFIG_ENV=prod for prod); needs AWS credentials
	@AWS_EC2_METADATA_DISABLED=$${AWS_EC2_METADATA_DISABLED:-true} $(VENV_SAM)/bin/python -c \
		'import boto3, sys; sys.exit(boto3.Session().get_credentials() is None)' \
		|| { echo "deploy: no AWS credentials found: set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"; \
		     echo "        (on an EC2 instance role, run with AWS_EC2_METADATA_DISABLED=false)"; exit 1; }
	@$(VENV_SAM)/bin/python make/alarm_notifications.py samconfig.toml $(SAM_CONFIG_ENV)
	$(SAM_ENV) $(SAM) deploy --config-env $(SAM_CONFIG_ENV)
