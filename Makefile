# Set-up and entry points. Every target creates .venv and installs the project on first use.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# Stage commands in dvc.yaml call `python`: make it the venv's.
export PATH := $(abspath $(BIN)):$(PATH)

.PHONY: install test lint demo reproduce bench clean-demo

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

## test: lint, then the whole test suite on CPU (offline; includes the demo with real dvc repro)
test: install
	$(BIN)/ruff check .
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## demo: the whole DAG on synthetic data and random tiny weights, in .demo/ (offline, CPU)
demo: install
	$(BIN)/python -m transferlab.demo

## reproduce: the study on real CIFAR and pretrained weights (needs network; GPU recommended)
reproduce: install
	$(BIN)/dvc repro

clean-demo:
	rm -rf .demo
