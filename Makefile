# The two set-up commands of the README: `make serve` and `make test`. Each makes a virtual
# environment (.venv, or VENV=...) and installs the pinned requirements into it first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8050
DATA ?= ../shared/data/cifar10-jpeg.zip
# CNN recipe overrides for `make artifacts`, the training benchmark and the ablation: the served recipe (30% of the
# training photos damaged, docs/results.md); CNN='{}' for the recipe without damaged photos
CNN ?= {"corrupt_probability": 0.3}
DESCRIPTION ?= CIFAR-10 as JPEG (quality ~75, official 50,000/10,000 split); figures run slightly below the lossless set
PIP_INSTALL = $(PY) -m pip install --quiet --disable-pip-version-check -c constraints.txt

.PHONY: venv install-serve install-dev serve test artifacts experiments robust-recipe study-setup schedule-length bench-train bench screenshots label-audit

$(PY):
	$(PYTHON) -m venv $(VENV)

venv: $(PY)

install-serve: venv
	$(PIP_INSTALL) -r requirements.txt

install-dev: venv
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			redis-server chromium chromium-driver >/dev/null; \
	else echo "not root or no apt-get: install redis-server, chromium and chromium-driver yourself"; fi
	$(PIP_INSTALL) -r requirements-dev.txt
	@if command -v npm >/dev/null; then npm ci --no-audit --no-fund --loglevel=error; \
	else echo "no npm: the accessibility checks (axe-core, package-lock.json) will skip"; fi

## Serve the dashboard on the committed artifacts at http://127.0.0.1:$(PORT); Ctrl+C stops it.
## Server settings (workers, worker class, timeouts) come from gunicorn.conf.py, as for the Procfile.
serve: install-serve
	@echo "Serving the dashboard at http://127.0.0.1:$(PORT) (press Ctrl+C to stop)"
	$(PY) -m gunicorn wsgi:server --bind 127.0.0.1:$(PORT)

## Install everything (apt + pip) and run the whole test suite
test: install-dev
	CIFAR10_DATA=$${CIFAR10_DATA:-$(DATA)} $(PY) -m pytest

## Retrain every model (5,000 training images held out to calibrate them), then the robustness benchmark, the
## neighbour index, the near-duplicate audit, the map and the test split's suspect labels, rewriting artifacts/
## (hours on 2 cores, the CNN's 40 epochs most: each model's record says what it cost); `make label-audit` adds
## the training split's suspect labels
artifacts:
	$(PY) -m ml train --data $(DATA) --out artifacts --val-size 0 --cnn '$(CNN)' --description "$(DESCRIPTION)"
	$(PY) -m ml robustness --data $(DATA) --out artifacts
	$(PY) -m ml neighbours --data $(DATA) --out artifacts
	$(PY) -m ml near-duplicates --data $(DATA) --out artifacts
	$(PY) -m ml map --data $(DATA) --out artifacts
	$(PY) -m ml label-issues --out artifacts

## Suspect labels in the training split too: the served recipe trained on three quarters of it four times
## (the fast preset, about 50 minutes on 2 cores; finished folds are kept), then the ranking again
label-audit:
	$(PY) -m ml out-of-fold --data $(DATA) --out artifacts --folds 4
	$(PY) -m ml label-issues --out artifacts

## The CNN trained from scratch with three seeds, full and fast presets (hours on 2 cores: each run records what it
## cost, and a killed one continues from its checkpoint; each keeps its test probabilities for the suspect labels)
bench-train:
	$(PY) -m bench.train_bench --data $(DATA) --preset full --seeds 0 1 2 --cnn '$(CNN)'
	$(PY) -m bench.train_bench --data $(DATA) --preset fast --seeds 0 1 2 --cnn '$(CNN)'

## The served recipe's ablation on its own schedule (the full preset's 40 epochs: what a variant buys grows with
## training length), at 5,000 images, then all 50,000 (there the recipe arm is bench-train's seeds, taken when stored),
## and the learning curve behind the hypotheses (many hours on 2 cores; runs accumulate, a killed one continues)
experiments:
	$(PY) -m ml ablate --data $(DATA) --sizes 5000 --seeds 0 1 2 --variants recipe no_augmentation no_regularization --cnn '$(CNN)'
	$(PY) -m ml ablate --data $(DATA) --sizes all --seeds 0 1 2 --variants recipe no_augmentation no_regularization --cnn '$(CNN)'
	$(PY) -m ml learning-curve --data $(DATA) --sizes 2500 5000 10000 25000 all --seeds 0

## A recipe that holds up under damaged photos: the fast preset with and without corruption training (30%, half
## or three quarters of the images damaged; 30% with JPEG re-compression among the damage), judged on 5,000
## validation images, clean and damaged (about an hour and a half on 2 cores; runs already recorded are kept)
robust-recipe:
	$(PY) -m ml ablate --data $(DATA) --record robust_recipe --preset fast --sizes all --seeds 0 --val-size 5000 \
		--variants recipe corruptions_some corruptions corruptions_most corruptions_jpeg

## The study's hypotheses in its own setup: its basic CNN on 5,000 images without augmentation, with flips alone
## and with each amount of rotation/flip/zoom, then on all 50,000 without and with the amount chosen on validation,
## and with flips alone, each run until its stopping rule ends it (many hours on 2 cores); then the study's size
## under the twice as patient rule. Runs accumulate: a finished run is kept, a killed one continues.
study-setup:
	$(PY) -m ml study-setup --data $(DATA) --sizes 5000 --seeds 0 1 2
	$(PY) -m ml study-setup --data $(DATA) --sizes all --seeds 0 1 2 --variants no_augmentation chosen
	$(PY) -m ml study-setup --data $(DATA) --sizes all --seeds 0 --variants flip_only
	$(PY) -m ml study-setup --data $(DATA) --sizes 5000 --seeds 0 1 2 --variants no_augmentation chosen --rule patient

## The served recipe's validation and test accuracy against its schedule's length, what the full preset's epochs
## are chosen from (hours on 2 cores; runs accumulate, a killed one continues)
schedule-length:
	$(PY) -m ml schedule-length --data $(DATA) --lengths 10 20 40 --seeds 0 --cnn '{"corrupt_probability": 0.3}'

## Benchmarks: serving (real gunicorn processes on loopback), start and stop, slow clients,
## the CNN's training speed with Keras's BatchNorm against the fused kernel, and the serving
## speed of wider CNNs, sorting a catalogue of 1-megapixel photos, and what border trimming changes;
## each writes bench/results/<name>.json
bench:
	$(PY) -m bench.serve_bench
	$(PY) -m bench.interaction_bench
	$(PY) -m bench.neighbours_bench
	$(PY) -m bench.lifecycle_bench
	$(PY) -m bench.slow_clients_bench
	$(PY) -m bench.batchnorm_bench
	$(PY) -m bench.width_bench
	$(PY) -m bench.classify_bench
	$(PY) -m bench.trim_bench

## Screenshots of every page at 1440 and 390 px for review, in /tmp/screenshots (never committed)
screenshots:
	$(PY) -m bench.screenshots
