# shadowfleet — the two set-up commands are `make demo` and `make test`; both start from a bare machine
# (Python 3.11+ and pip) and create .venv themselves.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= out/demo

.PHONY: demo test lint bench clean web fuzz eval

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m shadowfleet.demo --out $(DEMO_DIR)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/ruff format --check src tests benchmarks
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/mypy

test: lint
	bash .ci/system-deps
	$(VENV)/bin/pytest -n 2 tests

# The ingest fuzzer at length: 2,400 seeded mutations of the real files in ../shared/data/ais (make test
# runs 200); FUZZ_SEED=N for new ones. Figures in README.md, "Fuzzing ingest".
fuzz: $(STAMP)
	FUZZ_CASES=$${FUZZ_CASES:-2400} $(VENV)/bin/pytest -n 2 tests/test_fuzz_ingest.py

bench: $(STAMP)
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_screen.py
	$(PY) benchmarks/bench_api.py
	$(PY) benchmarks/bench_detect.py --positions $${BENCH_POSITIONS:-100000000}

# Detection quality over seeds x regions x reception models (README, "shadowfleet simulate and shadowfleet evaluate").
eval: $(STAMP)
	$(PY) benchmarks/eval_scenarios.py $(EVAL_ARGS)

# MapLibre GL JS from the npm registry into the package's static assets (committed, so neither
# installing nor serving needs npm; rerun after changing web/package.json).
web:
	cd web && npm install --no-audit --no-fund
	cp web/node_modules/maplibre-gl/dist/maplibre-gl.js web/node_modules/maplibre-gl/dist/maplibre-gl.css \
	   src/shadowfleet/api/static/vendor/
	cp web/node_modules/maplibre-gl/LICENSE.txt src/shadowfleet/api/static/vendor/MAPLIBRE-LICENSE.txt

clean:
	rm -rf $(VENV) out benchmarks/.cache .pytest_cache .mypy_cache .ruff_cache test-artifacts web/node_modules
