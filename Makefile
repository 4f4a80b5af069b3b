# Seq2Seq in PyTorch: two commands for a fresh machine.
#   make book   create .venv if needed, install, build the HTML book into _build/html
#   make test   everything CI runs (lint, library tests, notebooks under nbval, book build, browser check)
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := _vendor/require.js _vendor/jupyter-widgets/embed-amd.js _vendor/mathjax/tex-mml-chtml.js
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: book test lint unit notebooks build browser bench runtimes clean venv

venv: $(STAMP)

$(STAMP): requirements.txt constraints.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -r requirements.txt -c constraints.txt 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
	$(BIN)/pip install -q --no-deps -e .
	$(BIN)/pip check
	$(BIN)/python -c "import torch; v = torch.__version__; print('torch', v)"
	touch $@

$(VENDOR) &: scripts/vendor_js.sh
	bash scripts/vendor_js.sh _vendor

book: $(STAMP) $(VENDOR)
	$(BIN)/jupyter-book build -W -n --keep-going .
	@echo "Book built: open _build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check seq2seq_lib tests benchmarks scripts

unit: $(STAMP)
	$(BIN)/pytest tests -q

notebooks: $(STAMP)
	$(BIN)/pytest chapters --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -q

browser: $(STAMP)
	$(BIN)/python scripts/check_book.py _build/html _shots

test: $(STAMP) $(VENDOR)
	$(MAKE) lint
	$(BIN)/pytest tests chapters --ignore=tests/book --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -q
	$(BIN)/jupyter-book build -W -n --keep-going .
	$(BIN)/pytest tests/book -q -m book
	$(BIN)/python scripts/check_book.py _build/html _shots

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

runtimes: $(STAMP)
	$(BIN)/python benchmarks/chapter_times.py

clean:
	rm -rf _build _shots
