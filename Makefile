# The two commands of the README. Both create .venv with python3.11 when it is missing,
# install only when pyproject.toml changed since the last install, and stay quiet otherwise.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -qq
# The CPU build of torch lies on this machine's disk; an unpinned torch would pull a CUDA build.
TORCH := torch==2.13.0

.PHONY: run test soak install install-test ingest clean

run: $(VENV)/.installed
	@$(BIN)/assistant ingest
	@$(BIN)/assistant serve

test: $(VENV)/.installed-test
	@$(BIN)/python -m pytest

# A bounded load run on loopback (two replicas, one Chroma and one llama.cpp server, then one
# in-process replica); figures in .data/soak/soak.md. About 5 minutes.
soak: $(VENV)/.installed-test
	@$(BIN)/python -m evals.soak

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

ingest: $(VENV)/.installed
	@$(BIN)/assistant ingest

$(BIN)/python:
	@$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	@echo "Installing the assistant into $(VENV) (first time: a few minutes)..."
	@$(PIP) install "$(TORCH)"
	@$(PIP) install -e .
	@$(BIN)/python -c "import assistant, ingest, torch, chromadb" && touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	@$(PIP) install -e ".[test]"
	@$(BIN)/python -c "import pytest" && touch $@

clean:
	rm -rf $(VENV) .data
