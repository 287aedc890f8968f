"""Sphinx configuration for asiolike's documentation.

Build (what CI runs; no network access is needed)::

    python -m pip install -e ".[docs]"
    python -m sphinx -W -n -b html docs docs/_build/html
"""

from __future__ import annotations

import os
import re
import sys
from typing import Any

_DOCS = os.path.abspath(os.path.dirname(__file__))
sys.path.insert(0, os.path.dirname(_DOCS))  # the source tree's asiolike, not an installed one
sys.path.insert(0, os.path.join(_DOCS, "_ext"))
# The pure-Python modules, even where the compiled ones are built: mypyc keeps no docstrings
# and no overloads (docs/explanation/compiled.rst), and the reference is made of them.
os.environ["ASIOLIKE_NO_EXTENSIONS"] = "1"

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
    "asiolike_docs",  # docs/_ext/asiolike_docs.py: error-code tables, CLI help, coverage...
]

exclude_patterns = ["_build"]
nitpicky = True

# -- autodoc and napoleon ------------------------------------------------------------------

autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"members": True, "undoc-members": False, "show-inheritance": True}
# Annotations are strings (``from __future__ import annotations``): show these aliases by
# their documented names instead of expanding them into long unions.
autodoc_type_aliases = {
    "Duration": "asiolike.steady_timer.Duration",
    "CompletionToken": "asiolike.async_result.CompletionToken",
    "AdapterToken": "asiolike.async_result.AdapterToken",
    "CompletionCondition": "asiolike.completion_condition.CompletionCondition",
}
napoleon_google_docstring = True
napoleon_numpy_docstring = False
# "Attributes:" sections become fields of the class entry; the attributes themselves are
# documented by autodoc where they have a docstring (no duplicate entries).
napoleon_use_ivar = True
# Asio's reference pages have a "Handler" and an "Errors" part for every asynchronous
# operation, and since Asio 1.22 a "Per-Operation Cancellation" part; their text is free-form
# (a signature, then which codes mean what), so they are rendered as plain sections, not as
# parameter lists.
napoleon_custom_sections = ["Handler", "Errors", "Cancellation"]

# -- cross references ----------------------------------------------------------------------

# Python's inventory is read from a file in the source tree (docs/_intersphinx/python.inv,
# made by make_python_inv.py there), so the build never touches the network; the links go to
# docs.python.org.
intersphinx_mapping = {
    "python": ("https://docs.python.org/3", os.path.join(_DOCS, "_intersphinx", "python.inv")),
}

nitpick_ignore = [
    # typing_extensions.Buffer (PEP 688's collections.abc.Buffer before Python 3.12): the
    # Python 3.11 inventory has no entry for it.
    ("py:class", "Buffer"),
    ("py:class", "typing_extensions.Buffer"),
    # re.Pattern has no entry in Python 3.11's inventory (3.12 added one).
    ("py:class", "re.Pattern"),
    # Type variables of generic classes and signatures: nothing to link to.
    ("py:obj", "asiolike.beast.http.parser._M"),
    ("py:obj", "asiolike.beast.http.serializer._M"),
    ("py:class", "_M"),
    ("py:class", "asiolike.detail.reactive_socket._O"),
    ("py:obj", "asiolike.detail.reactive_socket._Endpoint"),
    ("py:class", "asiolike.detail.reactive_socket._Endpoint"),
    ("py:class", "asiolike.detail.socket_acceptor._Socket"),
    ("py:class", "asiolike.connect._Endpoint"),
    ("py:class", "asiolike.connect._Socket"),
    ("py:obj", "asiolike.ip.basic_resolver._Endpoint"),
    ("py:class", "asiolike.ip.basic_resolver._Endpoint"),
    ("py:class", "_Endpoint"),
    ("py:class", "_Socket"),
    # The stream and datagram socket bases (asiolike.detail): the reference documents the
    # concrete classes (tcp.socket, udp.socket, local sockets) with their inherited members.
    ("py:class", "basic_stream_socket"),
    ("py:class", "basic_datagram_socket"),
    # The compiled cores of the HTTP parser and serializer (docs/explanation/compiled.rst):
    # the reference documents basic_parser and serializer, which derive from them.
    ("py:class", "asiolike.beast.http._parser_core.parser_core"),
    ("py:class", "asiolike.beast.http._serializer_core.serializer_core"),
    # What async_resolve's protocol argument offers (family()): tcp.v4(), udp.v6()...
    ("py:class", "asiolike.ip.basic_resolver._protocol_like"),
    ("py:obj", "asiolike.ip.network._A"),
    ("py:class", "asiolike.co_spawn._T"),
    ("py:obj", "asiolike.awaitable._T"),
    ("py:obj", "asiolike.awaitable._T_co"),
    # The loop argument of asiolike.aio.attach: the Python 3.11 inventory names it
    # asyncio.AbstractEventLoop, the annotation resolves to asyncio.events'.
    ("py:class", "asyncio.events.AbstractEventLoop"),
    # The type of a private "argument not given" sentinel in http.request/response.
    ("py:class", "asiolike.beast.http.message._Unset"),
    # The body-type parameter of http.request/response for type checkers.
    ("py:obj", "asiolike.beast.http.message._B"),
    # beast.async_write's generator type, seen from asiolike.beast (it is documented as
    # asiolike.beast.http.message_generator).
    ("py:class", "message_generator"),
    # The next-layer parameter of the generic streams (websocket.stream[beast.tcp_stream]).
    ("py:class", "asiolike.beast.websocket.stream._NextLayer"),
    ("py:class", "asiolike.ssl.stream._NextLayer"),
    ("py:class", "asiolike.beast.core.ssl_stream._NextLayer"),
    ("py:obj", "asiolike.beast.core.ssl_stream._NextLayer"),
    # get_lowest_layer's overloads: "a stream whose next_layer() returns T" (a private
    # protocol), and a lowest layer (one with cancel()).
    ("py:class", "asiolike.beast.core.stream_traits._layered"),
    ("py:class", "asiolike.beast.core.stream_traits._T"),
    ("py:class", "asiolike.beast.core.stream_traits._Lowest"),
    # The type of composed_op.handler_signature (asiolike.detail.handler_check): machinery
    # the reference does not document.
    ("py:class", "asiolike.detail.handler_check.completion_signature"),
]

# -- HTML ----------------------------------------------------------------------------------

try:
    import furo  # type: ignore[import-untyped]  # noqa: F401

    html_theme = "furo"
except ImportError:  # pragma: no cover - the docs extra installs furo
    html_theme = "alabaster"
html_title = f"asiolike {version}"
# _static/asiolike.css: the porting guide's two-column tables fit the page (long literals
# wrap in their cells).
html_static_path = ["_static"]
html_css_files = ["asiolike.css"]

# -- the porting guide's literals ------------------------------------------------------------

# Long C++ and Python literals in the porting tables wrap in their cells (asiolike.css); a
# <wbr> after "::", ".", "(" and "," lets them wrap where a reader splits a name, not in
# the middle of one. (<wbr> is not copied with the text, unlike a zero-width space.)
_PRE_SPAN = re.compile(r'(<span class="pre">)([^<]*)(</span>)')
_BREAK_AFTER = re.compile(r"(::|(?<!\.)\.(?!\.)|\(|,)(?=.)")  # not inside "..."


def _break_literals(
    app: Any, pagename: str, templatename: str, context: dict[str, Any], doctree: Any
) -> None:
    if pagename != "porting" or "body" not in context:
        return
    context["body"] = _PRE_SPAN.sub(
        lambda m: m.group(1) + _BREAK_AFTER.sub(r"\1<wbr>", m.group(2)) + m.group(3),
        context["body"],
    )


def setup(app: Any) -> None:
    app.connect("html-page-context", _break_literals)
