# The two commands of the README: `make run` starts the tray app, `make test` runs the tests.
# Both create .venv and install the project into it the first time (and again when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: run test bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	@# compat editable mode: a plain path entry instead of an import hook that costs every start ~10 ms.
	$(VENV)/bin/pip install -q -e '.[test]' --config-settings editable_mode=compat
	@# Byte-compile once: with PYTHONDONTWRITEBYTECODE set (as on CI), every start would compile from source.
	$(VENV)/bin/python -m compileall -q app >/dev/null
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/tracklight

test: $(STAMP)
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(VENV)/bin/python tests/benchmarks/run_all.py

clean:
	rm -rf $(VENV) build *.egg-info app/*.egg-info
