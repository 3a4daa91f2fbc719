# The two commands: `make run` and `make test`. Both create the virtualenv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
OLD_DUCKDB := 1.0.0
# pip itself pinned and upgraded first: Python 3.11's own (23.2) spends ~12 s of a fresh install checking each of
# ~130,000 index links against the machine's wheel tags; 26.2 does the same install in half the time, same packages.
PIP := 26.2.1
export DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: run test dev bench review calibrate install clean

$(VENV)/.installed: pyproject.toml constraints.txt
	# A virtualenv without Python's bundled pip, given pip $(PIP) by the machine's own pip (3.4 s -> 1.3 s); where the
	# machine's Python has no pip (or one without --python), the usual virtualenv with the bundled pip.
	test -x $(PY) || { $(PYTHON) -m venv --without-pip $(VENV) && $(PYTHON) -m pip --python $(PY) install --quiet \
		--disable-pip-version-check --no-compile pip==$(PIP); } || { rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile pip==$(PIP)
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile -c constraints.txt -e ".[test]"
	# DuckDB 1.0, apart, for the test that opens the published file as older BI drivers do.
	$(PY) -m pip install --quiet --disable-pip-version-check --no-compile --no-deps --target $(VENV)/duckdb1 duckdb==$(OLD_DUCKDB)
	# Bytecode compiled on every core, the libraries' own test folders left out (pip compiles one file at a time,
	# all of them: half of a fresh install). A file that does not compile is skipped, as pip skips it.
	-$(PY) -m compileall -q -j 0 -x '/tests?/' $(VENV)/lib $(VENV)/duckdb1 > /dev/null
	touch $@

install: $(VENV)/.installed

run: $(VENV)/.installed  ## materialize every asset into data/warehouse/indicators.duckdb
	$(PY) -m indicators_pipeline.cli

test: $(VENV)/.installed  ## the whole test suite
	$(PY) -m pytest

dev: $(VENV)/.installed  ## Dagster UI and daemon (schedule and sensor) on http://127.0.0.1:3000
	$(PY) -c "from indicators_pipeline.cli import prepare_dagster_home; prepare_dagster_home()"
	$(VENV)/bin/dagster dev -w workspace.yaml -h 127.0.0.1 -p 3000

bench: $(VENV)/.installed  ## throughput and refresh benchmarks, as ratios against baselines
	$(PY) -m indicators_pipeline_tests.bench.run_bench

review: $(VENV)/.installed  ## the top of the review queue (ARGS="--province 'Gia Lai'" or "--accept ID --who .. --reason ..")
	$(PY) -m indicators_pipeline.review $(ARGS)

calibrate: $(VENV)/.installed  ## each rule's measured reliability from the first readings -> reference/rule_reliability.csv
	$(PY) -m indicators_pipeline.confidence indicators_pipeline_tests/realtext/readings.csv

clean:
	rm -rf $(VENV) data/warehouse data/quality .dagster_home
