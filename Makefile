# das-tutorial: the two commands in the README.
#   make demo  - install into .venv, generate a class image with the default offline model, print its judge score
#   make test  - install into .venv, run every lesson notebook (quick sizes) and the pytest suite
PY := .venv/bin/python
PIP := .venv/bin/pip
TARGET ?= jellyfish

.PHONY: install demo test export clean

.venv/.installed: settings.ini setup.py
	python3 -m venv .venv
	$(PIP) install -q --disable-pip-version-check torch==2.14.1 torchvision==0.29.1
	$(PIP) install -q --disable-pip-version-check -e ".[dev]"
	touch $@

install: .venv/.installed

demo: install
	.venv/bin/das-tutorial generate $(TARGET) --size 224 --steps 100 -o $(TARGET).png

test: install
	.venv/bin/nbdev_test --n_workers 1 --timing
	$(PY) -m pytest -q tests

export: install
	.venv/bin/nbdev_export && .venv/bin/nbdev_clean
