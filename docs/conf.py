"""Sphinx configuration (a skeleton: the full site comes with the docs issue)."""

import sklearn_svdmlp

project = "sklearn-svdmlp"
version = release = sklearn_svdmlp.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
