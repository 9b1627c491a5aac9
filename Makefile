# Entry points. Everything runs from the project virtualenv (.venv), created from
# pyproject.toml on first use and reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
SNAKEMAKE := $(BIN)/snakemake

.PHONY: venv test reproduce figures report dry-run verify lint cluster

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[workflow,test]'
	touch $@

## test: unit tests and the end-to-end smoke workflow (tests/configs/smoke.yaml)
test: $(STAMP)
	$(BIN)/python -m pytest

# The config every target runs (alone: nothing of config.yaml is merged into another
# config). Its outputs go under its own results_dir. Example:
#   make reproduce CONFIG=tests/configs/smoke.yaml
CONFIG ?= config.yaml
# Files to regenerate, with everything downstream of them (make verify names them):
#   make reproduce FORCERUN="results/networks/paper2000/seed0/A.npy"
FORCERUN ?=
RUN := $(BIN)/python workflow/run.py
ARGS = --config $(CONFIG)$(if $(strip $(FORCERUN)), --forcerun $(FORCERUN))

## reproduce: the full pipeline of CONFIG (its results_dir, then the figures); after a
## killed run, the same command resumes it (stale locks of a dead run are cleared)
reproduce: $(STAMP)
	$(RUN) reproduce $(ARGS)

## figures: redraw every figure of CONFIG from its tables; never runs anything upstream
## (stops with one line naming the tables if some are missing)
figures: $(STAMP)
	$(RUN) figures $(ARGS)

## report: the HTML report of CONFIG (every figure and table with its caption), written
## to <results_dir>/report.html
report: $(STAMP)
	$(RUN) report $(ARGS)

## dry-run: what `make reproduce` would run for CONFIG
dry-run: $(STAMP)
	$(RUN) dry-run $(ARGS)

## verify: rehash every recorded result of CONFIG; names each changed or missing file
## and the command that regenerates it
verify: $(STAMP)
	$(RUN) verify $(ARGS)

## lint: Snakemake's linter and snakefmt
lint: $(STAMP)
	$(SNAKEMAKE) --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

## cluster: the same DAG on SLURM through workflow/profiles/slurm (set the partition and
## account there first); a preflight names anything missing before any job is submitted
cluster: $(STAMP)
	$(BIN)/python workflow/cluster/check_slurm.py
	$(RUN) cluster $(ARGS) -- $$($(BIN)/python workflow/cluster/check_slurm.py --flags)
