# The two commands a newcomer needs: `make demo` and `make test`. Both set themselves up.
VENV   ?= .venv
PYTHON ?= python3
BIN     = $(VENV)/bin

.PHONY: demo test setup services clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Runs the bot's main job on embedded defaults: SQLite in var/, a Maildir, a file outbox.
demo: setup
	$(BIN)/allocbot demo --reset

services:
	bash scripts/services.sh

# Three pytest-xdist workers on the machines' two cores: the suite waits on subprocesses, servers
# and timeouts now and then, and a third worker fills those gaps.
# --dist loadgroup keeps the tests of an xdist_group (tests/reliability: worker processes
# SIGKILLed; the Tryton groups) on one worker, one at a time; tests/conftest.py starts those first.
test: setup services
	$(BIN)/pytest -q -n 3 --dist loadgroup

clean:
	rm -rf var .pytest_cache
