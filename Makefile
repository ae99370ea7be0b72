# Everything a new machine needs: `make demo` (or `make plan`) and `make test` create .venv themselves.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
WEEK ?= 2026-11-30
OUT ?= out

.PHONY: setup plan demo app test test-all bench clean

$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "need $(PYTHON) on PATH (or run: make PYTHON=python3 ...)"; exit 2; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

# The main job on the bundled sample centre: forecast -> requirements -> roster -> validate.
plan: setup
	$(PY) -m scheduler plan --data data/sample --week $(WEEK) --out $(OUT)
	$(PY) -m scheduler validate --data data/sample --roster $(OUT)/roster.csv

demo: plan

app: setup
	$(VENV)/bin/streamlit run app.py --server.maxUploadSize 50 --browser.gatherUsageStats false

test: setup
	$(PY) -m pytest

test-all: setup
	$(PY) -m pytest -m ''

clean:
	rm -rf $(VENV) out *.egg-info
