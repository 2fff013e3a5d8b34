# The two commands of the README. Both create .venv with python3.11 when it is missing,
# install only when pyproject.toml changed since the last install, and stay quiet otherwise.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -qq
# The CPU build of torch lies on this machine's disk; an unpinned torch would pull a CUDA build.
TORCH := torch==2.13.0
# llama-cpp-python compiles llama.cpp from source. Its default build (-march=native) turns on
# llama.cpp's AMX kernels on a CPU that has AMX, and those crash the process (SIGSEGV) on every
# prompt longer than one token (ggml-org/llama.cpp#20824; seen on this project's Xeon). So it
# is built for x86-64 with AVX2 instead, once, into a folder named after the version and these
# flags: pip's own wheel cache is keyed on the download alone and would hand back a native build.
LLAMA := $(shell grep -o 'llama-cpp-python==[0-9.]*' pyproject.toml)
LLAMA_CMAKE_ARGS := -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
LLAMA_WHEELS := $(HOME)/.cache/career-assistant/$(shell printf '%s' '$(LLAMA) $(LLAMA_CMAKE_ARGS)' | sha256sum | cut -c1-12)

.PHONY: run test check soak install install-test ingest clean

run: $(VENV)/.installed
	@$(BIN)/assistant ingest
	@$(BIN)/assistant serve

test: $(VENV)/.installed-test
	@$(BIN)/python -m pytest

# The fast loop while changing code: every test not marked `integration` (no real model,
# store, server or browser), about a minute on 2 cores. `make test` stays the whole suite.
check: $(VENV)/.installed-test
	@$(BIN)/python -m pytest -m "not integration" -q

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

$(VENV)/.installed: pyproject.toml Makefile | $(BIN)/python
	@echo "Installing the assistant into $(VENV) (first time: a few minutes)..."
	@$(PIP) install "$(TORCH)"
	@ls $(LLAMA_WHEELS)/*.whl >/dev/null 2>&1 || { echo "Building llama.cpp (first time: about 7 minutes)..." && \
		rm -rf $(LLAMA_WHEELS) $(LLAMA_WHEELS).partial && CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(PIP) wheel --no-deps --no-cache-dir --no-binary llama-cpp-python \
		-w $(LLAMA_WHEELS).partial "$(LLAMA)" && mv $(LLAMA_WHEELS).partial $(LLAMA_WHEELS); }
	@$(PIP) install --no-deps --force-reinstall $(LLAMA_WHEELS)/*.whl
	@$(PIP) install -e .
	@$(BIN)/python -c "import assistant, ingest, torch, chromadb" && touch $@

$(VENV)/.installed-test: $(VENV)/.installed pyproject.toml
	@$(PIP) install -e ".[test]"
	@$(BIN)/python -c "import pytest" && touch $@

clean:
	rm -rf $(VENV) .data
