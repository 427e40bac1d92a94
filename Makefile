# The README's two commands are `make demo` and `make test`; both create .venv when it is missing.
# Every target installs from the lock (uv.lock + requirements/, see scripts/lock.py); only `make lock` resolves.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
UV     := $(VENV)/bin/uv
STAMP  := $(VENV)/.installed
BOOT   := $(VENV)/.bootstrapped
# uv builds and syncs this venv (not one of its own choosing), with this interpreter, never a downloaded one.
export UV_PROJECT_ENVIRONMENT := $(abspath $(VENV))
export UV_PYTHON_DOWNLOADS    := never
# TLS roots from the system store, as pip's: a CA that a proxy needs, installed there, is trusted without SSL_CERT_FILE.
export UV_SYSTEM_CERTS        ?= true

.PHONY: demo test lockcheck lint imports typecheck unit package bench mutation lock audit clean

# pip and uv at the locked versions, hash-checked, into a plain venv.
$(BOOT): requirements/bootstrap.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements/bootstrap.txt
	touch $(BOOT)

# Exactly the locked dev set and the project, editable. No resolution: --frozen installs uv.lock as it is (hashes
# checked) and removes whatever is not in it; pyproject.toml changes reach the venv only through `make lock`.
$(STAMP): $(BOOT) pyproject.toml uv.lock
	$(UV) sync --quiet --frozen --extra dev --group bootstrap
	touch $(STAMP)

demo: $(STAMP)
	$(PY) scripts/demo.py

test: lockcheck lint imports typecheck unit

lockcheck: $(STAMP)
	$(PY) scripts/lock.py check

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# The layers of function/emr_bootstrap/ and their import contracts ([tool.importlinter] in pyproject.toml,
# docs/architecture.md).
imports: $(STAMP)
	PYTHONPATH=function $(VENV)/bin/lint-imports

typecheck: $(STAMP)
	$(VENV)/bin/mypy

# pytest-randomly runs the tests in a random order, with a new seed each run (printed first); to repeat an order:
# make unit SEED=<seed>.
unit: $(STAMP)
	@seed=$${SEED:-$$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}; \
	echo "$(PY) -m pytest -q --randomly-seed=$$seed  # random order; repeat it: make unit SEED=$$seed"; \
	$(PY) -m pytest -q --randomly-seed=$$seed

package: $(STAMP)
	$(PY) scripts/package.py

# Writes build/bench/results.json and prints the table (stderr); RECORD=1 also updates bench/results.json and the
# README's table from it; FANOUT=0 leaves out the 10,000-account fan-out sweep (bench/fanout.py, ~2.5 of ~6 minutes).
bench: $(STAMP) package
	$(PY) -m bench $(if $(RECORD),--record) $(if $(filter 0,$(FANOUT)),--no-fanout)

# Mutation testing of function/'s pure layers (core, sweeps, shared, the intake parsers, settings) against
# tests/function (mutmut; about 15 min on 2 cores, not part of `make test`). Writes docs/mutation-summary.json;
# survivors that change nothing are in docs/mutation-equivalents.md. ARGS='--resume NAME...' reruns some mutants in the kept build/mutation.
mutation: $(STAMP)
	$(PY) scripts/mutation.py --fail-under 90 $(ARGS)

# Re-resolve on purpose: `make lock` after editing dependencies in pyproject.toml (keeps the other pins);
# `make lock ARGS=--upgrade` moves everything to the newest allowed; ARGS='--upgrade-package NAME' one package.
lock: $(BOOT)
	$(PY) scripts/lock.py update $(ARGS)

# Known vulnerabilities in the locked runtime set (needs PyPI's JSON API; not part of `make test`).
audit: $(STAMP)
	$(PY) -m scripts.audit

clean:
	rm -rf build dist .pytest_cache .mypy_cache .ruff_cache
