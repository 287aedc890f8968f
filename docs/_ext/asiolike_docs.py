"""Sphinx helpers for asiolike's documentation.

* ``.. asiolike-error-codes:: MODULE`` documents every :class:`~asiolike.error.error_code`
  constant of an error module as a ``py:data`` entry (name, category, value, message and
  the constant's docstring), so the reference is generated from the code that defines the
  codes. ``MODULE`` is the name users write (``asiolike.beast.error`` works although it is
  ``asiolike.beast.core.error`` on disk).
* ``.. asiolike-command-help:: MODULE [WORDS...]`` shows the ``--help`` text of a command
  line (``MODULE.main([*WORDS, "--help"])``), so the page and the program never disagree.
* Base classes from ``asiolike.detail`` or from private modules are replaced by their own
  public bases in "Bases:" lines (the reference documents the public class, which shows
  the inherited methods itself).
* A reference to a member of a re-exported class by its defining module's path
  (``asiolike.buffer.DynamicBuffer.data``, or ``DynamicBuffer.data`` inside
  ``asiolike.buffer``) finds the member where the class is documented
  (``asiolike.DynamicBuffer.data``), as Sphinx already does for the class itself.
* "Bases: object" lines are dropped: every class has that base.
* The ``socket_base`` names every socket class carries (``tcp.socket.reuse_address``...)
  are left out of the socket classes' entries: they are documented once, in
  ``asiolike.socket_base``; so are class attributes that name a top-level class (Asio's
  typedefs such as ``tcp.socket.protocol_type``).
* Attribute docstrings are never read as napoleon's ``type: description`` (asiolike takes
  types from annotations): ``Normal closure: the purpose...`` stays one sentence.
* Classes that the library defines privately and binds in a public class
  (``stream_base.timeout = _timeout``) get their public name for the documentation.
* An unqualified name in an annotation (``TextSink``) resolves when exactly one documented
  object has that name.
* Objects whose ``__module__`` is not where Python documents them
  (``concurrent.futures._base.Future``) are looked up under their documented name.
* An inherited method shows its ``@overload`` signatures (``tcp.socket.async_read_some``,
  defined in ``asiolike.detail``), as a method of the documented class's own module does,
  with the base's type variables bound as the class binds them (``peer: _Endpoint`` of
  ``udp.socket.async_connect`` reads ``peer: endpoint``, a link to ``udp.endpoint``).
* An overloaded function's ``Any`` annotations (its implementation's ``token: Any``,
  ``-> Any``) are not repeated in the parameter list or as a "Return type": the overload
  signatures above it give the real types (``use_future_t -> Future[int]``...).
* Coverage: after reading every page, each name in the ``__all__`` of the public
  namespaces below (and each error code of the error modules) must have a reference entry;
  a missing one is a warning, so ``sphinx-build -W`` fails until it is documented.
"""

from __future__ import annotations

import importlib
import re
import sys
import types
import typing
from typing import Any

from docutils import nodes  # type: ignore[import-untyped]
from docutils.statemachine import StringList  # type: ignore[import-untyped]
from sphinx.application import Sphinx
from sphinx.pycode import ModuleAnalyzer
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

# The namespaces users import, as they spell them. Optional ones are checked when present
# (they are being written while this is).
PUBLIC_NAMESPACES = [
    "asiolike",
    "asiolike.error",
    "asiolike.ip",
    "asiolike.ip.tcp",
    "asiolike.local",
    "asiolike.socket_base",
    "asiolike.beast",
    "asiolike.beast.error",
    "asiolike.beast.http",
    "asiolike.beast.http.error",
    "asiolike.beast.websocket",
    "asiolike.beast.websocket.error",
    "asiolike.testing",
    "asiolike.testing.error",
]
OPTIONAL_NAMESPACES = ["asiolike.ssl", "asiolike.ssl.error", "asiolike.handlerviz"]
ERROR_MODULES = [
    "asiolike.error",
    "asiolike.beast.error",
    "asiolike.beast.http.error",
    "asiolike.beast.websocket.error",
    "asiolike.testing.error",
    "asiolike.ssl.error",
]


def resolve(dotted: str) -> Any:
    """The object named ``dotted``: a module, or an attribute reached from one."""
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for attr in parts[i:]:
            obj = getattr(obj, attr)
        return obj
    raise ImportError(dotted)


def error_codes(module: types.ModuleType) -> list[tuple[str, Any]]:
    """The module's error_code constants, in definition order, without aliases."""
    from asiolike.error import error_code

    seen: set[int] = set()
    result = []
    for name, value in vars(module).items():
        if name.startswith("_") or type(value) is not error_code or not value:
            continue
        if id(value) in seen:
            continue
        seen.add(id(value))
        result.append((name, value))
    return result


class ErrorCodes(SphinxDirective):
    """``.. asiolike-error-codes:: asiolike.beast.http.error``."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        public_name = self.arguments[0]
        module = resolve(public_name)
        try:
            attr_docs = ModuleAnalyzer.for_module(module.__name__).find_attr_docs()
        except Exception:  # pragma: no cover - a module without source
            attr_docs = {}
        lines: list[str] = []
        for name, code in error_codes(module):
            category = code.category().name()
            lines += [
                f".. py:data:: {name}",
                f"   :module: {public_name}",
                "",
                f"   ``{category}:{code.value()}``: {code.message()}.",
            ]
            doc = attr_docs.get(("", name))
            if doc:
                lines.append("")
                lines += ["   " + line if line else "" for line in doc]
            lines.append("")
        node = nodes.container()
        self.state.nested_parse(StringList(lines, source=public_name), 0, node)
        return list(node.children)


class CommandHelp(SphinxDirective):
    """``.. asiolike-command-help:: asiolike.__main__ serve``."""

    required_arguments = 1
    optional_arguments = 10
    has_content = False

    def run(self) -> list[nodes.Node]:
        import contextlib
        import io
        import os

        module = importlib.import_module(self.arguments[0])
        out = io.StringIO()
        old_columns = os.environ.get("COLUMNS")
        os.environ["COLUMNS"] = "88"  # argparse wraps to the terminal: make it fixed
        try:
            with contextlib.redirect_stdout(out):
                try:
                    module.main([*self.arguments[1:], "--help"])
                except SystemExit:
                    pass
        finally:
            if old_columns is None:
                del os.environ["COLUMNS"]
            else:
                os.environ["COLUMNS"] = old_columns
        text = out.getvalue().rstrip()
        block = nodes.literal_block(text, text)
        block["language"] = "text"
        return [block]


def public_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[Any]) -> None:
    """Replace private base classes by their public ancestors, in place."""

    def private(cls: type) -> bool:
        module = getattr(cls, "__module__", "") or ""
        return (
            ".detail." in module
            or cls.__name__.startswith("_")
            or any(part.startswith("_") for part in module.split("."))
        )

    result: list[Any] = []
    todo = list(bases)
    while todo:
        cls = todo.pop(0)
        # A parametrised generic base (``basic_stream_socket[endpoint]``) stands for its class.
        origin = typing.get_origin(cls) or cls
        if origin is typing.Generic:
            continue  # the typing machinery of a generic class, not a base to show
        if isinstance(origin, type) and private(origin):
            todo[:0] = [b for b in origin.__bases__ if b not in result]
        elif cls not in result:
            result.append(cls)
    if len(result) > 1 and object in result:
        result.remove(object)
    bases[:] = result or [object]


# Where the standard library defines a class, and where its documentation has it.
STDLIB_ALIASES = {
    "concurrent.futures._base.Future": "concurrent.futures.Future",
    "_ssl.SSLContext": "ssl.SSLContext",  # ``import ssl as _ssl`` in string annotations
    "_ssl.SSLObject": "ssl.SSLObject",
}


def stdlib_alias(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve a reference to a stdlib class by its documented name (through intersphinx)."""
    target = node.get("reftarget")
    alias = STDLIB_ALIASES.get(target)
    if alias is None:
        return None
    from sphinx.ext.intersphinx import missing_reference

    node["reftarget"] = alias
    return missing_reference(app, env, node, contnode)


def via_canonical(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve ``Class.member`` through the documented name of a re-exported class."""
    if node.get("refdomain") != "py":
        return None
    py = env.get_domain("py")
    target = node.get("reftarget", "").lstrip("~.")
    modname = node.get("py:module")
    classname = node.get("py:class")
    candidates = [target]
    if modname:
        candidates.insert(0, f"{modname}.{target}")
        if classname:
            candidates.insert(0, f"{modname}.{classname}.{target}")
    for candidate in candidates:
        parts = candidate.split(".")
        for i in range(len(parts) - 1, 0, -1):
            prefix = ".".join(parts[:i])
            entry = py.objects.get(prefix)
            if entry is None or not entry.aliased:
                continue
            documented = ".".join([entry.node_id, *parts[i:]])
            if documented in py.objects:
                new = node.deepcopy()
                new["reftarget"] = documented
                new["refspecific"] = False
                return py.resolve_xref(
                    env, node["refdoc"], app.builder, node["reftype"], documented, new, contnode
                )
    return None


def skip_socket_base_aliases(
    app: Sphinx, what: str, name: str, obj: Any, skip: bool, options: Any
) -> bool | None:
    """Leave the socket_base names out of the socket classes' member lists."""
    if what != "class":
        return None
    from asiolike import socket_base

    if any(obj is getattr(socket_base, n) for n in socket_base.__all__):
        return True
    if isinstance(obj, type) and "." not in obj.__qualname__:
        # A class attribute naming a top-level class (tcp.socket.protocol_type, Asio's
        # typedefs): the class is documented where it is defined, not again here.
        return True
    return None


def public_namespaces() -> list[str]:
    """The public namespaces that exist (the optional ones may not, yet)."""
    namespaces = list(PUBLIC_NAMESPACES)
    for optional in OPTIONAL_NAMESPACES:
        try:
            resolve(optional)
        except (ImportError, AttributeError):
            continue
        namespaces.append(optional)
    return namespaces


# Private class name -> the public name it is documented under (see name_private_classes).
RENAMED: dict[str, str] = {}


def name_private_classes() -> None:
    """Give privately defined classes the public name they are bound to.

    ``stream_base.timeout = _timeout``, ``context_base.method = _method``...: autodoc would
    document them as aliases of private classes. For each public class, a class attribute
    that holds a class named with a leading underscore gets that attribute's name, for the
    documentation build only. (The library can do this itself by setting ``__qualname__``,
    as ``asiolike.local`` does for ``stream_protocol.socket``.)
    """
    for ns in public_namespaces():
        module = resolve(ns)
        for name in getattr(module, "__all__", []):
            owner = getattr(module, name, None)
            if not isinstance(owner, type):
                continue
            for attr, value in list(vars(owner).items()):
                if (
                    not isinstance(value, type)
                    or attr.startswith("_")
                    or not (value.__module__ or "").startswith("asiolike.")
                ):
                    continue
                # String annotations name the class by its private module-level name.
                defining = sys.modules[value.__module__]
                for private, obj in vars(defining).items():
                    if obj is value and private.startswith("_"):
                        RENAMED[private] = f"{ns}.{name}.{attr}"
                if value.__name__.startswith("_"):
                    value.__name__ = attr
                    value.__qualname__ = f"{owner.__qualname__}.{attr}"


def no_inline_attribute_type(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Keep napoleon from reading ``Words: more words`` as ``type: description``."""
    if what in ("attribute", "data", "property") and lines and ":" in lines[0]:
        lines[0] = ": " + lines[0]


def unqualified_name(app: Sphinx, env: Any, node: Any, contnode: Any) -> Any:
    """Resolve what an annotation names but Sphinx's lookup misses.

    A bare name (``TextSink``, from a string annotation) resolves when exactly one
    documented object has that name, a private class name to its public one; and a
    ``py:class`` reference to a documented type alias (a ``py:data`` entry, such as
    ``asiolike.steady_timer.Duration``) resolves to it, which older Sphinx versions do not
    do by themselves.
    """
    if node.get("refdomain") != "py" or node.get("reftype") not in ("class", "obj"):
        return None
    target = node.get("reftarget", "")
    if not target:
        return None
    py = env.get_domain("py")
    if target in RENAMED:
        matches = [RENAMED[target]]
    elif "." in target:
        matches = [target] if target in py.objects else []
    else:
        matches = [key for key in py.objects if key.endswith("." + target)]
    if len(matches) != 1:
        return None
    return py.resolve_xref(env, node["refdoc"], app.builder, "obj", matches[0], node, contnode)


def drop_bases_object(app: Sphinx, doctree: Any) -> None:
    """Remove the "Bases: object" paragraphs autodoc writes for plain classes."""
    for para in list(doctree.findall(nodes.paragraph)):
        if para.astext() == "Bases: object":
            para.parent.remove(para)


def check_coverage(app: Sphinx, env: Any) -> None:
    """Warn about each public name that has no reference entry."""
    py = env.get_domain("py")
    documented = set(py.objects) | set(py.modules)
    for ns in public_namespaces():
        module = resolve(ns)
        names = list(getattr(module, "__all__", []))
        if ns in ERROR_MODULES:
            names += [name for name, _ in error_codes(module)]
        for name in names:
            full = f"{ns}.{name}"
            if full not in documented:
                logger.warning(
                    "public name %s has no reference entry (add it to docs/reference/)",
                    full,
                    type="asiolike",
                    subtype="coverage",
                )


def inherited_overloads(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: Any, retann: Any
) -> None:
    """Show the ``@overload`` signatures of inherited methods (``tcp.socket.async_read_some``).

    autodoc looks a method's overloads up in the module that defines it, under the path it
    documents (``socket.async_read_some``), so an inherited method shows only its
    implementation's signature. The defining module's overloads are recorded under that
    path too (every dotted suffix of ``name``: the module part is not known here).
    """
    if what != "method":
        return
    qualname = getattr(obj, "__qualname__", None)
    module = getattr(obj, "__module__", None)
    if not qualname or not module:
        return
    try:
        analyzer = ModuleAnalyzer.for_module(module)
        analyzer.analyze()
    except Exception:  # no source: nothing to show
        return
    overloads = analyzer.overloads.get(qualname)
    if not overloads:
        return
    parts = name.split(".")
    overloads = _bound_type_variables(overloads, ".".join(parts[:-1]), module)
    for start in range(len(parts) - 1):
        # Assigned, not set once: tcp.socket and local.stream_protocol.socket share the
        # suffix "socket.async_connect" but not their endpoint type; the entry being
        # documented is the one autodoc looks up right after this event.
        analyzer.overloads[".".join(parts[start:])] = overloads


# The type variables of the socket bases and what each public class binds them to (Asio's
# typedefs): ``peer: _Endpoint`` is shown as ``peer: endpoint`` (asiolike.ip.udp.endpoint).
_TYPE_VARIABLES = {"_Endpoint": "endpoint_type", "_Socket": "socket_type"}


def _bound_type_variables(overloads: list[Any], class_name: str, module: str) -> list[Any]:
    """``overloads`` with the base's type variables bound to the documented class's types.

    An annotation that names one is evaluated in the defining ``module`` with the variable
    bound; one that cannot be evaluated there is left as it was.
    """
    try:
        cls = resolve(class_name)
    except (ImportError, AttributeError):
        return overloads
    bound = {
        variable: getattr(cls, attribute)
        for variable, attribute in _TYPE_VARIABLES.items()
        if isinstance(getattr(cls, attribute, None), type)
    }
    if not bound:
        return overloads
    pattern = re.compile(r"\b(" + "|".join(bound) + r")\b")
    namespace = {**vars(sys.modules[module]), **bound}

    def bind(annotation: Any) -> Any:
        if not isinstance(annotation, str) or not pattern.search(annotation):
            return annotation
        try:
            return eval(annotation, namespace)  # our own annotations, in their module
        except Exception:
            return annotation

    return [
        sig.replace(
            parameters=[p.replace(annotation=bind(p.annotation)) for p in sig.parameters.values()],
            return_annotation=bind(sig.return_annotation),
        )
        for sig in overloads
    ]


_ANY = frozenset({"Any", "typing.Any", "~typing.Any"})


def overloads_untyped(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: Any, retann: Any
) -> None:
    """Drop the ``Any`` types autodoc recorded for an overloaded function.

    Runs after autodoc's own ``record_typehints``. The implementation of an overloaded
    initiating function is typed ``token: Any -> Any``; shown as "token (Any)" and "Return
    type: Any" under the overloads, those say nothing and contradict the signatures.
    """
    if what not in ("function", "method") or not callable(obj):
        return
    func = getattr(obj, "__func__", obj)
    try:
        overloaded = bool(typing.get_overloads(func))
    except Exception:  # not a plain function
        return
    if not overloaded:
        return
    recorded = app.env.current_document.autodoc_annotations.get(name)
    if not recorded:
        return
    for key in [k for k, v in recorded.items() if v in _ANY]:
        del recorded[key]


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("asiolike-error-codes", ErrorCodes)
    app.add_directive("asiolike-command-help", CommandHelp)
    app.connect("autodoc-process-bases", public_bases)
    app.connect("env-check-consistency", check_coverage)
    app.connect("doctree-read", drop_bases_object)
    app.connect("missing-reference", stdlib_alias, priority=400)
    app.connect("missing-reference", via_canonical, priority=450)
    app.connect("missing-reference", unqualified_name, priority=460)
    app.connect("autodoc-skip-member", skip_socket_base_aliases)
    app.connect("autodoc-process-docstring", no_inline_attribute_type, priority=400)
    app.connect("autodoc-process-signature", inherited_overloads)
    app.connect("autodoc-process-signature", overloads_untyped, priority=600)
    name_private_classes()
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
