# The two set-up commands of the README: `make serve` and `make test`.
PYTHON ?= python3
PORT ?= 8050
WORKERS ?= 2
DATA ?= ../shared/data/cifar10-jpeg.zip
DESCRIPTION ?= CIFAR-10 as JPEG (quality ~75, official 50,000/10,000 split); figures run slightly below the lossless set

.PHONY: install-serve install-dev serve test artifacts bench

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

## Retrain every model on the full dataset and rewrite artifacts/ (about 30 minutes on 2 cores)
artifacts:
	$(PYTHON) -m ml train --data $(DATA) --out artifacts --description "$(DESCRIPTION)"
