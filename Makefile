# The two set-up commands of the README:
#   make map   - virtual environment, packages, web assets, gazetteer index, then out/map.html from seeds/
#   make test  - everything the tests need (also Debian Chromium and GDAL), then the whole suite
# Everything is installed by these files; nothing is downloaded at run time. Caches live in
# .cache/ of this checkout (see geo/settings.py); no environment variable is needed.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: map test check lint types notebook assets index system-deps clean benchmarks screenshot

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade "pip>=25.1" >/dev/null

$(VENV)/.installed: $(BIN)/python pyproject.toml setup.py
	$(BIN)/python -m pip install -e .
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed
	$(BIN)/python -m pip install -e ".[notebook]" --group dev
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $@

assets: $(VENV)/.installed
	sh scripts/install-system-deps.sh npm
	$(BIN)/geo assets fetch

index: $(VENV)/.installed
	$(BIN)/geo index build

map: assets index
	$(BIN)/geo build seeds/ -o out/map.html

system-deps:
	sh scripts/install-system-deps.sh npm chromium gdal-bin

# Lint, types and the unit tier: seconds, no index build, no browser.
check: $(VENV)/.installed-dev
	$(BIN)/ruff check geo tests benchmarks notebooks scripts
	$(BIN)/ruff format --check geo tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest -m unit -q

# Everything: lint, types, then every tier (unit, integration, browser, notebook).
test: $(VENV)/.installed-dev assets index system-deps
	$(BIN)/ruff check geo tests benchmarks notebooks scripts
	$(BIN)/ruff format --check geo tests benchmarks scripts
	$(BIN)/mypy
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check geo tests benchmarks notebooks scripts
	$(BIN)/ruff format --check geo tests benchmarks scripts

types: $(VENV)/.installed-dev
	$(BIN)/mypy

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
notebook: $(VENV)/.installed-dev assets index
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/explore.ipynb

benchmarks: $(VENV)/.installed-dev assets index
	$(BIN)/python benchmarks/gazetteer.py
	$(BIN)/python benchmarks/geoparse.py
	$(BIN)/python benchmarks/linking.py
	$(BIN)/python benchmarks/map.py
	$(BIN)/python benchmarks/usersites.py

# The README's picture (docs/map.png): the browser test writes it only when asked.
screenshot: $(VENV)/.installed-dev assets index system-deps
	GEO_SCREENSHOT=$(CURDIR)/docs/map.png $(BIN)/python -m pytest -q tests/test_map_browser.py -k screenshot

clean:
	rm -rf out .pytest_cache build *.egg-info
