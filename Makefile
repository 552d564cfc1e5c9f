# The two set-up commands of the README: `make demo` and `make test`. Everything else helps.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   ?= .venv
BIN    := $(VENV)/bin
OUT    ?= demo-out

.PHONY: demo test bench lint format docs clean venv

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Re-install when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/chainwatch demo --out $(OUT)
	@echo "Report written to $(abspath $(OUT))/report.html"

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q

bench: $(VENV)/.installed-test
	$(BIN)/python bench/registry_bench.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/cog --check docs/rules.md docs/cli.md docs/settings.md

format: $(VENV)/.installed-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Regenerate docs/ from the code (rules catalogue, CLI help, settings).
docs: $(VENV)/.installed-test
	$(BIN)/cog -r docs/rules.md docs/cli.md docs/settings.md

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache .ruff_cache
