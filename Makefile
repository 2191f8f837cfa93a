# The two commands a newcomer needs are `make run` and `make test`; both build
# the virtual environment from a lock file on first use. `run` installs only
# what the service needs (requirements.lock); `test` adds the test and lint
# tools (requirements-dev.lock). Both locks pin every package with its hashes,
# the build backend included, so nothing unpinned is fetched.
VENV := .venv
PY := $(VENV)/bin/python
RUN_STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.dev-installed
PIP := $(PY) -m pip install -q --disable-pip-version-check
NEEDED := 3.11

# The first interpreter on PATH that is new enough: python3, or a versioned one.
PYTHON ?= $(shell for p in python3 python3.13 python3.12 python3.11; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
	2>/dev/null && { echo $$p; break; }; done)
FOUND = $(shell $(or $(PYTHON),python3) -c 'import platform; print(platform.python_version())' 2>/dev/null || echo missing)
NEW_ENOUGH = $(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null

.PHONY: run test check fmt lock clean bench soak

# A .venv without the stamp is half-built (an interrupted install, or one made
# by a Python that is too old): it is made again, never reused.
$(RUN_STAMP): requirements.lock pyproject.toml
	@{ test -n "$(PYTHON)" && $(NEW_ENOUGH); } || { echo "make: Refiner needs Python $(NEEDED) or newer, and $(or $(PYTHON),python3) is $(FOUND); install python$(NEEDED) or newer, or run make PYTHON=/path/to/python3.11" >&2; exit 1; }
	@test -f $(RUN_STAMP) || rm -rf $(VENV)
	@test -x $(PY) || $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "make: $(PYTHON) -m venv failed; on Debian and Ubuntu install python3-venv" >&2; exit 1; }
	$(PIP) --require-hashes -r requirements.lock
	$(PIP) --no-deps --no-build-isolation -e .
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP) requirements-dev.lock
	$(PIP) --require-hashes -r requirements-dev.lock
	touch $(DEV_STAMP)

run: $(RUN_STAMP)
	$(PY) -m service

test: $(DEV_STAMP)
	$(PY) -m pytest

check: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

fmt: $(DEV_STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# Both locks from one resolution: the dev lock first, then the run lock,
# which keeps the dev lock's versions (uv prefers the pins of its output file).
lock: $(DEV_STAMP)
	$(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --extra dev --generate-hashes \
		-o requirements-dev.lock --python $(PY) -q
	cp requirements-dev.lock requirements.lock
	$(VENV)/bin/uv pip compile pyproject.toml requirements-build.in --generate-hashes \
		-o requirements.lock --python $(PY) -q

# Benchmarks against fresh local servers and baselines; writes docs/benchmarks.md
# in under ten minutes. Its extra packages (bench/requirements.txt) go into the
# same virtual environment but are never needed by run or test.
BENCH_STAMP := $(VENV)/.bench-installed

$(BENCH_STAMP): $(DEV_STAMP) bench/requirements.txt
	-$(PY) -m pip install -q --disable-pip-version-check -r bench/requirements.txt
	touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	$(PY) -m bench.run

# The long forms of the fault, storm and fuzz tests; writes docs/reliability.md.
SOAK_REPORT := bench/results/soak.jsonl

soak: $(DEV_STAMP)
	mkdir -p bench/results && rm -f $(SOAK_REPORT)
	REFINER_SOAK=1 REFINER_SOAK_REPORT=$(CURDIR)/$(SOAK_REPORT) $(PY) -m pytest -q -o timeout=1800 \
		tests/test_soak_crash.py tests/test_soak_storm.py tests/test_faults.py \
		tests/test_llm_faults.py tests/test_fuzz_ws.py tests/test_fuzz_rest.py
	REFINER_SOAK_REPORT=$(CURDIR)/$(SOAK_REPORT) $(PY) bench/reliability_report.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
