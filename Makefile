# semcomp: set up, run, test. Every target creates .venv with the pinned versions first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test docs readme export clean-nbs

$(STAMP): setup.py settings.ini constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $(STAMP)

setup: $(STAMP)                       ## create .venv and install semcomp with pinned dependencies

run: $(STAMP)                         ## the main job on images/ + texts/ (models/ or the built-in preset) -> result/
	$(BIN)/semcomp run

test: $(STAMP)                        ## every notebook, run as nbdev_test runs them while building the docs (fails on any error or broken link), then pytest
	$(BIN)/python tools/build_docs.py --out _docs --check
	$(BIN)/pytest -q tests

docs: $(STAMP)                        ## the documentation site, offline (no Quarto): _docs/index.html
	$(BIN)/python tools/build_docs.py --out _docs --check

readme: $(STAMP)                      ## render README.md from nbs/index.ipynb (offline; no Quarto needed)
	$(BIN)/python tools/render_readme.py

export: $(STAMP)                      ## notebooks -> semcomp/ and clean notebook metadata
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export
