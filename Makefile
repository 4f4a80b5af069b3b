# Seq2Seq in PyTorch: two commands for a fresh machine.
#   make book   create .venv if needed, install, build the HTML book into _build/html
#   make test   everything CI runs (lint, library tests, notebooks under nbval, book build, browser check)
#   make book-student   the student edition (no solutions) into _build/student/_build/html
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := _vendor/require.js _vendor/jupyter-widgets/embed-amd.js _vendor/mathjax/tex-mml-chtml.js
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: chromium-in-background book book-student test lint unit notebooks models build browser bench runtimes clean venv

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

# The models chapters load instead of training them in the page (chapter 10): trained once by the
# CLI into _build/models, keyed on the library's sources and the options (about 12 minutes on 2 cores).
models: $(STAMP)
	$(BIN)/python -m seq2seq_lib.book

book: $(STAMP) $(VENDOR) models
	$(BIN)/jupyter-book build -W -n --keep-going .
	@echo "Book built: open _build/html/index.html"

# The student edition reuses the chapters the main build executed (nothing is trained twice).
STUDENT = $(BIN)/python scripts/student_edition.py _build/jupyter_execute _build/student-src && \
	$(BIN)/jupyter-book build -W -n --keep-going _build/student-src --path-output _build/student > _build/student.log 2>&1 \
	|| { tail -n 40 _build/student.log; echo "student edition build FAILED"; exit 1; }

book-student: $(STAMP) $(VENDOR)
	test -d _build/jupyter_execute || $(MAKE) book
	$(STUDENT)
	@echo "Student edition built: open _build/student/_build/html/index.html"

lint: $(STAMP)
	$(BIN)/ruff check seq2seq_lib tests benchmarks scripts

unit: $(STAMP)
	$(BIN)/pytest tests -q

NBVAL := --nbval-lax --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg

notebooks: $(STAMP) models
	$(BIN)/pytest chapters $(NBVAL) -q

browser: $(STAMP)
	$(BIN)/python scripts/check_book.py _build/html _shots

# Every chapter runs twice: under nbval (pytest reports each failing cell) and in the book
# build. The two runs go side by side with one thread each: on 2 cores that is about 1.4x
# faster than one after the other with two threads (small models gain little from a 2nd thread).
# Installing Chromium (CI only, for the browser check at the end) is mostly waiting for the
# network and the disk: it starts first and runs in the background.
chromium-in-background:
	mkdir -p _build && rm -f _build/chromium.done
	( python3 scripts/check_book.py --install > _build/chromium.log 2>&1; touch _build/chromium.done ) &

# The library tests run beside the book models that make a fixed number of updates (the load cannot
# change those); the model stopped by its time budget trains first, alone (seq2seq_lib.book).
test: chromium-in-background $(STAMP) $(VENDOR)
	$(MAKE) lint
	mkdir -p _build
	@echo "[$$(date +%T)] book models (the timed one alone, then two at a time, one thread each), the library tests beside them (log: _build/models.log)"
	$(BIN)/python -m seq2seq_lib.book $(BIN)/pytest tests --ignore=tests/book -q > _build/models.log 2>&1 \
	  || { tail -n 80 _build/models.log; echo "library tests or book models FAILED"; exit 1; }
	grep -E "[0-9]+ passed" _build/models.log | tail -n 1
	@echo "[$$(date +%T)] building the book in the background (log: _build/book.log) while nbval runs the chapters"
	OMP_NUM_THREADS=1 $(BIN)/jupyter-book build -W -n --keep-going . > _build/book.log 2>&1 & book=$$!; \
	status=0; OMP_NUM_THREADS=1 $(BIN)/pytest chapters $(NBVAL) -q || status=$$?; \
	if wait $$book; then tail -n 3 _build/book.log; \
	else grep -v "Kernel is running over TCP" _build/book.log | tail -n 60; echo "book build FAILED"; status=1; fi; \
	exit $$status
	@echo "[$$(date +%T)] student edition (background) and the browser check"
	while [ ! -f _build/chromium.done ]; do sleep 2; done; cat _build/chromium.log
	( $(STUDENT) ) & student=$$!; \
	status=0; $(BIN)/python scripts/check_book.py _build/html _shots || status=$$?; \
	wait $$student || status=$$?; exit $$status
	@echo "[$$(date +%T)] tests of the built book"
	$(BIN)/pytest tests/book -q -m book

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

runtimes: $(STAMP)
	$(BIN)/python benchmarks/chapter_times.py

clean:
	rm -rf _build _shots
