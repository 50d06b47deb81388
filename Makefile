# Two commands: `make lab` opens the course, `make test` runs every check.
# Both create .venv on first use and reinstall only when the requirements change.
# `make lab` installs requirements.txt alone (what a learner needs); `make test` adds
# requirements-test.txt (pytest, nbval, ruff, playwright, ...) to the same .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
COMPAT := .venv-compat
# requirements.txt names PyTorch's CPU index beside the package index, and pip asks both for
# every package. Two retries (not pip's five, with their growing back-off) keep an install
# quick where that index can't be reached: pip then takes what the other indexes offer.
PIPQ   := -m pip --disable-pip-version-check -q --retries 2
# torch build: cpu (the default, from requirements.txt) or a CUDA tag of PyTorch's wheel
# index, e.g. `make lab TORCH=cu128` on a Linux machine with an NVIDIA GPU.
TORCH  ?= cpu
TORCH_VERSION := 2.13.0
# Test markers are cell tags (raises-exception, nbval-ignore-output), never comments.
NBVAL_OPTS := --nbval-current-env --nbval-cell-timeout=300 -p no:cacheprovider -o filterwarnings= -v
SANITIZE   := --nbval-sanitize-with notebooks/sanitize.cfg
NBVAL_RUN   = $(BIN)/python -m pytest --nbval $(SANITIZE) $(NBVAL_OPTS) notebooks/

.PHONY: setup setup-test lab test lint format unit nbval nbval-native nbval-default nbval-avx2 \
        compat e2e notebooks bench clean site site-test

setup: $(VENV)/.installed $(VENV)/.torch-$(TORCH)
setup-test: setup $(VENV)/.installed-test

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

$(VENV)/.installed: requirements.txt pyproject.toml
	$(call make_venv,$(VENV),requirements.txt)

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/python $(PIPQ) install -r requirements-test.txt
	@touch $@

# The CPU build comes with requirements.txt; TORCH=cu128 (say) swaps in that CUDA build.
$(VENV)/.torch-cpu: $(VENV)/.installed
	@touch $@
$(VENV)/.torch-%: $(VENV)/.installed
	$(BIN)/python $(PIPQ) install "torch==$(TORCH_VERSION)+$*" --index-url https://download.pytorch.org/whl/$*
	@touch $@

$(COMPAT)/.installed: requirements-compat.txt pyproject.toml
	$(call make_venv,$(COMPAT),requirements-compat.txt)

# --allow-root only where make runs as root (containers), which JupyterLab otherwise refuses.
lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

test: lint unit nbval compat e2e site-test

lint: setup-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Rewrite the code the way `make lint` wants it.
format: setup-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

unit: setup-test
	$(BIN)/python -m pytest tests

# Strict nbval: every stored output must come out the same on any CPU. Three legs, run side
# by side, stand in for the CPUs learners have: this machine's own kernels with 2 threads;
# torch's portable kernels (ATEN_CPU_CAPABILITY=default) with 1 thread and OpenBLAS told it
# runs on an old core; torch's AVX2 kernels with 1 thread and a Haswell-era OpenBLAS.
# The native leg's kernels also run offline (tests/offline_ipython, an IPython startup
# file): any network access fails its cell, and so does passing the 600 MB memory ceiling.
# That one execution replaces a separate offline run of every notebook.
nbval: setup-test
	$(MAKE) --no-print-directory -j3 --output-sync=target nbval-native nbval-default nbval-avx2

nbval-native: setup-test
	OMP_NUM_THREADS=2 IPYTHONDIR=$(CURDIR)/tests/offline_ipython $(NBVAL_RUN)
nbval-default: setup-test
	ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Prescott $(NBVAL_RUN)
nbval-avx2: setup-test
	ATEN_CPU_CAPABILITY=avx2 OMP_NUM_THREADS=1 OPENBLAS_CORETYPE=Haswell $(NBVAL_RUN)

# Colab's older stack (ipywidgets 7.7, oldest numpy and matplotlib allowed): helpers' unit
# tests, then every notebook run top to bottom (lax: numbers may differ in the last digit).
# The notebooks run are the student copies: their code cells are the self-study notebooks'
# own (only solutions, answers and check outputs differ), so one run proves both that the
# course runs on Colab's stack and that every student copy runs top to bottom, each
# untouched stub getting "not yet" and nothing raising that is not tagged to raise.
# Lax, as student copies have their check outputs cleared: nothing there to compare.
# The offline runner's tests are left out here: they are about the notebooks, not the stack,
# and `make unit` runs them already (the lax run below executes every notebook anyway).
# Old matplotlib calls APIs that newer pyparsing deprecates: those DeprecationWarnings are
# between the two libraries, so only they are let through; any other warning still fails.
compat: $(COMPAT)/.installed
	$(COMPAT)/bin/python -m pytest -p no:cacheprovider -W ignore::DeprecationWarning \
	    --ignore=tests/test_notebooks_offline.py tests
	$(COMPAT)/bin/python -m pytest --nbval-lax $(NBVAL_OPTS) student/

# Every notebook in JupyterLab in headless Chromium (Debian's /usr/bin/chromium; skipped
# with a reason where it is missing: `sudo apt-get install chromium`).
e2e: setup-test
	$(BIN)/python -m pytest -p no:cacheprovider tests_e2e

# The course website (README.md, "Website"): site/prepare.py lays out the pages from README.md,
# INSTRUCTORS.md and the stored notebooks (never executed), Sphinx + MyST-NB build them into
# site/_build/html. Its tools go into .venv from requirements-site.txt (never by `make lab`);
# MathJax and axe-core come from npm into site/node_modules (git-ignored, never vendored).
$(VENV)/.installed-site: requirements-site.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python $(PIPQ) install -r requirements-site.txt
	@touch $@

site/node_modules/.installed: site/package.json site/package-lock.json
	cd site && npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $@

site: $(VENV)/.installed-site site/node_modules/.installed
	$(BIN)/python site/prepare.py
	$(BIN)/sphinx-build -q -E -W --keep-going -b html -c site -d site/_build/doctrees \
	    site/_build/src site/_build/html

# The built site in headless Chromium, served from 127.0.0.1 with every other host blocked:
# console errors, maths, images and alt text, launch links, search, 390 px layout, axe-core.
site-test: setup-test site
	$(BIN)/python -m pytest -p no:cacheprovider tests_site

# Re-execute every notebook top to bottom in a fresh kernel and store the outputs, with the
# widgets' saved state (metadata.widgets), so a page without a kernel can draw them as static
# widgets (tests/test_figures.py checks every widget output's model is in it).
notebooks: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace \
	    --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.store_widget_state=True \
	    --ExecutePreprocessor.record_timing=False \
	    notebooks/[0-9]*.ipynb

# The classroom edition: student/NN_*.ipynb from notebooks/, solutions removed and check
# outputs cleared, driven by the cells' tags (helpers/classroom.py). Commit student/ after it.
.PHONY: student
student: setup
	$(BIN)/python -m helpers.classroom

bench: setup
	$(BIN)/python benchmarks/loader_throughput.py

clean:
	rm -rf $(VENV) $(COMPAT) .pytest_cache .ruff_cache .hypothesis artifacts
