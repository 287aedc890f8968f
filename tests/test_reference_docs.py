"""The reference entries of the core's asynchronous operations say what Asio's pages say.

Each initiating function of the core (every public ``async_*`` method of the sockets,
acceptors, resolvers, timers, signal sets and descriptors; the free ``async_*`` algorithms;
``post``, ``defer``, ``dispatch`` and ``co_spawn``) is rendered by Sphinx from its
docstring. Its entry must carry, as Asio's and Beast's pages do: the overloads on the
completion token (``@overload``: a handler, ``use_future``, ``use_awaitable``), the
sentence that the call returns immediately and never invokes the handler from within it,
the handler's signature (and, for an ``async_*`` operation, that a handler of another
shape raises ``TypeError`` from the call), what ``use_future`` and ``use_awaitable`` give,
the errors, the per-operation cancellation it honours, and an example that at least
parses. A composed operation also states that no other read (or write) may be started
until it completes. An entry that refers to another (``As :meth:`async_read_some`...``)
may say "as X" in its sections.
"""

from __future__ import annotations

import inspect
import re
import textwrap
import typing
from collections.abc import Callable
from typing import Any

import pytest

import asiolike as net
from asiolike import posix
from asiolike.ip import tcp, udp
from asiolike.local import datagram_protocol, stream_protocol

# The public classes whose async_* methods are the core's (the WebSocket, HTTP, tcp_stream
# and ssl.stream operations are checked by their own tests).
_CLASSES = [
    tcp.socket,
    tcp.acceptor,
    tcp.resolver,
    udp.socket,
    udp.resolver,
    stream_protocol.socket,
    stream_protocol.acceptor,
    datagram_protocol.socket,
    net.steady_timer,
    net.system_timer,
    net.signal_set,
    posix.stream_descriptor,
]
# The free initiating functions that are not named async_*.
_FREE = ["post", "defer", "dispatch", "co_spawn"]
# Composed operations: (name, what the program must not start until it completes).
_COMPOSED = {
    "async_read": "no other read",
    "async_read_until": "no other read",
    "async_write": "no other write",
    "async_connect": "composed operation",
}

_SECTION = re.compile(r"^([A-Z][a-z]+):\s*$")
_KNOWN_SECTIONS = {"Args", "Handler", "Returns", "Errors", "Cancellation", "Raises", "Example"}


def _operations() -> dict[str, Callable[..., Any]]:
    """Public name -> function, one entry per function object (inherited ones once)."""
    found: dict[str, Callable[..., Any]] = {}
    seen: set[int] = set()
    for cls in _CLASSES:
        for name in sorted(dir(cls)):
            if not name.startswith("async_"):
                continue
            func = getattr(cls, name)
            if id(func) in seen:
                continue
            seen.add(id(func))
            found[f"{cls.__module__}.{cls.__qualname__}.{name}"] = func
    for name in sorted(net.__all__):
        if (name.startswith("async_") and name != "async_initiate") or name in _FREE:
            found[f"asiolike.{name}"] = getattr(net, name)
    return found


OPERATIONS = _operations()


def sections(doc: str) -> dict[str, str]:
    """The docstring's napoleon sections (title -> dedented body); ``""`` is the text above."""
    result: dict[str, list[str]] = {"": []}
    current = ""
    for line in doc.splitlines():
        match = _SECTION.match(line)
        if match and match.group(1) in _KNOWN_SECTIONS:
            current = match.group(1)
            result[current] = []
        elif current and line and not line.startswith(" "):
            current = ""  # back at the left margin: description text again
            result[current].append(line)
        else:
            result[current].append(line)
    return {title: textwrap.dedent("\n".join(body)).strip() for title, body in result.items()}


def problems(name: str, doc: str | None) -> list[str]:
    """What the reference entry of operation ``name`` (its docstring ``doc``) lacks."""
    if not doc:
        return ["no docstring"]
    doc = inspect.cleandoc(doc)
    parts = sections(doc)
    short = name.rsplit(".", 1)[-1]
    found: list[str] = []
    refers = re.match(r"As :(meth|func):`", doc) is not None
    for title in ("Handler", "Returns", "Errors", "Cancellation", "Example"):
        if not parts.get(title):
            found.append(f"no {title} section")
    flat = " ".join(doc.split())
    if short == "dispatch":
        if "may be invoked from within this call" not in flat:
            found.append("does not say when the handler may run inside the call")
    elif "returns immediately" not in flat or "never invoked from within" not in flat:
        found.append('no "returns immediately; the handler is never invoked from within it"')
    handler = " ".join(parts.get("Handler", "").split())
    if "``handler(" not in handler:
        found.append("no handler signature in the Handler section")
    if short.startswith("async_") and "raise ``TypeError``" not in handler:
        # asiolike.detail.handler_check: a handler of another shape fails at initiation.
        found.append("the Handler section does not say that a wrong handler raises TypeError")
    returns = parts.get("Returns", "")
    if "use_future" not in returns or "use_awaitable" not in returns:
        found.append("the Returns section does not say what use_future and use_awaitable give")
    composed = short in _COMPOSED and name == f"asiolike.{short}"
    if composed and _COMPOSED[short] not in flat:
        found.append(f'a composed operation that does not say "{_COMPOSED[short]}"')
    example = parts.get("Example", "")
    if example and not (refers and example.startswith("As ")):
        code = example.split("::", 1)
        if len(code) != 2 or not code[1].strip():
            found.append("the Example section has no literal block (::)")
        else:
            try:
                compile(textwrap.dedent(code[1]).strip(), f"<{name} example>", "exec")
            except SyntaxError as exc:
                found.append(f"the example does not parse: {exc}")
    return found


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_reference_entry(name: str) -> None:
    func = OPERATIONS[name]
    assert problems(name, func.__doc__) == [], name


@pytest.mark.parametrize("name", sorted(OPERATIONS))
def test_overloads_on_the_token(name: str) -> None:
    # Sphinx renders the @overload signatures above the docstring (the inherited ones too:
    # docs/_ext/asiolike_docs.py); each operation has one for use_future and use_awaitable.
    signatures = [str(inspect.signature(o)) for o in typing.get_overloads(OPERATIONS[name])]
    assert any("use_future_t" in s for s in signatures), signatures
    assert any("use_awaitable_t" in s for s in signatures), signatures


def test_the_walk_finds_the_core() -> None:
    found = {id(func) for func in OPERATIONS.values()}
    for func in [
        tcp.socket.async_connect,
        tcp.socket.async_read_some,
        tcp.socket.async_write_some,
        tcp.socket.async_receive,
        tcp.socket.async_send,
        tcp.socket.async_wait,
        tcp.acceptor.async_accept,
        tcp.resolver.async_resolve,
        udp.socket.async_connect,
        udp.socket.async_receive_from,
        udp.socket.async_send_to,
        udp.socket.async_receive,
        udp.socket.async_send,
        net.steady_timer.async_wait,
        net.signal_set.async_wait,
        posix.stream_descriptor.async_read_some,
        posix.stream_descriptor.async_write_some,
        posix.stream_descriptor.async_wait,
        net.async_read,
        net.async_read_until,
        net.async_write,
        net.async_connect,
        net.post,
        net.dispatch,
        net.defer,
        net.co_spawn,
    ]:
        assert id(func) in found, func.__qualname__


def _stripped(doc: str, title: str) -> str:
    """``doc`` without its section ``title``."""
    lines = inspect.cleandoc(doc).splitlines()
    start = lines.index(f"{title}:")
    end = start + 1
    while end < len(lines) and (not lines[end] or lines[end].startswith(" ")):
        end += 1
    return "\n".join(lines[:start] + lines[end:])


@pytest.mark.parametrize("title", ["Handler", "Returns", "Errors", "Cancellation", "Example"])
def test_a_stripped_entry_fails(title: str) -> None:
    # The check can fail: the same docstring without one of its sections does.
    name = "asiolike.async_read"
    doc = net.async_read.__doc__
    assert doc is not None and problems(name, doc) == []
    assert problems(name, _stripped(doc, title))


def test_a_stripped_sentence_fails() -> None:
    name = "asiolike.async_write"
    doc = net.async_write.__doc__
    assert doc is not None and problems(name, doc) == []
    assert problems(name, re.sub(r"returns\s+immediately", "returns", doc))
    assert problems(name, re.sub(r"never\s+invoked", "not invoked", doc))
    assert problems(name, re.sub(r"no\s+other\s+write", "another write", doc))
    assert problems(name, doc.replace("``handler(", "``callback("))
    assert problems(name, doc.replace("use_awaitable", "an awaitable token"))
    broken = doc.replace("def on_write(ec, n):", "def on_write(ec, n)")
    assert any("does not parse" in p for p in problems(name, broken))
