# Two commands for a fresh machine (see README.md):
#   make demo   set up everything and run the demo
#   make test   set up everything and run the tests
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# Finds a Chromium (Playwright's, else the system's), installing one if there is none.
setup: $(VENV)/.installed
	$(BIN)/python -m crawler.browser --ensure

demo: setup
	$(BIN)/egov-survey demo --output demo-output

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) demo-output .pytest_cache
