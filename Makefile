# das-tutorial: the set-up commands in the README.
#   make demo          - install into .venv, generate a class image with the default offline model, print the judge panel
#   make test          - install into .venv, run every lesson notebook (quick sizes) and the pytest suite
#   make browser-test  - (optional) the lessons' panels in JupyterLab in a real browser (installs Chromium, JupyterLab, Playwright)
#   make export        - after editing a notebook: export the package, clean the notebooks, keep JupyterLab's metadata
#   make site          - the course as a static website in _site/ (Sphinx + myst-nb from PyPI; nothing is executed)
#   make site-test     - the built site in a real browser (Chromium, Playwright): pages, pictures, links, no console errors
PY := .venv/bin/python
PIP := .venv/bin/pip
TARGET ?= jellyfish

.PHONY: install demo test browser-test export site site-test

.venv/.installed: settings.ini setup.py
	python3 -m venv .venv
	$(PIP) install -q --disable-pip-version-check torch==2.14.1 torchvision==0.29.1
	$(PIP) install -q --disable-pip-version-check -e ".[dev]"
	touch $@

install: .venv/.installed

demo: install
	@start=$$(date +%s); .venv/bin/das-tutorial generate "$(TARGET)" -o "$(TARGET).png"; code=$$?; \
	echo "make demo: the run took $$(( $$(date +%s) - start )) s (the install not included)"; exit $$code

test: install
	.venv/bin/nbdev_test --n_workers 1 --timing
	$(PY) -m pytest -q tests

.venv/.browser: .venv/.installed
	command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium) || (sudo apt-get update -qq && sudo apt-get install -y -qq chromium)
	$(PIP) install -q --disable-pip-version-check jupyterlab playwright
	touch $@

browser-test: .venv/.browser
	$(PY) tests/browser/run_panels.py

# nbdev_clean sets the kernel's display name to its id and drops language_info; JupyterLab writes both back when it opens a
# notebook, which marks it modified. Put back what JupyterLab writes, so that opening and saving a notebook changes nothing.
export: install
	.venv/bin/nbdev_export && .venv/bin/nbdev_clean
	$(PY) -c "import json, glob, sys; spec = dict(display_name='Python 3 (ipykernel)', language='python', name='python3'); \
	info = dict(codemirror_mode=dict(name='ipython', version=3), file_extension='.py', mimetype='text/x-python', name='python', \
	nbconvert_exporter='python', pygments_lexer='ipython3', version='.'.join(map(str, sys.version_info[:3]))); \
	[json.dump({**(d := json.load(open(f))), 'metadata': {**d['metadata'], 'kernelspec': spec, 'language_info': info}}, open(f, 'w'), indent=1, ensure_ascii=False) or open(f, 'a').write('\n') for f in sorted(glob.glob('nbs/*.ipynb'))]"

.venv/.site: .venv/.installed
	$(PIP) install -q --disable-pip-version-check sphinx myst-nb sphinx-book-theme sphinx-mathjax-offline
	touch $@

site: .venv/.site
	@start=$$(date +%s); $(PY) site/build.py; code=$$?; echo "make site: $$(( $$(date +%s) - start )) s"; exit $$code

site-test: .venv/.browser site
	$(PY) tests/browser/check_site.py
