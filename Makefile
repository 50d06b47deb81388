# Two commands: `make lab` opens the course, `make test` runs every check.
# Both create .venv on first use and reinstall only when requirements or pyproject change.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PIP    := $(BIN)/python -m pip --disable-pip-version-check -q
NBVAL  := $(BIN)/python -m pytest --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg \
          --nbval-cell-timeout=300 -p no:cacheprovider -o filterwarnings= -v

.PHONY: setup lab test lint unit nbval notebooks bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip
	$(PIP) install -r requirements.txt
	$(PIP) install --no-deps -e .
	@# Build matplotlib's font cache now, so its one-time notice never lands on a notebook's stderr.
	$(BIN)/python -c "import matplotlib.pyplot"
	@touch $@

lab: setup
	$(BIN)/jupyter lab notebooks/

test: lint unit nbval

lint: setup
	$(BIN)/ruff check .

unit: setup
	$(BIN)/python -m pytest tests

nbval: setup
	$(NBVAL) notebooks/

# Re-execute every notebook top to bottom in a fresh kernel and store the outputs.
notebooks: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 notebooks/[0-9]*.ipynb

bench: setup
	$(BIN)/python benchmarks/loader_throughput.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
