# The two commands of the README: `make run` starts the tray app, `make test` runs the tests.
# Both create .venv and install the project into it the first time (and again when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
STAMP := $(VENV)/.installed

CATALOG_INDEX := resources/catalog/index.json

.PHONY: run test test-moved-clock bench prove prove-ci quotes fuzz clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	@# compat editable mode: a plain path entry instead of an import hook that costs every start ~10 ms.
	$(VENV)/bin/pip install -q -e '.[test]' --config-settings editable_mode=compat
	@# Byte-compile once: with PYTHONDONTWRITEBYTECODE set (as on CI), every start would compile from source.
	$(VENV)/bin/python -m compileall -q app >/dev/null
	touch $(STAMP)

# The catalog's JSON index (parsed entries, so a start does not parse them): rebuilt when an entry or the parser
# changes; a stale or missing index only costs speed (see app/tracklight/core/catalog_index.py).
$(CATALOG_INDEX): $(STAMP) $(wildcard resources/catalog/*.toml) $(wildcard app/tracklight/core/*.py)
	$(VENV)/bin/python -m tracklight.core.catalog_index resources/catalog

run: $(STAMP) $(CATALOG_INDEX)
	$(VENV)/bin/tracklight

test: $(STAMP) $(CATALOG_INDEX)
	tests/system-packages.sh
	$(VENV)/bin/python -m pytest $(PYTEST_ARGS)

# The suite again on moved clocks, time zones and a non-C locale (libfaketime): nothing may depend on today.
test-moved-clock: $(STAMP) $(CATALOG_INDEX)
	tests/moved-clock.sh $(PYTEST_ARGS)

bench: $(STAMP) $(CATALOG_INDEX)
	@# Byte-compile what changed since the install, so no run pays for compiling a module from source.
	$(VENV)/bin/python -m compileall -q app >/dev/null
	$(VENV)/bin/python tests/benchmarks/run_all.py

# Execution proofs (issue 11): `make prove [ONLY=id,id] [ARGS=--latest]`; see resources/catalog/oracles/README.md.
prove: $(STAMP)
	$(VENV)/bin/tracklight catalog prove $(if $(ONLY),--only $(ONLY)) $(ARGS)

# The CI subset: oracles marked ci = true, compared with the records (writes nothing), no new run after 8 minutes.
prove-ci: $(STAMP)
	$(VENV)/bin/tracklight catalog prove --ci --check --budget 480 $(ARGS)

# Source proofs that cite a released package: download each release (never installed), check every quote is at its
# line; `make quotes [ONLY=id,id] [ARGS=--latest]`. Exit 1 when one is not, 2 when a package could not be downloaded.
quotes: $(STAMP)
	$(VENV)/bin/tracklight catalog quotes $(if $(ONLY),--only $(ONLY)) $(ARGS)

# Issue 13's campaign (tests/fuzz/fuzzing.py): 10,000 mutated manifests and 500 mutated files per preference format
# through opt-out and undo; prints crashes, false successes and undo failures, exits 1 unless all are 0.
# `make fuzz FUZZ_ARGS="--seed 5 --files 1000"`. `make test` runs a few hundred of these cases.
fuzz: $(STAMP) $(CATALOG_INDEX)
	$(VENV)/bin/python tests/fuzz/fuzzing.py --manifests 10000 --files 500 $(FUZZ_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info app/*.egg-info $(CATALOG_INDEX)
