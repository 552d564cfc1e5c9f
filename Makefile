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
	$(BIN)/pip install --quiet -e '.[test,spark]'
	touch $@

venv: $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/chainwatch demo --out $(OUT)
	@echo "Report written to $(abspath $(OUT))/report.html"
	@echo "Evidence pack written to $(abspath $(OUT))/evidence-pack (check it: $(BIN)/chainwatch evidence verify $(abspath $(OUT))/evidence-pack)"

# System packages the tests need: Java for the Spark parity test (Debian package).
test: $(VENV)/.installed-test
	command -v java >/dev/null || (apt-get update -qq && apt-get install -y -qq default-jre-headless)
	command -v tesseract >/dev/null || (apt-get update -qq && apt-get install -y -qq tesseract-ocr tesseract-ocr-kor tesseract-ocr-chi-sim fonts-wqy-microhei) || echo "OCR tests will skip"
	$(BIN)/python -m pytest -q

# The anchor (nomenklatura's logic-v2) lives in its own venv: it needs duckdb<2.
ANCHOR ?= .venv-anchor
$(ANCHOR)/bin/python:
	$(PYTHON) -m venv $(ANCHOR)
	$(ANCHOR)/bin/pip install --quiet 'nomenklatura==4.17.4' 'followthemoney==4.11.2' 'rigour==2.6.1'

bench: $(VENV)/.installed-test $(ANCHOR)/bin/python
	command -v goaccess >/dev/null || (apt-get update -qq && apt-get install -y -qq goaccess)
	command -v exiftool >/dev/null || (apt-get update -qq && apt-get install -y -qq libimage-exiftool-perl)
	$(BIN)/python bench/registry_bench.py
	$(BIN)/python bench/screening_eval.py
	$(BIN)/python bench/screening_bench.py --anchor-python $(ANCHOR)/bin/python
	$(BIN)/python bench/access_bench.py
	$(BIN)/python bench/scan_bench.py
	$(BIN)/python bench/lang_eval.py
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/pip install --quiet --no-deps invisible-watermark PyWavelets
	$(BIN)/python bench/catalog_bench.py
	$(BIN)/python bench/mark_bench.py
	$(BIN)/pip install --quiet -e '.[video]'
	$(BIN)/python bench/mark_video_bench.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/cog --check docs/rules.md docs/cli.md docs/settings.md docs/risk.md

format: $(VENV)/.installed-test
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# Regenerate docs/ from the code (rules catalogue, CLI help, settings).
docs: $(VENV)/.installed-test
	$(BIN)/cog -r docs/rules.md docs/cli.md docs/settings.md docs/risk.md

clean:
	rm -rf $(VENV) $(ANCHOR) $(OUT) .pytest_cache .ruff_cache
