# Two commands: `make lab` opens the course, `make test` runs every check.
# Both create .venv on first use and reinstall only when the requirements change.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
COMPAT := .venv-compat
PIPQ   := -m pip --disable-pip-version-check -q
# Raising cells carry both the NBVAL_RAISES_EXCEPTION comment (for readers) and the
# raises-exception tag (for nbconvert and Run All); nbval warns that both say the same thing.
NBVAL_OPTS := --nbval-current-env --nbval-cell-timeout=300 -p no:cacheprovider -o filterwarnings= -v \
              -W "ignore:Overlapping options from comments and metadata:UserWarning"
SANITIZE   := --nbval-sanitize-with notebooks/sanitize.cfg

.PHONY: setup lab test lint unit nbval compat e2e notebooks bench clean

setup: $(VENV)/.installed

# $(call make_venv,DIR,REQUIREMENTS...): create DIR if missing, install the pins and helpers.
define make_venv
	@test -x $(1)/bin/python || $(PYTHON) -m venv $(1)
	$(1)/bin/python $(PIPQ) install --upgrade pip
	$(1)/bin/python $(PIPQ) install $(addprefix -r ,$(2))
	$(1)/bin/python $(PIPQ) install --no-deps -e .
	@# Build matplotlib's font cache now, so its one-time notice never lands on a notebook's stderr.
	$(1)/bin/python -c "import matplotlib.pyplot"
	@touch $(1)/.installed
endef

$(VENV)/.installed: requirements.txt requirements-e2e.txt pyproject.toml
	$(call make_venv,$(VENV),requirements.txt requirements-e2e.txt)

$(COMPAT)/.installed: requirements-compat.txt pyproject.toml
	$(call make_venv,$(COMPAT),requirements-compat.txt)

# --allow-root only where make runs as root (containers), which JupyterLab otherwise refuses.
lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

test: lint unit nbval compat e2e

lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/python -m pytest tests

# Strict: every stored output must come out the same, with 1 and with 2 torch threads.
nbval: setup
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest --nbval $(SANITIZE) $(NBVAL_OPTS) notebooks/
	OMP_NUM_THREADS=2 $(BIN)/python -m pytest --nbval $(SANITIZE) $(NBVAL_OPTS) notebooks/

# Colab's older stack (ipywidgets 7.7, oldest numpy and matplotlib allowed): helpers' unit
# tests, then every notebook run top to bottom (lax: numbers may differ in the last digit).
# Old matplotlib calls APIs that newer pyparsing deprecates: those DeprecationWarnings are
# between the two libraries, so only they are let through; any other warning still fails.
compat: $(COMPAT)/.installed
	$(COMPAT)/bin/python -m pytest -p no:cacheprovider -W ignore::DeprecationWarning tests
	$(COMPAT)/bin/python -m pytest --nbval-lax $(NBVAL_OPTS) notebooks/

# Every notebook in JupyterLab in headless Chromium (Debian's /usr/bin/chromium; skipped
# with a reason where it is missing: `sudo apt-get install chromium`).
e2e: setup
	$(BIN)/python -m pytest -p no:cacheprovider tests_e2e

# Re-execute every notebook top to bottom in a fresh kernel and store the outputs.
notebooks: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.store_widget_state=False \
	    notebooks/[0-9]*.ipynb

bench: setup
	$(BIN)/python benchmarks/loader_throughput.py

clean:
	rm -rf $(VENV) $(COMPAT) .pytest_cache .ruff_cache .hypothesis artifacts
