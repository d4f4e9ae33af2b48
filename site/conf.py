"Sphinx configuration of the course's website (`make site`): the lessons' saved outputs, rendered by myst-nb; nothing is executed."
import os, sys
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # the repository (this file is copied into _site_src/)

project = 'das-tutorial'
author = 'das-tutorial'
extensions = ['myst_nb', 'sphinx.ext.autodoc', 'sphinx-mathjax-offline']   # MathJax served from the site itself: no CDN
exclude_patterns = ['_build', '**.ipynb_checkpoints']
nb_execution_mode = 'off'                     # the site shows the notebooks as saved: no kernel, no network
# A panel is saved twice: as a live widget and as a picture of itself. A static page has no kernel to drive the widget
# (and no network for the widget scripts), so the page shows the picture.
nb_mime_priority_overrides = [('html', 'application/vnd.jupyter.widget-view+json', None),
                              ('html', 'application/vnd.jupyter.widget-state+json', None)]
nb_ipywidgets_js = {}                         # ... and no widget scripts from a CDN either
myst_enable_extensions = ['dollarmath', 'amsmath']
html_theme = 'sphinx_book_theme'
html_title = 'das-tutorial'
html_favicon = 'favicon.png'
html_theme_options = dict(show_navbar_depth=1, home_page_in_toc=True, use_download_button=False)
html_static_path = []
html_context = dict(default_mode='light')
html_js_files = []
autodoc_member_order = 'bysource'
autodoc_default_options = dict(members=True, undoc_members=False)
suppress_warnings = ['myst.header', 'mystnb.unknown_mime_type', 'misc.highlighting_failure']
