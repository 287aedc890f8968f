"""Sphinx configuration for asiolike's documentation."""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))

from asiolike import __version__  # noqa: E402

project = "asiolike"
author = "the asiolike developers"
copyright = "2026, the asiolike developers"
release = __version__
version = __version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.intersphinx",
    "sphinx.ext.viewcode",
]
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
napoleon_custom_sections = [("Handler", "params_style"), ("Errors", "params_style")]
intersphinx_mapping = {"python": ("https://docs.python.org/3", None)}
# Intersphinx needs the network; without it references fall back to plain text.
intersphinx_disabled_reftypes = ["*"]
nitpicky = False

try:
    import furo  # noqa: F401

    html_theme = "furo"
except ImportError:  # pragma: no cover - the docs extra installs furo
    html_theme = "alabaster"
html_title = f"asiolike {version}"
