# Every target creates (or reuses) the virtual environment it needs, so a fresh clone
# needs nothing but `make test`. The environment is rebuilt when pyproject.toml changes.
# It holds the test tools and the DNN baseline's extra (torch pinned to a CPU build), so
# that the baseline's tests run and `make run-kws` can train the baselines.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: venv test lint bench clean clean-cache run-kws sweep notebooks dev-data docs

venv: $(STAMP)

$(STAMP): pyproject.toml
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[all,dev]'
	touch $(STAMP)

test: $(STAMP)
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# make run-kws [DATA=DIR] [NAME=kws] [EPOCHS=N] [SIZES=64,128,256] [BASELINE_SWEEP=full]: train on chip (SIZES:
# the hidden sizes of Raven's accuracy-cost curve; default the configured one), evaluate, report in runs/NAME/
run-kws: $(STAMP)
	$(BIN)/python -m experiments.run_kws $(if $(DATA),--data $(DATA)) $(if $(NAME),--name $(NAME)) $(if $(EPOCHS),--epochs $(EPOCHS)) $(if $(SIZES),--sizes $(SIZES)) $(if $(BASELINE_SWEEP),--baseline-sweep $(BASELINE_SWEEP)) $(if $(FRESH),--fresh) $(if $(REPLACE_RESULTS),--replace-results)

# make sweep SWEEP=experiments/sweeps/FILE.toml [WORKERS=2]: points in parallel through Dask
sweep: $(STAMP)
	$(BIN)/raven sweep --file $(SWEEP) $(if $(WORKERS),--workers $(WORKERS))

# Executes every notebook in experiments/notebooks on small settings; fails if a cell fails.
notebooks: $(STAMP)
	$(BIN)/python -m experiments.run_notebooks

# make bench [DATA=DIR]: DATA (or $RAVEN_DATA) is the dataset the run-kws projection measures on
bench: $(STAMP)
	$(BIN)/python -m bench.run $(if $(DATA),--data $(DATA))

# The documentation site (MkDocs; API pages from the numpydoc docstrings), warnings as
# errors (strict), into build/docs/. The device page is devices/README.md itself.
docs: $(STAMP)
	cp devices/README.md docs/devices.md
	$(BIN)/mkdocs build --strict --quiet

# make dev-data [ARCHIVE=path/to/speech_commands_test_set_v0.02.tar.gz] [OUT=DIR]: rebuilds the
# development set gsc12-dev from the official test archive (downloaded over HTTPS unless
# ARCHIVE is given), every file checked against data/gsc12-dev/SHA256SUMS
dev-data:
	$(PYTHON) data/dev_data.py $(if $(ARCHIVE),--archive $(ARCHIVE)) $(if $(OUT),--out $(OUT))

# numba's on-disk cache does not notice edits to a function's callees in other files:
# after editing devices/pcm/physics.py or kernels/rng.py, `make clean-cache`.
clean-cache:
	find devices kernels raven tests -name '*.nbi' -delete -o -name '*.nbc' -delete

clean: clean-cache
	rm -rf $(VENV) bench/results .pytest_cache .hypothesis build/docs docs/devices.md
