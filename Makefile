# Two entry points: `make run` starts the platform on its embedded defaults, `make test` checks it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint install browser benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/scheduling-platform up

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

# The browser test drives Debian's chromium (Playwright never downloads a browser); only the
# tests need it, so `make run` does not install it.
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)

# Two workers for the tests that do not measure time under load; the chaos and end-to-end tests
# then run alone, so their lateness figures are not the other worker's.
test: lint browser
	$(BIN)/python -m pytest -q -n 2 --dist loadfile --durations=30 -m "not chaos and not e2e"
	$(BIN)/python -m pytest -q --durations=15 -m "chaos or e2e"

benchmark: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .scheduling
