"""Draw a handler-tracking log as a Graphviz graph: ``python -m asiolike.handlerviz LOG``.

Run a program with ``ASIOLIKE_HANDLER_TRACKING=1`` (or build its io_context with
``handler_tracking=True``), keep what it writes to standard error, and turn it into a
graph::

    ASIOLIKE_HANDLER_TRACKING=1 python server.py 2> trace.log
    python -m asiolike.handlerviz trace.log          # trace.dot, and trace.png with Graphviz

Each handler is one node, labelled with its id and the ``object.operation`` that created it
(``socket@0x7f3a....async_read_some``); an edge goes from the handler that was running
when it was created to it. A node says when the handler was invoked (seconds from the
first line of the log), with which arguments, and for how long it ran, or that it raised,
was destroyed without being invoked, or was still pending when the log ended; it also
lists what the handler did to objects (``close``, ``cancel``). Handlers created outside
any handler hang from the node ``main``.

Error codes are shown by name (``ec=system:125`` as ``ec=operation_aborted``), and a
handler invoked with an error is coloured: red-filled for a failure, yellow-filled for
``operation_aborted`` (a cancellation, usually on purpose). A legend explains the styles.

The log may contain other output: only lines with ``@asio|`` are read, so logs of C++
programs built with Asio's ``ASIO_ENABLE_HANDLER_TRACKING`` work too (their reactor lines
``.n|...`` and location lines ``n^m|...`` are shown in the node they belong to).
"""

from __future__ import annotations

import argparse
import re
import shutil
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO

from asiolike import error as _error
from asiolike.beast import error as _beast_error
from asiolike.beast.http import error as _http_error
from asiolike.beast.websocket import error as _websocket_error
from asiolike.ssl import error as _ssl_error
from asiolike.testing import error as _testing_error

__all__ = ["error_name", "handler_graph", "handler_node", "main", "parse", "to_dot"]

_LINE: Final = re.compile(r"@asio\|([^|]*)\|([^|]*)\|(.*)$")
_CREATION: Final = re.compile(r"(\d+)\*(\d+)")
_LOCATION: Final = re.compile(r"(\d+)\^(\d+)")
_EVENT: Final = re.compile(r"([><!~.])(\d+)")
_OPERATION: Final = re.compile(r"(\d+)")
_STAMP: Final = re.compile(r"(\d+)\.(\d{1,6})")
# "ec=<category>:<value>" as Asio (and asiolike's tracking) writes an error code.
_EC: Final = re.compile(r"ec=([^,:=]+):(-?\d+)")

# How a node is drawn, by the handler's fate.
_STYLES: Final = {
    "completed": 'color="black"',
    "raised": 'color="red", fontcolor="red", penwidth="2"',
    "destroyed": 'color="gray50", fontcolor="gray50", style="dashed"',
    "pending": 'color="darkorange", style="dotted", penwidth="2"',
    "running": 'color="blue", style="bold"',
    "unknown": 'color="gray70", fontcolor="gray50", style="dashed"',
}
# A handler that completed with an error code: filled, so that failures stand out.
_FAILED: Final = 'color="firebrick", style="filled", fillcolor="mistyrose"'
_ABORTED: Final = 'color="goldenrod", style="filled", fillcolor="lightyellow"'

_LEGEND: Final = (
    ("completed", _STYLES["completed"]),
    ("completed with an error (ec)", _FAILED),
    ("cancelled (ec=operation_aborted)", _ABORTED),
    ("raised an exception", _STYLES["raised"]),
    ("destroyed without being invoked", _STYLES["destroyed"]),
    ("pending when the log ended", _STYLES["pending"]),
    ("running when the log ended", _STYLES["running"]),
)


def _categories() -> dict[str, _error.error_category]:
    """The categories a log may name, by the name tracking writes (cut as it cuts them)."""
    found = [
        _error.get_system_category(),
        _error.get_misc_category(),
        _error.get_netdb_category(),
        _error.get_addrinfo_category(),
        _beast_error.category,
        _http_error.get_http_category(),
        _websocket_error.get_websocket_category(),
        _ssl_error.get_ssl_category(),
        _ssl_error.get_stream_category(),
        _testing_error.get_category(),
    ]
    by_name = {category.name(): category for category in found}
    # Tracking cuts a category name to 20 characters; both spellings find it.
    by_name.update({name[:20]: category for name, category in list(by_name.items())})
    return by_name


_CATEGORIES: Final = _categories()


def error_name(category: str, value: int) -> str | None:
    """The name of the error code ``category:value`` as a log writes it, if known.

    Args:
        category: The category's name (``system``, ``asio.misc``, ``beast.websocket``...).
        value: The code's value.

    Returns:
        ``operation_aborted`` for ``("system", 125)`` on Linux, ``success`` for a value of
        0; None for a category or value asiolike does not know (a C++ program's own).

    Example:
        >>> error_name("system", 0)
        'success'
    """
    found = _CATEGORIES.get(category)
    if found is None:
        return None
    return found.value_name(value)


def _named_errors(arguments: str) -> str:
    """``ec=system:125,bytes_transferred=0`` as ``ec=operation_aborted,bytes_transferred=0``."""

    def name(match: re.Match[str]) -> str:
        known = error_name(match.group(1), int(match.group(2)))
        return f"ec={known}" if known is not None else match.group(0)

    return _EC.sub(name, arguments)


@dataclass
class handler_node:
    """One handler of the log (or ``main``, id 0, for what happened outside handlers)."""

    id: int
    parent: int | None = None
    """The handler that was running when this one was created (0: none); None if unseen."""
    label: str = ""
    """``object@address.operation`` from the creation line."""
    created: int | None = None
    """When the handler was created, in microseconds since the epoch (as are the others)."""
    entered: int | None = None
    exited: int | None = None
    destroyed: int | None = None
    arguments: str = ""
    """What the handler was invoked with, as logged (``ec=system:0,bytes_transferred=5``)."""
    fate: str = "pending"
    """``completed``, ``raised``, ``destroyed``, ``pending``, ``running`` or ``unknown``."""
    notes: list[str] = field(default_factory=list)
    """Operations done by the handler, reactor and location lines, in log order."""
    error: str | None = None
    """The error code the handler was invoked with, by name when known
    (``operation_aborted``; ``system:9999`` otherwise); None without one, or on success."""


@dataclass
class handler_graph:
    """The handlers of a log and the parent-to-child edges between them."""

    nodes: dict[int, handler_node] = field(default_factory=dict)
    edges: list[tuple[int, int]] = field(default_factory=list)
    start: int | None = None
    """The time of the first tracking line in microseconds (node times are shown from it)."""
    lines: int = 0
    """How many tracking lines were read."""

    def node(self, hid: int) -> handler_node:
        """The node for ``hid``, made (as ``unknown``) if the log has not shown it yet."""
        found = self.nodes.get(hid)
        if found is None:
            found = self.nodes[hid] = handler_node(hid, fate="unknown")
            if hid == 0:
                found.label = "main"
                found.fate = "completed"
        return found


def _micros(text: str) -> int | None:
    # Asio writes <seconds>.<microseconds>: read it exactly, not as a float.
    match = _STAMP.fullmatch(text)
    if match is None:
        return None
    return int(match.group(1)) * 1_000_000 + int(match.group(2).ljust(6, "0"))


def parse(lines: Iterable[str]) -> handler_graph:
    """Read handler-tracking lines (other lines are skipped) into a :class:`handler_graph`.

    Args:
        lines: the log, line by line (a text file works).

    Returns:
        The graph; malformed tracking lines are ignored.
    """
    graph = handler_graph()
    for raw in lines:
        match = _LINE.search(raw.rstrip("\r\n"))
        if match is None:
            continue
        stamp, action, text = match.groups()
        when = _micros(stamp)
        if when is not None and graph.start is None:
            graph.start = when
        graph.lines += 1
        _apply(graph, action, text, when)
    return graph


def _apply(graph: handler_graph, action: str, text: str, when: int | None) -> None:
    creation = _CREATION.fullmatch(action)
    if creation is not None:
        parent, hid = int(creation.group(1)), int(creation.group(2))
        graph.node(parent)
        node = graph.node(hid)
        node.parent = parent
        node.label = text
        node.created = when
        if node.fate == "unknown":
            node.fate = "pending"
        graph.edges.append((parent, hid))
        return
    location = _LOCATION.fullmatch(action)
    if location is not None:
        graph.node(int(location.group(2))).notes.append(text)
        return
    event = _EVENT.fullmatch(action)
    if event is not None:
        kind, node = event.group(1), graph.node(int(event.group(2)))
        if kind == ">":
            node.entered = when
            node.arguments = text
            node.fate = "running"
            ec = _EC.match(text)
            if ec is not None and ec.group(2) != "0":
                known = error_name(ec.group(1), int(ec.group(2)))
                node.error = known if known is not None else f"{ec.group(1)}:{ec.group(2)}"
        elif kind == "<":
            node.exited = when
            node.fate = "completed"
        elif kind == "!":
            node.fate = "raised"
        elif kind == "~":
            node.fate = "destroyed"
            node.destroyed = when
        else:  # "." an Asio reactor line: what the system call returned
            node.notes.append(f"reactor: {text}")
        return
    operation = _OPERATION.fullmatch(action)
    if operation is not None:
        graph.node(int(operation.group(1))).notes.append(f"did {text}")


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _offset(graph: handler_graph, when: int | None) -> str:
    if when is None or graph.start is None:
        return "?"
    delta = when - graph.start
    seconds, micros = divmod(abs(delta), 1_000_000)
    return f"{'-' if delta < 0 else '+'}{seconds}.{micros:06d} s"


def _node_label(graph: handler_graph, node: handler_node) -> str:
    if node.id == 0:
        lines = ["main (outside any handler)"]
    else:
        title = node.label or "(created before the log)"
        lines = [f"#{node.id} {title}"]
    if node.fate == "destroyed":
        lines.append(f"destroyed without being invoked at {_offset(graph, node.destroyed)}")
    elif node.fate == "pending":
        lines.append("never invoked (pending when the log ends)")
    elif node.id != 0 and node.entered is not None:
        call = f"invoked at {_offset(graph, node.entered)}"
        if node.arguments:
            call += f" with {_named_errors(node.arguments)}"
        lines.append(call)
        if node.fate == "completed" and node.exited is not None:
            lines.append(f"returned after {node.exited - node.entered} us")
        elif node.fate == "raised":
            lines.append("raised an exception")
        elif node.fate == "running":
            lines.append("still running when the log ends")
    lines.extend(node.notes)
    return "".join(_escape(line) + "\\l" for line in lines)


def to_dot(graph: handler_graph) -> str:
    """The graph in Graphviz's dot language: one node per handler, parent -> child edges."""
    out = [
        "/* handler tracking graph, made by python -m asiolike.handlerviz */",
        'digraph "handlers" {',
        '  graph [rankdir="TB", nodesep="0.4"];',
        '  node [shape="box", fontname="monospace", fontsize="9"];',
        '  edge [arrowhead="open"];',
    ]
    for hid in sorted(graph.nodes):
        node = graph.nodes[hid]
        out.append(f'  "h{hid}" [label="{_node_label(graph, node)}", {_style(node)}];')
    for parent, child in graph.edges:
        out.append(f'  "h{parent}" -> "h{child}";')
    out.extend(_legend())
    out.append("}")
    return "\n".join(out) + "\n"


def _style(node: handler_node) -> str:
    if node.id == 0:
        return 'shape="ellipse", color="gray40"'
    if node.error is not None and node.fate in ("completed", "running"):
        return _ABORTED if node.error == "operation_aborted" else _FAILED
    return _STYLES[node.fate]


def _legend() -> list[str]:
    """What the node styles mean: a box of sample nodes beside the graph."""
    out = [
        '  subgraph "cluster_legend" {',
        '    label="legend"; fontname="monospace"; fontsize="9"; color="gray70";',
    ]
    names = [f"legend{i}" for i in range(len(_LEGEND))]
    for name, (text, style) in zip(names, _LEGEND, strict=True):
        out.append(f'    "{name}" [label="{text}", {style}];')
    # Invisible edges stack the samples in one column.
    out.append("    " + " -> ".join(f'"{name}"' for name in names) + ' [style="invis"];')
    out.append("  }")
    return out


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m asiolike.handlerviz",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description=(
            "Turn a handler-tracking log (ASIOLIKE_HANDLER_TRACKING=1, or Asio's\n"
            "ASIO_ENABLE_HANDLER_TRACKING) into a Graphviz .dot graph, and into a PNG\n"
            "when Graphviz's dot program is installed."
        ),
        epilog=(
            "example:\n"
            "  ASIOLIKE_HANDLER_TRACKING=1 python app.py 2> trace.log\n"
            "  python -m asiolike.handlerviz trace.log      # trace.dot (and trace.png)"
        ),
    )
    parser.add_argument("log", metavar="LOG", help="the log file ('-' for standard input)")
    parser.add_argument(
        "-o",
        "--output",
        metavar="OUT.dot",
        help="where to write the graph ('-' for standard output; default: LOG with .dot)",
    )
    png = parser.add_mutually_exclusive_group()
    png.add_argument(
        "--png",
        metavar="OUT.png",
        help="where to write the picture (default: the .dot path with .png, if dot is found)",
    )
    png.add_argument("--no-png", action="store_true", help="write only the .dot file")
    return parser


def _read(path: str, stdin: TextIO) -> handler_graph:
    if path == "-":
        return parse(stdin)
    with open(path, encoding="utf-8", errors="replace") as log:
        return parse(log)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line; returns the exit status (0 on success, 1 on failure).

    Args:
        argv: the arguments (default: ``sys.argv[1:]``).
    """
    args = _parser().parse_args(argv)
    name = "handlerviz"
    try:
        graph = _read(args.log, sys.stdin)
    except OSError as exc:
        print(f"{name}: cannot read {args.log}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    if not graph.lines:
        print(
            f"{name}: no handler-tracking lines (@asio|...) in {args.log}: run the program "
            "with ASIOLIKE_HANDLER_TRACKING=1 and keep its standard error",
            file=sys.stderr,
        )
        return 1
    dot_text = to_dot(graph)
    output = args.output
    if output is None:
        output = "-" if args.log == "-" else str(Path(args.log).with_suffix(".dot"))
    handlers = len(graph.nodes) - (1 if 0 in graph.nodes else 0)
    if output == "-":
        sys.stdout.write(dot_text)
    else:
        try:
            Path(output).write_text(dot_text, encoding="utf-8")
        except OSError as exc:
            print(f"{name}: cannot write {output}: {exc.strerror or exc}", file=sys.stderr)
            return 1
        print(f"wrote {output} ({handlers} handlers, {len(graph.edges)} edges)")
    if args.no_png:
        return 0
    dot = shutil.which("dot")
    png = args.png
    if dot is None:
        if png is not None:
            print(
                f"{name}: cannot write {png}: Graphviz's dot program is not installed "
                "(install graphviz, or render the .dot file elsewhere)",
                file=sys.stderr,
            )
            return 1
        if output != "-":
            print(f"{name}: dot (Graphviz) not found: no PNG written", file=sys.stderr)
        return 0
    if png is None:
        if output == "-":
            return 0
        png = str(Path(output).with_suffix(".png"))
    done = subprocess.run(
        [dot, "-Tpng", "-o", png],
        input=dot_text,
        text=True,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        print(f"{name}: dot failed on the graph: {done.stderr.strip()}", file=sys.stderr)
        return 1
    if output != "-":
        print(f"wrote {png}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
