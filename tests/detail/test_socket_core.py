"""The socket classes' split (asiolike/detail/socket_core.py), in both builds.

The state and the hot initiations are in ``socket_core`` (compiled in the compiled build);
the public classes stay interpreted, generic, documented and weakly referenceable. The
weak-reference check runs in a child process: a mypyc class deriving from ``Generic``
freed with a live weak reference crashed the interpreter (docs/explanation/compiled.rst).
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
import typing
from importlib.machinery import EXTENSION_SUFFIXES

import asiolike
from asiolike import local
from asiolike.detail.reactive_socket import reactive_socket
from asiolike.detail.socket_core import socket_core
from asiolike.ip import tcp, udp

PUBLIC: list[type[reactive_socket[typing.Any]]] = [
    tcp.socket,
    tcp.acceptor,
    udp.socket,
    local.stream_protocol.socket,
    local.stream_protocol.acceptor,
    local.datagram_protocol.socket,
]


def test_every_socket_class_derives_from_the_core_and_is_interpreted() -> None:
    for cls in PUBLIC:
        assert issubclass(cls, socket_core), cls
        assert issubclass(cls, reactive_socket), cls
        # Interpreted: a Python function, with its documentation and overloads.
        assert cls.async_wait.__doc__, cls
        assert typing.get_overloads(cls.async_wait), cls
    assert tcp.socket.async_read_some.__doc__
    assert typing.get_overloads(tcp.socket.async_write_some)


def test_the_core_is_compiled_in_the_compiled_build() -> None:
    # In the compiled build the class comes from an extension module; the manifest of an
    # install with compiled modules names it (also when ASIOLIKE_NO_EXTENSIONS is set).
    file = sys.modules[socket_core.__module__].__file__ or ""
    assert file.endswith(tuple(EXTENSION_SUFFIXES)) == asiolike.compiled
    if asiolike._build.compiled_modules:
        assert socket_core.__module__ in asiolike._build.compiled_modules
    # A compiled class has no __dict__ for its instances and no weak-reference slot; the
    # public classes add the slot.
    assert "__weakref__" in reactive_socket.__slots__


def test_weak_references_to_freed_sockets_are_cleared() -> None:
    script = textwrap.dedent(
        """
        import gc, weakref
        import asiolike as net
        from asiolike import local
        from asiolike.ip import make_address, tcp, udp

        ioc = net.io_context()
        loopback = make_address("127.0.0.1")
        objects = [
            lambda: tcp.socket(ioc),
            lambda: tcp.socket(ioc, tcp.v4()),
            lambda: tcp.acceptor(ioc, tcp.endpoint(loopback, 0)),
            lambda: udp.socket(ioc, udp.endpoint(loopback, 0)),
            lambda: local.stream_protocol.socket(ioc),
            lambda: local.datagram_protocol.socket(ioc),
        ]
        for make in objects:
            for _ in range(3):
                obj = make()
                ref = weakref.ref(obj)
                assert ref() is obj
                del obj
                assert ref() is None, make
                gc.collect()
        print("ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, (result.returncode, result.stderr)
    assert result.stdout.strip() == "ok"
