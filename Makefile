# semcomp: set up, run, test. Every target creates .venv with the pinned versions first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: setup run test docs readme export clean-nbs

# This checkout's semcomp comes first, whatever the environment's editable install points at.
export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))

# A .venv that is a link (to another checkout's environment) gets the requirements only, never `pip install -e .` of
# this checkout, which would re-point the other checkout's editable install here.
$(STAMP): setup.py settings.ini constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	if [ -L $(VENV) ]; then \
	  echo "$(VENV) is a link to $$(readlink -f $(VENV)): installing missing requirements only (this checkout via PYTHONPATH)"; \
	  $(BIN)/python -m pip install --quiet -c constraints.txt $$($(BIN)/python tools/requirements.py); \
	else \
	  $(BIN)/python -m pip install --quiet --upgrade pip && \
	  $(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"; \
	fi
	touch $(STAMP)

setup: $(STAMP)                       ## create .venv and install semcomp with pinned dependencies

run: $(STAMP)                         ## the main job on images/ + texts/ (models/ or the built-in preset) -> result/
	$(BIN)/semcomp run

test: $(STAMP)                        ## every notebook, run as nbdev_test runs them while building the docs (fails on any error or broken link), then pytest (browser checks included); one notebook / test per core
	$(BIN)/python tools/build_docs.py --out _docs --check
	$(BIN)/pytest -q -rs -n auto --maxprocesses 4 tests

docs: $(STAMP)                        ## the documentation site, offline (no Quarto): _docs/index.html
	$(BIN)/python tools/build_docs.py --out _docs --check

readme: $(STAMP)                      ## render README.md from nbs/index.ipynb (offline; no Quarto needed)
	$(BIN)/python tools/render_readme.py

export: $(STAMP)                      ## notebooks -> semcomp/ and clean notebook metadata
	$(BIN)/nbdev_clean
	$(BIN)/nbdev_export
