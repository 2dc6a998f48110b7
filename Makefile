# Quickstart: `make run` (build, then serve the bundled examples on :8083) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test build bench clean

$(STAMP): pyproject.toml setup.py
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q "Cython>=3.0" "setuptools>=77" wheel
	$(BIN)/pip install -q --no-build-isolation -e ".[test]"
	touch $(STAMP)

build: $(STAMP)
	$(BIN)/python setup.py -q build_ext --inplace

run: build
	$(BIN)/fastsfn serve --definitions examples --handlers examples.handlers:handlers

test: build
	$(BIN)/python -m pytest -q

bench: build
	$(BIN)/python -m pytest bench -q --benchmark-only --benchmark-storage=bench/baselines --benchmark-autosave

clean:
	rm -rf $(VENV) build fastsfn/_core.c fastsfn/ids.c fastsfn/logrecords.c fastsfn/responses.c fastsfn/lambdas.c fastsfn/compactjson.c fastsfn/*.so fastsfn/*.html
