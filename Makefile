# PPP: `make run` serves the embedded default with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000

.PHONY: run test install assets lint bench clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
		|| { echo "PPP needs Python 3.11 or newer: run make with PYTHON=python3.12 (or another)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

core/static/dist/app.css: node_modules/.installed core/assets/app.scss core/assets/build.mjs
	npm run --silent build

install: $(VENV)/.installed

assets: core/static/dist/app.css

run: install assets
	$(BIN)/ppp db upgrade
	$(BIN)/ppp demo
	@echo ""
	@echo "  PPP is starting on http://127.0.0.1:$(PORT)/"
	@echo "  Sign in as admin@example.org with the password demo-password-2026"
	@echo ""
	$(BIN)/ppp serve --port $(PORT)

test: install assets
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check .

bench: install
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules core/static/dist .pytest_cache
