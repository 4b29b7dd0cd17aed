# Every target sets up what it needs: a fresh machine only needs python3 (3.11+).
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
BENCH_ARGS ?=

.PHONY: install test lint demo bench bench-sandbox bench-job clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

test: install  ## the whole test suite (real lightbeam, earthmover and the sandbox over HTTP)
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

demo: install  ## the ACT sample file submitted as a job through the app into the built-in sandbox
	$(BIN)/runway demo

bench: bench-sandbox bench-job

# lightbeam send of 10,000 studentAssessments into the sandbox; e.g. make bench-sandbox BENCH_ARGS="--db file"
bench-sandbox: install
	$(BIN)/python -m bench.sandbox_send $(BENCH_ARGS)

# the ACT sample job end to end through the app against the same earthmover and lightbeam commands run by hand;
# e.g. make bench-job BENCH_ARGS="--runs 5"
bench-job: install
	$(BIN)/python -m bench.job_end_to_end $(BENCH_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
