# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PORT

.PHONY: run test install install-dev bench openapi lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Versions come from constraints.txt, so an install today and next month are the same.
$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[dev]'
	touch $@

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

run: install
	$(BIN)/observatoire migrate
	$(BIN)/observatoire seed-demo
	@mkdir -p var
	@if [ ! -s var/staff-key ]; then \
		umask 077; $(BIN)/observatoire keys create --scope staff --name "Local staff (make run)" 2>/dev/null | tail -n 1 > var/staff-key; \
	fi
	@echo ""
	@echo "  Observatoire API:  http://$(HOST):$(PORT)/v1  (documentation: http://$(HOST):$(PORT)/docs)"
	@echo "  Staff API key:     $$(cat var/staff-key)"
	@echo "  Try:  curl -H \"Authorization: Bearer $$(cat var/staff-key)\" http://$(HOST):$(PORT)/v1/catalysts"
	@echo ""
	$(BIN)/observatoire serve --host $(HOST) --port $(PORT)

test: install-dev
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: install-dev
	$(BIN)/python bench/run.py

openapi: install
	$(BIN)/observatoire openapi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis
