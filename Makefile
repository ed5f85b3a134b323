# The course's commands. Each creates .venv on first use and installs the pinned set.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: lab solutions test check lint notebooks release cases bench clean nbval-default-cpu

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.txt -c requirements.txt
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $(STAMP)

## Open the course in JupyterLab: your own copies in student/ (answers blank; created when missing,
## never overwritten once you edited them).
lab: $(STAMP)
	$(BIN)/python tools/release.py student
	$(BIN)/jupyter lab --notebook-dir=student $(LAB_ARGS)

## Open the solved notebooks (answers filled in, outputs stored): the lecturer's and CI's source.
solutions: $(STAMP)
	$(BIN)/jupyter lab --notebook-dir=notebooks $(LAB_ARGS)

NBVAL := --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

## Every test: lint, unit tests, notebooks under nbval, release and grading round trip, and every
## notebook under nbval once more as another CPU would run it (tests/test_cross_cpu.py:
## ATEN_CPU_CAPABILITY=default makes torch use its plain kernels, whose last bits differ from AVX2's
## or AVX512's, so an output that depends on the CPU fails here and not only on a learner's machine).
## Two pytest workers on two cores: one thread each (kernels inherit it), or their threads
## spin-wait for each other and a 40 s notebook takes ten minutes.
test: $(STAMP)
	$(BIN)/ruff check course_lib tests tools
	$(BIN)/ruff format --check course_lib tests tools
	OMP_NUM_THREADS=1 PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest -n 2 --dist loadfile \
		tests notebooks $(NBVAL)

## The short loop (under a minute on 2 cores): lint, format, unit tests and the notebooks' contract
## tests (pairs in sync, structure, glossary); no notebook is executed.
check: $(STAMP)
	$(BIN)/ruff check course_lib tests tools
	$(BIN)/ruff format --check course_lib tests tools
	OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 tests --ignore=tests/test_browser.py \
		--ignore=tests/test_release.py --ignore=tests/test_cross_cpu.py \
		--ignore=tests/test_class_round_trip.py

## Every notebook under nbval as a CPU without AVX would run it (NB=05 for one).
nbval-default-cpu: $(STAMP)
	ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 $(BIN)/python -m pytest -n 2 --dist loadfile \
		$(if $(NB),notebooks/$(NB)_*.ipynb,notebooks) $(NBVAL)

lint: $(STAMP)
	$(BIN)/ruff check course_lib tests tools
	$(BIN)/ruff format --check course_lib tests tools

## Re-execute the notebooks from their .py twins and store outputs (NB=01 for one).
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
