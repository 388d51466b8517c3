# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export PORT

WEB := services/web
# The dashboard's build needs npm and the Node.js of services/web/package.json's `engines`.
NODE_OK := command -v npm >/dev/null 2>&1 && node -e 'const [major, minor] = process.versions.node.split(".").map(Number); process.exit(major > 20 || (major === 20 && minor >= 19) ? 0 : 1)' >/dev/null 2>&1
NODE_FOUND := $$(node --version 2>/dev/null || echo "no node"), $$(command -v npm >/dev/null 2>&1 && echo "npm $$(npm --version)" || echo "no npm")
# Dependencies from the committed lock file, installed again only when node_modules is missing
# or older than the lock file; then the Vite build into services/web/dist, served at `/`.
WEB_BUILD := cd $(WEB) && if [ ! -d node_modules ] || [ package-lock.json -nt node_modules ]; then npm ci --no-audit --no-fund && touch node_modules; fi && npm run build

.PHONY: run test install install-dev web bench openapi lint clean

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

# The dashboard is built when Node.js is there; without it the API is served alone, and `/`
# says how to get the dashboard.
run: install
	@if $(NODE_OK); then \
		$(WEB_BUILD); \
	else \
		echo "  Dashboard skipped: building it needs Node.js 20.19 or newer and npm (found: $(NODE_FOUND))."; \
	fi
	$(BIN)/observatoire migrate
	$(BIN)/observatoire seed-demo
	@mkdir -p var
	@if [ ! -s var/staff-key ]; then \
		umask 077; $(BIN)/observatoire keys create --scope staff --name "Local staff (make run)" 2>/dev/null | tail -n 1 > var/staff-key; \
	fi
	$(BIN)/observatoire aggregate --if-none-published --wait >/dev/null
	@echo ""
	@echo "  Observatoire API:  http://$(HOST):$(PORT)/v1  (documentation: http://$(HOST):$(PORT)/docs)"
	@echo "  Staff API key:     $$(cat var/staff-key)"
	@echo "  Try:  curl -H \"Authorization: Bearer $$(cat var/staff-key)\" http://$(HOST):$(PORT)/v1/catalysts"
	@echo "  Dashboard:         http://$(HOST):$(PORT)/  (published data, no key needed)"
	@echo "  As staff:          http://$(HOST):$(PORT)/#key=$$(cat var/staff-key)"
	@echo ""
	OBSERVATOIRE_PUBLIC_READ=true $(BIN)/observatoire serve --host $(HOST) --port $(PORT)

# The browser tests drive the built dashboard: here Node.js is required, not optional.
web:
	@$(NODE_OK) || { echo "make web: the dashboard needs Node.js 20.19 or newer and npm (found: $(NODE_FOUND))." >&2; exit 1; }
	$(WEB_BUILD)

test: install-dev web
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: install-dev
	$(BIN)/python bench/run.py

openapi: install
	$(BIN)/observatoire openapi

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache .hypothesis .mypy_cache
