# The two set-up commands of the README: `make serve` and `make test`.
PYTHON ?= python3
PORT ?= 8050
WORKERS ?= 2
DATA ?= ../shared/data/cifar10-jpeg.zip
DESCRIPTION ?= CIFAR-10 as JPEG (quality ~75, official 50,000/10,000 split); figures run slightly below the lossless set

.PHONY: install-serve install-dev serve test artifacts experiments bench-train bench

install-serve:
	$(PYTHON) -m pip install --quiet -r requirements.txt

install-dev:
	@if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			redis-server chromium chromium-driver >/dev/null; \
	else echo "not root or no apt-get: install redis-server, chromium and chromium-driver yourself"; fi
	$(PYTHON) -m pip install --quiet -r requirements-dev.txt

## Serve the dashboard on the committed artifacts at http://127.0.0.1:$(PORT)
serve: install-serve
	$(PYTHON) -m gunicorn wsgi:server --workers $(WORKERS) --threads 4 --bind 127.0.0.1:$(PORT) --preload

## Install everything (apt + pip) and run the whole test suite
test: install-dev
	CIFAR10_DATA=$${CIFAR10_DATA:-$(DATA)} $(PYTHON) -m pytest

## Retrain every model on the whole training split and rewrite artifacts/ (about 45 minutes on 2 cores)
artifacts:
	$(PYTHON) -m ml train --data $(DATA) --out artifacts --val-size 0 --description "$(DESCRIPTION)"

## The CNN trained from scratch with three seeds, full and fast presets (about 2 hours on 2 cores)
bench-train:
	$(PYTHON) -m bench.train_bench --data $(DATA) --preset full --seeds 0 1 2
	$(PYTHON) -m bench.train_bench --data $(DATA) --preset fast --seeds 0 1 2

## The ablation and the learning curve behind the hypotheses (several hours on 2 cores; runs accumulate)
experiments:
	$(PYTHON) -m ml ablate --data $(DATA) --sizes 5000 all --seeds 0 1 2 --variants recipe no_augmentation --preset fast
	$(PYTHON) -m ml ablate --data $(DATA) --sizes 5000 --seeds 0 1 2 --variants recipe no_regularization --preset fast
	$(PYTHON) -m ml learning-curve --data $(DATA) --sizes 2500 5000 10000 25000 all --seeds 0

## Benchmarks: serving, real gunicorn processes on loopback (bench/results/serve.json), and the
## CNN's training speed with Keras's BatchNorm versus the fused kernel (bench/results/batchnorm.json),
## and the serving speed of the CNN at wider widths (bench/results/width.json)
bench:
	$(PYTHON) -m bench.serve_bench
	$(PYTHON) -m bench.batchnorm_bench
	$(PYTHON) -m bench.width_bench
