"""local.stream_protocol: connect_pair, acceptor on a path, abstract names, endpoints."""

from __future__ import annotations

import errno
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import asiolike
from asiolike import error, local, socket_base
from asiolike.ip import tcp
from tests.ip.recorder import Recorder


@pytest.fixture
def pair(ioc: asiolike.io_context) -> Iterator[tuple[Any, Any]]:
    a = local.stream_protocol.socket(ioc)
    b = local.stream_protocol.socket(ioc)
    local.connect_pair(a, b)
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def test_connect_pair_echo(ioc: asiolike.io_context, pair: tuple[Any, Any], run_ioc: Any) -> None:
    a, b = pair
    buf = bytearray(16)
    w, r = Recorder(), Recorder()
    a.async_write_some(b"over unix", w)
    w.started()
    b.async_read_some(buf, r)
    r.started()
    run_ioc(ioc)
    assert w.once == (error.success, 9)
    assert r.once == (error.success, 9)
    assert buf[:9] == b"over unix"


def test_pair_eof_cancel_and_close(
    ioc: asiolike.io_context, pair: tuple[Any, Any], run_ioc: Any
) -> None:
    a, b = pair
    pending = Recorder()
    a.async_read_some(bytearray(4), pending)
    pending.started()
    a.cancel()
    run_ioc(ioc)
    assert pending.once == (error.operation_aborted, 0)
    b.shutdown(socket_base.shutdown_send)
    ioc.restart()
    eof = Recorder()
    a.async_read_some(bytearray(4), eof)
    eof.started()
    run_ioc(ioc)
    assert eof.once == (error.eof, 0)
    ioc.restart()
    closed = Recorder()
    b.async_read_some(bytearray(4), closed)
    closed.started()
    b.close()
    run_ioc(ioc)
    assert closed.once == (error.operation_aborted, 0)


def test_connect_pair_refuses_open_sockets(ioc: asiolike.io_context) -> None:
    a = local.stream_protocol.socket(ioc, local.stream_protocol())
    b = local.stream_protocol.socket(ioc)
    try:
        with pytest.raises(asiolike.system_error) as info:
            local.connect_pair(a, b)
        assert info.value.code == error.already_open
        assert not b.is_open()
    finally:
        a.close()


def test_acceptor_on_a_path(ioc: asiolike.io_context, tmp_path: Path, run_ioc: Any) -> None:
    path = str(tmp_path / "sock")
    endpoint = local.stream_protocol.endpoint(path)
    acceptor = local.stream_protocol.acceptor(ioc, endpoint)
    client = local.stream_protocol.socket(ioc)
    accepted: list[Any] = []
    try:
        assert acceptor.local_endpoint() == endpoint
        h = Recorder()
        acceptor.async_accept(h)
        h.started()
        connected = Recorder()
        client.async_connect(endpoint, connected)
        connected.started()
        run_ioc(ioc)
        ec, peer = h.once
        accepted.append(peer)
        assert ec == error.success and connected.once == (error.success,)
        assert isinstance(peer, local.stream_protocol.socket)
        assert client.remote_endpoint() == endpoint
        assert peer.local_endpoint().path() == path
        client.write_some(b"x")
        assert peer.read_some(bytearray(1)) == 1
    finally:
        for s in (*accepted, client, acceptor):
            s.close()
        os.unlink(path)


def test_connect_to_missing_path(ioc: asiolike.io_context, tmp_path: Path, run_ioc: Any) -> None:
    client = local.stream_protocol.socket(ioc)
    try:
        h = Recorder()
        client.async_connect(local.stream_protocol.endpoint(str(tmp_path / "none")), h)
        h.started()
        run_ioc(ioc)
        (ec,) = h.once
        assert ec == error.from_errno(errno.ENOENT)
    finally:
        client.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="abstract names are Linux-only")
def test_abstract_name(ioc: asiolike.io_context) -> None:
    name = f"\0asiolike-test-{os.getpid()}"
    acceptor = local.stream_protocol.acceptor(ioc, local.stream_protocol.endpoint(name))
    client = local.stream_protocol.socket(ioc)
    try:
        assert acceptor.local_endpoint().path() == name
        client.connect(local.stream_protocol.endpoint(name))
        peer = acceptor.accept()
        peer.close()
    finally:
        client.close()
        acceptor.close()


def test_endpoint_values() -> None:
    e = local.stream_protocol.endpoint("/tmp/x.sock")
    assert e.path() == str(e) == "/tmp/x.sock"
    assert e == local.basic_endpoint("/tmp/x.sock") and hash(e) == hash(
        local.basic_endpoint("/tmp/x.sock")
    )
    assert e != local.basic_endpoint("/tmp/y.sock") and e < local.basic_endpoint("/tmp/y.sock")
    assert e.protocol() == local.stream_protocol()
    assert local.basic_endpoint(b"/tmp/x.sock") == e
    assert repr(e) == "local.basic_endpoint('/tmp/x.sock')"
    with pytest.raises(asiolike.system_error) as info:
        local.stream_protocol.endpoint("/" + "x" * 200)
    assert info.value.code == error.name_too_long


def test_protocol_object() -> None:
    p = local.stream_protocol()
    assert (p.family(), p.type(), p.protocol()) == (socket.AF_UNIX, socket.SOCK_STREAM, 0)
    assert p == local.stream_protocol() and len({p, local.stream_protocol()}) == 1
    assert local.stream_protocol.socket.__qualname__ == "stream_protocol.socket"


def test_type_checks_between_protocols(ioc: asiolike.io_context, pair: tuple[Any, Any]) -> None:
    a, _ = pair
    with pytest.raises(TypeError):
        a.async_connect(tcp.endpoint("127.0.0.1", 1), lambda ec: None)
    with pytest.raises(asiolike.system_error) as info:
        a.set_option(tcp.no_delay(True))
    assert info.value.code == error.operation_not_supported


def test_assign_of_a_pipe_raises_system_error(ioc: asiolike.io_context) -> None:
    # A descriptor that is no socket: the error is a system_error (R5), not a bare OSError.
    r, w = os.pipe()
    try:
        sock = local.stream_protocol.socket(ioc)
        with pytest.raises(asiolike.system_error) as info:
            sock.assign(local.stream_protocol(), r)
        assert info.value.code == asiolike.error.not_socket
        assert not sock.is_open()
    finally:
        os.close(r)
        os.close(w)
