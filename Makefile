# The course's commands. Each creates .venv on first use and installs the pinned set.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab solutions test check lint notebooks release cases bench clean nbval

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --no-compile -r requirements.txt -c requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

## Open the course in JupyterLab: your own copies in student/ (answers blank; created when missing,
## never overwritten once you edited them). EDITION=ko opens the Korean edition (한국어판) in
## student/ko: Korean prose, check messages and figures, the same code.
EDITION ?= en
EDITION_DIR = $(if $(filter ko,$(EDITION)),/ko,)
lab: $(STAMP)
	$(BIN)/python tools/release.py student --edition $(EDITION)
	$(BIN)/jupyter lab --notebook-dir=student$(EDITION_DIR) $(LAB_ARGS)

## Open the solved notebooks (answers filled in, outputs stored): the lecturer's and CI's source
## (EDITION=ko: notebooks/ko).
solutions: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks$(EDITION_DIR) $(LAB_ARGS)

# make nbval: the English notebooks only (notebooks/ko shares their code and outputs), in kernels
# that run torch's plain CPU kernels (tests/jupyter/kernels/python3-plain-cpu sets
# ATEN_CPU_CAPABILITY=default), as make test's runs do
NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg --ignore=notebooks/ko
PLAIN_CPU := --nbval-kernel-name python3-plain-cpu

## Every test: lint, format, unit tests, every notebook run once, the grading round trip, and the
## slides. Each notebook runs once, as a learner meets it: its blank copy, Run All in JupyterLab
## in headless Chromium (tests/test_browser.py; nbclient where Chromium is missing), in the
## plain-CPU kernel. tests/learner_run.py judges that one run four ways: the release (only the
## checks fail, saying "not implemented yet"), the stored outputs (nbval's rules, every cell outside
## the exercises), the cross-CPU run (the outputs were stored with this CPU's own kernels) and the
## browser (every figure renders). Two pytest workers on two cores, one thread each (kernels
## inherit it: two threads that share a busy core spin-wait for each other); tests/conftest.py
## hands out the longest work first.
PYTEST := OMP_NUM_THREADS=1 JUPYTER_PATH="$(CURDIR)/tests/jupyter" PATH="$(CURDIR)/$(BIN):$$PATH" \
	$(BIN)/python -m pytest -n 2
test: lint
	$(PYTEST) --dist loadscope --no-loadscope-reorder --durations=40 tests

## The short loop (at most a minute on 2 cores): lint, format, unit tests and the notebooks'
## contract tests (pairs in sync, structure, glossary, grading); no notebook is executed.
check: lint
	$(PYTEST) tests -m "not integration"

## Every solved notebook under nbval (NB=05 for one), answers included, on torch's plain kernels
## as `make test` runs them; KERNELS=native for this CPU's own (the kernels the stored outputs were
## made with). loadfile keeps each notebook on one worker.
nbval: $(STAMP)
	$(PYTEST) --dist loadfile $(if $(NB),notebooks/$(NB)_*.ipynb,notebooks) $(NBVAL) \
		$(if $(filter native,$(KERNELS)),,$(PLAIN_CPU))

lint: $(STAMP)
	$(BIN)/ruff check course_lib tests tools
	$(BIN)/ruff format --check course_lib tests tools

## Re-execute the notebooks from their .py twins and store outputs (NB=01 for one); the Korean
## edition is rebuilt from them and its translations (tools/korean_edition.py).
notebooks: $(STAMP)
	$(BIN)/python tools/build_notebooks.py $(NB)

## Student copies (answers removed) into student/; never overwrites an edited copy.
release: $(STAMP)
	$(BIN)/python tools/release.py student

## Rewrite the checks' stored cases (course_lib/checks/cases) from the answer key (NAME=rnn_step for one).
cases: $(STAMP)
	$(BIN)/python tools/answer_key/cases.py $(NAME)

## Speed: each notebook's run time, and course modules against torch (ratios).
bench: $(STAMP)
	$(BIN)/python tools/bench.py

clean:
	rm -rf release student .pytest_cache
