# Entry points. Everything runs from the project virtualenv (.venv), created from
# pyproject.toml on first use and reinstalled only when pyproject.toml changes.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-pyproject
SNAKEMAKE := $(BIN)/snakemake
PROFILE := --workflow-profile workflow/profiles/default

.PHONY: venv test reproduce figures dry-run lint cluster

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -e '.[workflow,test]'
	touch $@

## test: unit tests and the end-to-end smoke workflow (tests/configs/smoke.yaml)
test: $(STAMP)
	$(BIN)/python -m pytest

## reproduce: the full pipeline of config.yaml (results/ then the figures)
reproduce: $(STAMP)
	$(SNAKEMAKE) --cores all $(PROFILE)

## figures: redraw every figure from the cached tables (nothing upstream is rerun
## when the tables are up to date)
figures: $(STAMP)
	rm -rf results/figures
	$(SNAKEMAKE) --cores all $(PROFILE) figures

## dry-run: what `make reproduce` would run
dry-run: $(STAMP)
	$(SNAKEMAKE) --dry-run --quiet rules $(PROFILE)

## lint: Snakemake's linter and snakefmt
lint: $(STAMP)
	$(SNAKEMAKE) --lint
	$(BIN)/snakefmt --check Snakefile workflow/rules

## cluster: the same DAG on SLURM through workflow/profiles/slurm (set the partition and
## account there first); a preflight names anything missing before any job is submitted
cluster: $(STAMP)
	$(BIN)/python workflow/cluster/check_slurm.py
	$(SNAKEMAKE) --workflow-profile workflow/profiles/slurm $$($(BIN)/python workflow/cluster/check_slurm.py --flags)
