# The two commands a newcomer needs are `make run` and `make test`; both build
# the virtual environment from the lock file on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test check fmt lock clean bench soak

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --disable-pip-version-check -r requirements.lock
	$(PY) -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(PY) -m service

test: $(STAMP)
	$(PY) -m pytest

check: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

lock: $(STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml --extra dev -o requirements.lock --python $(PY) -q

# Benchmarks against fresh local servers and baselines; writes docs/benchmarks.md
# in under ten minutes. Its extra packages (bench/requirements.txt) go into the
# same virtual environment but are never needed by run or test.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(STAMP) bench/requirements.txt
	-$(PY) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m bench.run

# The long forms of the fault, storm and fuzz tests; writes docs/reliability.md.
SOAK_REPORT := bench/results/soak.jsonl

soak: $(STAMP)
	mkdir -p bench/results && rm -f $(SOAK_REPORT)
	REFINER_SOAK=1 REFINER_SOAK_REPORT=$(CURDIR)/$(SOAK_REPORT) $(PY) -m pytest -q -o timeout=1800 \
		tests/test_soak_crash.py tests/test_soak_storm.py tests/test_faults.py \
		tests/test_llm_faults.py tests/test_fuzz_ws.py tests/test_fuzz_rest.py
	REFINER_SOAK_REPORT=$(CURDIR)/$(SOAK_REPORT) $(PY) bench/reliability_report.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
