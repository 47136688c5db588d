# Two commands a new user needs: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BACRIM ?= ../shared/data/bacrim2020

.PHONY: run flagship test lint bench reproduce clean chromium reliability

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@ $(VENV)/.installed

# The main job: the brief on the article's claims C1-C6 in quick mode (paired ensembles on
# the embedded Mexico 2025, about a minute on two cores); writes outputs/brief.html and
# prints a summary table. The Science 2023 section uses BACRIM 2020 when it is present.
run: $(VENV)/.installed
	$(BIN)/cartelsim brief --quick --out outputs/brief.html $(if $(wildcard $(BACRIM)),--data $(BACRIM))

# The flagship comparison: CJNG's leader killed (contested succession) against the status
# quo, 300 paired stochastic runs; writes results, a table and a figure to outputs/.
# The example scenarios ship inside the package (`cartelsim examples` lists them).
EXAMPLES := src/cartelsim/scenarios/examples
flagship: $(VENV)/.installed
	$(BIN)/cartelsim compare $(EXAMPLES)/status-quo.toml $(EXAMPLES)/cjng-leader-killed.toml \
		--group cjng --out-dir outputs

# The dashboard's browser tests drive Debian's Chromium; install it when it is missing and
# apt-get is there (without root, through sudo if available). Otherwise those tests skip
# and say why.
chromium:
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's chromium for the browser tests"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || command -v sudo ); \
		$$SUDO apt-get update -qq && \
		$$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium \
			|| echo "could not install chromium: the browser tests will be skipped"; \
	fi

test: $(VENV)/.installed-test chromium
	$(BIN)/python -m pytest -q

lint: $(VENV)/.installed-test
	$(BIN)/python -m pip install --quiet "ruff>=0.5"
	$(BIN)/ruff check src tests

bench: $(VENV)/.installed
	$(BIN)/cartelsim bench --data $(BACRIM) --ensembles 1000 --l4

# Bad input, fuzzing, faults, determinism and load at full length (RELIABILITY.md); takes
# about 15-20 minutes on two cores. The fast part of tests/reliability runs in `make test`.
RELIABILITY := outputs/reliability
reliability: $(VENV)/.installed-test
	mkdir -p $(RELIABILITY) && rm -f $(RELIABILITY)/stats.jsonl
	start=$$(date +%s); CARTELSIM_RELIABILITY=long \
		CARTELSIM_RELIABILITY_STATS=$(CURDIR)/$(RELIABILITY)/stats.jsonl \
		$(BIN)/python -m pytest tests/reliability -q -rs -m ''; status=$$?; \
		echo $$(( $$(date +%s) - start )) > $(RELIABILITY)/seconds.txt; exit $$status
	$(BIN)/python benchmarks/load_test.py --clients 20 --duration 180 \
		--json $(RELIABILITY)/load.json
	$(BIN)/python tests/reliability/summary.py $(RELIABILITY)/stats.jsonl \
		$(RELIABILITY)/load.json $$(cat $(RELIABILITY)/seconds.txt)

reproduce: $(VENV)/.installed
	$(BIN)/cartelsim reproduce prieto2023 --data $(BACRIM) --out outputs/prieto2023.csv

clean:
	rm -rf $(VENV) outputs .pytest_cache
