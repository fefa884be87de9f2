# Two commands for a fresh machine (see README):
#   make demo   install asynclint (the package alone, ~20 packages) in .venv and run it on the
#               bundled example app
#   make test   install the test dependencies in .venv and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test lint bench docs catalog clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-package

# the demo needs the package and its runtime dependencies only, not the test stack; editable,
# like the install above, so that `make demo` and `make test` can share one .venv in any order
$(VENV)/.installed-package: $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e .
	touch $@

# asynclint exits 1 when it finds something, which is the point of the demo
demo: $(VENV)/.installed-package
	@$(BIN)/asynclint check examples/; status=$$?; [ $$status -le 1 ]

test: $(VENV)/.installed
	$(BIN)/python -m pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/python -m asynclint.docsgen --check

bench: $(VENV)/.installed
	$(BIN)/python benchmarks/run.py

docs: $(VENV)/.installed
	$(BIN)/python -m asynclint.docsgen

# regenerate the method lists of the big clients in rules/*.toml from the installed libraries
catalog: $(VENV)/.installed
	$(BIN)/python tests/catalog_gen.py
	$(BIN)/python -m asynclint.docsgen

clean:
	rm -rf $(VENV) .venv-* build dist .pytest_cache .asynclint_cache
