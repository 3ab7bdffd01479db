# bastion — two commands on a fresh machine with only Python 3.11:
#   make demo   runs the Baghdad night on embedded defaults (SQLite, local process)
#   make test   runs ruff, the import contract (information barrier) and pytest
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SEED   ?= 1

.PHONY: demo test lint contracts pytest bench clean fuzz

$(STAMP): pyproject.toml overrides.txt
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(BIN)/python -m ensurepip --upgrade >/dev/null
	$(BIN)/python -m pip install --quiet --disable-pip-version-check uv
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python --override overrides.txt -e '.[dev,console,sweep,report,dis,tak]'
	$(BIN)/python -m compileall -q src  # byte code written once: commands start at once even where PYTHONDONTWRITEBYTECODE is set
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/bastion run baghdad --seed $(SEED) --out runs/baghdad-seed$(SEED)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks

contracts: $(STAMP)
	$(BIN)/lint-imports

pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadgroup

test: lint contracts pytest

bench: $(STAMP)
	$(BIN)/python benchmarks/night.py

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache .import_linter_cache

# coverage-guided fuzzing of the decoders (atheris; outside CI's time): new inputs that add coverage
# join tests/io/fuzz_corpus, crashes are written there as crash-* (keep them after the fix)
FUZZ_S ?= 600
fuzz: $(STAMP)
	$(BIN)/uv pip install --quiet --python $(BIN)/python atheris
	cd tests/io && ../../$(BIN)/python decoder_fuzz.py fuzz_corpus -max_total_time=$(FUZZ_S) -artifact_prefix=fuzz_corpus/
