"""Sphinx configuration: numpydoc, pydata-sphinx-theme and an executed gallery.

Build with ``python -m sphinx -W -b html docs docs/_build/html`` after
``pip install ".[docs]"``; the examples in ``examples/`` run during the build.
"""

import re

import sklearn_svdmlp

project = "sklearn-svdmlp"
version = release = sklearn_svdmlp.__version__
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]
autosummary_generate = True
numpydoc_show_class_members = False
exclude_patterns = ["_build"]
html_theme = "pydata_sphinx_theme"
html_static_path = ["_static"]

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    # Every example runs during the build, and a failing one fails it.
    "filename_pattern": r"/plot_",
    "download_all_examples": False,
    "doc_module": ("sklearn_svdmlp",),
    "backreferences_dir": "generated/backreferences",
    "reference_url": {"sklearn_svdmlp": None},
}

# Methods inherited from scikit-learn (``score``) cite scikit-learn's own user
# guide labels, which this site does not have: point them at its pages.
SKLEARN_GUIDE = "https://scikit-learn.org/stable/modules/model_evaluation.html"
SKLEARN_LABELS = {
    "accuracy_score": f"{SKLEARN_GUIDE}#accuracy-score",
    "r2_score": f"{SKLEARN_GUIDE}#r2-score",
}
_REF = re.compile(r":ref:`([^`<]+?)\s*<([^`>]+)>`")


def _link_sklearn_labels(app, what, name, obj, options, lines):
    if getattr(obj, "__module__", "").startswith("sklearn_svdmlp"):
        return

    def link(match):
        text, label = match.groups()
        url = SKLEARN_LABELS.get(label)
        return f"`{text} <{url}>`__" if url else text

    lines[:] = [_REF.sub(link, line) for line in lines]


def _skip_str_methods(app, what, name, obj, skip, options):
    """A ``str`` subclass (``ModelSummary``) is documented without str's methods."""
    if getattr(str, name, None) is obj and not name.startswith("_"):
        return True
    return None


def setup(app):
    app.connect("autodoc-process-docstring", _link_sklearn_labels)
    app.connect("autodoc-skip-member", _skip_str_methods)
