# Two commands: `make lab` opens the course, `make test` runs every check.
# Both create .venv on first use and reinstall only when the requirements change.
# `make lab` installs requirements.txt alone (what a learner needs); `make test` adds
# requirements-test.txt (pytest, nbval, ruff, playwright, ...) to the same .venv.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
# Python 3.13 for the compat and future legs (Colab's Python): python3.13, else pyenv's.
PY313  := $(or $(shell python3.13 -c 'import sys; print(sys.executable)' 2>/dev/null),$(lastword $(sort $(wildcard $(HOME)/.pyenv/versions/3.13*/bin/python3.13 /root/.pyenv/versions/3.13*/bin/python3.13))))
COMPAT := .venv-compat
FUTURE := .venv-future
# requirements.txt names PyTorch's CPU index beside the package index, and pip asks both for
# every package. Two retries (not pip's five, with their growing back-off) ride out a flaky
# network; where that index's host can't even be resolved (a machine that reaches only the
# package index), no retries: pip then takes what the other indexes offer at once.
PIP_RETRIES := $(shell python3 -c "import socket; socket.getaddrinfo('download.pytorch.org', 443)" >/dev/null 2>&1 && echo 2 || echo 0)
PIPQ   := -m pip --disable-pip-version-check -q --retries $(PIP_RETRIES)
# torch build: cpu (the default, from requirements.txt) or a CUDA tag of PyTorch's wheel
# index, e.g. `make lab TORCH=cu128` on a Linux machine with an NVIDIA GPU.
TORCH  ?= cpu
TORCH_VERSION := 2.13.0
# Test markers are cell tags (raises-exception, nbval-ignore-output), never comments.
NBVAL_OPTS := --nbval-current-env --nbval-cell-timeout=300 -p no:cacheprovider -o filterwarnings= -v
SANITIZE   := --nbval-sanitize-with notebooks/sanitize.cfg
NBVAL_RUN   = $(BIN)/python -m pytest --nbval $(SANITIZE) $(NBVAL_OPTS) notebooks/

.PHONY: setup setup-test lab test check unit-quick lint format unit nbval nbval-native nbval-default nbval-avx2 \
        compat compat-unit compat-nbval compat-student future future-unit future-nbval \
        future-upgrade e2e notebooks bench clean site site-test compat-graph future-graph test-venv

setup: $(VENV)/.installed $(VENV)/.torch-$(TORCH)
setup-test: setup $(VENV)/.installed-test

# $(call make_venv,DIR,REQUIREMENTS...[,PYTHON]): create DIR if missing (with PYTHON, by
# default $(PYTHON)), install the requirements and helpers.
define make_venv
	@test -x $(1)/bin/python || $(or $(3),$(PYTHON)) -m venv $(1)
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

$(COMPAT)/.installed: requirements-compat.txt pyproject.toml | python3.13
	$(call make_venv,$(COMPAT),requirements-compat.txt,$(PY313))
# Unpinned: made once, then kept until requirements-future.txt changes; `make future-upgrade`
# takes the newest releases again (CI, in a fresh clone, always gets them).
$(FUTURE)/.installed: requirements-future.txt pyproject.toml | python3.13
	$(call make_venv,$(FUTURE),requirements-future.txt,$(PY313))
future-upgrade: $(FUTURE)/.installed
	$(FUTURE)/bin/python $(PIPQ) install --upgrade -r requirements-future.txt

.PHONY: python3.13
python3.13:
	@test -n "$(PY313)" || { echo "make compat and make future need Python 3.13 (Colab's):" \
	    "install it (e.g. pyenv install 3.13) so that python3.13 is on the PATH" >&2; exit 1; }

# --allow-root only where make runs as root (containers), which JupyterLab otherwise refuses.
lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# Every leg, TEST_JOBS at a time, scheduled by .ci/legs.py: first the three venvs, side by
# side (.venv with the test and site tools; the Python 3.13 ones are mostly downloads, about
# 3 GB each on a first run); then each leg as soon as its venv is built and a slot is free,
# the longest first, so that the short ones fill in at the end. Three slots on two cores: much
# of every leg is waiting (for a kernel, a process, the browser). At the end it prints when
# each step ran and how long it took. (`target@step`: the target waits for that step.)
TEST_JOBS ?= 3
TEST_STEPS := test-venv $(COMPAT)/.installed $(FUTURE)/.installed \
    unit@test-venv e2e@test-venv future-unit@$(FUTURE)/.installed \
    compat-unit@$(COMPAT)/.installed site-test@test-venv compat-student@$(COMPAT)/.installed \
    compat-nbval@$(COMPAT)/.installed future-nbval@$(FUTURE)/.installed \
    nbval-native@test-venv nbval-avx2@test-venv nbval-default@test-venv \
    compat-graph@$(COMPAT)/.installed future-graph@$(FUTURE)/.installed lint@test-venv
test:
	$(PYTHON) .ci/legs.py -j $(TEST_JOBS) $(TEST_STEPS)
# .venv with everything the legs install into it, one step after the other (never side by side)
test-venv: setup-test
	$(MAKE) --no-print-directory $(VENV)/.installed-site site/node_modules/.installed

# The quick loop for contributors (under 4 minutes on 2 cores): lint, then the unit tests but
# those marked slow (the grader against hostile submissions, which `make test` runs) beside the
# strict nbval leg of this machine's own kernels, offline and under the memory ceiling.
check: lint
	$(MAKE) --no-print-directory -j2 --output-sync=target unit-quick nbval-native
unit-quick: setup-test
	$(BIN)/python -m pytest -m "not slow" tests

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

# Colab's stack (requirements-compat.txt): Python 3.13, PyPI's CUDA build of torch 2.11 (it
# runs on a CPU), numpy 2.1, matplotlib 3.10, ipywidgets 7.7, IPython 7.34, ipykernel 6.17,
# jupyter_client 7.4, nbclient 0.10, in .venv-compat. Four checks, side by side:
# - the unit tests (but those marked main_stack_only, below);
# - strict nbval of the self-study notebooks: every stored output comes out the same there;
# - the student copies top to bottom (lax: their check outputs are cleared), each untouched
#   stub getting "not yet" and nothing raising that is not tagged to raise;
# - tests/graph_runs.py: 02's graph drawn in 20 fresh processes (it once failed on some runs).
# The CUDA build takes ~500 MB more memory at `import torch` alone than the CPU build, so
# the offline runner's ceiling (600 MB, for the CPU build of `make nbval`) is raised here.
CUDA_PEAK_MB := 1100
# Suites marked main_stack_only run on .venv alone: the grader against hostile submissions
# (tests/test_grade_adversarial.py) tests the sandbox and the grader's own logic, the same
# on every stack; tests/test_grade.py still grades on each stack's nbclient and torch.
STACK_UNIT = -p no:cacheprovider -q --durations=8 -m "not main_stack_only" tests
COMPAT_VERSIONS = $(COMPAT)/bin/python -c "import sys, torch; print('compat leg: Python', sys.version.split()[0], '· torch', torch.__version__)"
compat: $(COMPAT)/.installed
	$(MAKE) --no-print-directory -j3 --output-sync=target compat-unit compat-nbval compat-student compat-graph
compat-unit: $(COMPAT)/.installed
	@$(COMPAT_VERSIONS)
	OFFLINE_PEAK_MB=$(CUDA_PEAK_MB) $(COMPAT)/bin/python -m pytest $(STACK_UNIT)
compat-nbval: $(COMPAT)/.installed
	$(COMPAT)/bin/python -m pytest --nbval $(SANITIZE) $(NBVAL_OPTS) notebooks/
compat-student: $(COMPAT)/.installed
	$(COMPAT)/bin/python -m pytest --nbval-lax $(NBVAL_OPTS) student/
compat-graph: $(COMPAT)/.installed
	$(COMPAT)/bin/python tests/graph_runs.py --runs 20

# The newest releases (requirements-future.txt, unpinned) on Python 3.13, in .venv-future:
# an early warning of what the next torch, numpy, matplotlib, ipywidgets or JupyterLab break.
# It prints the versions it runs, then the unit tests and every notebook top to bottom (lax:
# the newest numbers may differ in the last digit). A failure says it is this leg, and names
# the versions.
FUTURE_PACKAGES := torch numpy matplotlib ipywidgets jupyterlab ipython ipykernel nbclient
FUTURE_FAIL = { echo "make future: FAILED on the newest releases:" \
    $$($(FUTURE)/bin/python -m pip list --format=freeze 2>/dev/null | grep -iE '^($(subst $() ,|,$(FUTURE_PACKAGES)))==' | tr '\n' ' ') >&2; exit 1; }
future: $(FUTURE)/.installed
	$(MAKE) --no-print-directory -j3 --output-sync=target future-unit future-nbval future-graph
future-unit: $(FUTURE)/.installed
	@echo "future leg (the newest releases), Python $$($(FUTURE)/bin/python -c 'import sys; print(sys.version.split()[0])'):"
	@$(FUTURE)/bin/python -m pip list --format=freeze | grep -iE '^($(subst $() ,|,$(FUTURE_PACKAGES)))=='
	OFFLINE_PEAK_MB=$(CUDA_PEAK_MB) $(FUTURE)/bin/python -m pytest $(STACK_UNIT) || $(FUTURE_FAIL)
future-nbval: $(FUTURE)/.installed
	$(FUTURE)/bin/python -m pytest --nbval-lax $(NBVAL_OPTS) notebooks/ || $(FUTURE_FAIL)
future-graph: $(FUTURE)/.installed
	$(FUTURE)/bin/python tests/graph_runs.py --runs 20 || $(FUTURE_FAIL)

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
# (site is made after setup-test, not beside it: both install into .venv.)
site-test: setup-test
	$(MAKE) --no-print-directory site
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
# outputs cleared, driven by the cells' tags (helpers/classroom/student.py). Commit student/ after it.
.PHONY: student
student: setup
	$(BIN)/python -m helpers.classroom

bench: setup
	$(BIN)/python benchmarks/loader_throughput.py
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(COMPAT) $(FUTURE) .pytest_cache .ruff_cache .hypothesis artifacts site/_build site/node_modules
