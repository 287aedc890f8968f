"""The coroutine examples, run for real on 127.0.0.1.

* ``echo_server_coroutine`` (Asio's cpp20 echo server): 200 coroutine clients on 1 and on
  4 threads, and the script as a process;
* ``timeout_cancel_after``: echoes; the idle timeout waits for sockets to honour
  per-operation cancellation;
* Beast's awaitable WebSocket client and server: together in one io_context, and each
  against the ``websockets`` library;
* Beast's awaitable HTTP client and server: together in one io_context.

No sleeps: every run is bounded by ``run_for``; processes are waited for with timeouts.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import asiolike as net
from asiolike.ip import make_address, tcp
from examples import (
    echo_server_coroutine,
    http_client_awaitable,
    http_server_awaitable,
    timeout_cancel_after,
    websocket_client_awaitable,
    websocket_server_awaitable,
)

ROOT = Path(__file__).resolve().parents[2]
LOCAL = make_address("127.0.0.1")


def _listening_port(out: str) -> int:
    line = next(ln for ln in out.splitlines() if ln.startswith("listening on "))
    return int(line.rsplit(":", 1)[1])


async def echo_client(port: int, messages: int, size: int) -> bytes:
    ex = await net.this_coro.executor
    sock = tcp.socket(ex)
    await sock.async_connect(tcp.endpoint(LOCAL, port), net.use_awaitable)
    got = bytearray()
    for i in range(messages):
        payload = bytes([65 + i % 26]) * size
        await net.async_write(sock, net.buffer(payload), net.use_awaitable)
        back = bytearray(size)
        await net.async_read(sock, net.buffer(back), net.use_awaitable)
        got += back
    sock.close()
    return bytes(got)


@pytest.mark.parametrize("threads", [1, 4])
def test_echo_server_coroutine_200_connections(
    threads: int, capsys: pytest.CaptureFixture[str], run_threads: Callable[..., list[int]]
) -> None:
    ioc = net.io_context()
    clients = 200
    net.co_spawn(
        ioc,
        echo_server_coroutine.listener(tcp.endpoint(LOCAL, 0), clients),
        net.detached,
    )
    ioc.poll()  # the listener opens its acceptor and prints its port
    port = _listening_port(capsys.readouterr().out)
    futures = [
        net.co_spawn(ioc, echo_client(port, 3, 100 + i), net.use_future) for i in range(clients)
    ]
    run_threads(ioc, threads, timeout=30)
    for i, f in enumerate(futures):
        expected = b"".join(bytes([65 + k]) * (100 + i) for k in range(3))
        assert f.result(0) == expected
    out = capsys.readouterr().out
    assert out.count("echo Exception: End of file") == clients
    assert not ioc.has_outstanding_work()
    ioc.close()


def _start(script: str, *args: str) -> tuple[subprocess.Popen[str], int]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "examples" / script), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=str(ROOT / "examples"),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line.startswith("listening on "), (line, proc.stderr.read() if proc.stderr else "")
    return proc, int(line.rsplit(":", 1)[1])


def test_echo_server_coroutine_script() -> None:
    proc, port = _start("echo_server_coroutine.py", "0", "--connections", "1", "--threads", "2")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
            s.sendall(b"ping")
            assert s.recv(10) == b"ping"
        out, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert proc.returncode == 0, err
    assert "echo Exception: End of file" in out


def test_timeout_cancel_after_echoes(
    capsys: pytest.CaptureFixture[str], run_ioc: Callable[..., int]
) -> None:
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
    port = acceptor.local_endpoint().port()
    net.co_spawn(ioc, timeout_cancel_after.listen(acceptor, 5.0, 1), net.detached)
    f = net.co_spawn(ioc, echo_client(port, 2, 10), net.use_future)
    run_ioc(ioc, timeout=10)
    assert f.result(0) == b"A" * 10 + b"B" * 10
    assert "closed: End of file" in capsys.readouterr().out
    ioc.close()


def test_timeout_cancel_after_closes_an_idle_connection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
    port = acceptor.local_endpoint().port()
    net.co_spawn(ioc, timeout_cancel_after.listen(acceptor, 0.05, 1), net.detached)
    idle = socket.create_connection(("127.0.0.1", port))
    try:
        ioc.run_for(0.5)
        assert "closed: timed out" in capsys.readouterr().out
    finally:
        idle.close()
        ioc.run_for(1)
        ioc.close()


# -- Beast's awaitable WebSocket examples ----------------------------------------------------


async def _ws_listen_once(ioc: net.io_context, port_box: list[int]) -> None:
    """websocket_server_awaitable's do_listen, for one connection (it loops forever)."""
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
    port_box.append(acceptor.local_endpoint().port())
    sock = await acceptor.async_accept(net.use_awaitable)
    acceptor.close()
    from asiolike import beast
    from asiolike.beast import websocket

    await websocket_server_awaitable.do_session(websocket.stream(beast.tcp_stream(sock)))


def test_websocket_awaitable_client_and_server_in_one_io_context(
    capsys: pytest.CaptureFixture[str], run_ioc: Callable[..., int]
) -> None:
    ioc = net.io_context()
    box: list[int] = []
    server = net.co_spawn(ioc, _ws_listen_once(ioc, box), net.use_future)
    ioc.poll()
    client = net.co_spawn(
        ioc,
        websocket_client_awaitable.do_session("127.0.0.1", str(box[0]), "Hello ✓"),
        websocket_client_awaitable.report,
    )
    assert client is None
    run_ioc(ioc, timeout=10)
    assert server.result(0) is None  # the session ended on the client's close
    out, err = capsys.readouterr()
    assert out == "Hello ✓\n" and err == ""
    ioc.close()


def test_websocket_awaitable_client_against_websockets(
    capsys: pytest.CaptureFixture[str],
) -> None:
    websockets = pytest.importorskip("websockets.asyncio.server")
    ready = threading.Event()
    stop: list[Any] = []
    ports: list[int] = []

    def serve() -> None:
        async def echo(conn: Any) -> None:
            async for message in conn:
                await conn.send(message)

        async def run() -> None:
            async with websockets.serve(echo, "127.0.0.1", 0) as server:
                ports.append(server.sockets[0].getsockname()[1])
                loop = asyncio.get_running_loop()
                done = loop.create_future()
                stop.append((loop, done))
                ready.set()
                await done

        asyncio.run(run())

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    assert ready.wait(10)
    try:
        assert websocket_client_awaitable.main(["127.0.0.1", str(ports[0]), "over there"]) == 0
    finally:
        loop, done = stop[0]
        loop.call_soon_threadsafe(done.set_result, None)
        t.join(10)
    out, err = capsys.readouterr()
    assert out == "over there\n" and err == ""


def test_websocket_awaitable_server_script_with_a_websockets_client() -> None:
    client = pytest.importorskip("websockets.asyncio.client")
    proc, port = _start("websocket_server_awaitable.py", "127.0.0.1", "0", "2")
    try:

        async def talk() -> tuple[Any, Any]:
            async with client.connect(f"ws://127.0.0.1:{port}") as ws:
                await ws.send("text ✓")
                a = await ws.recv()
                await ws.send(b"\x00binary")
                b = await ws.recv()
                return a, b

        assert asyncio.run(asyncio.wait_for(talk(), 10)) == ("text ✓", b"\x00binary")
    finally:
        proc.kill()
        proc.communicate(timeout=10)


def test_websocket_awaitable_client_reports_a_refused_connection(
    capsys: pytest.CaptureFixture[str],
) -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    assert websocket_client_awaitable.main(["127.0.0.1", str(port), "x"]) == 0
    assert capsys.readouterr().err.startswith("Error: Connection refused")
    assert websocket_client_awaitable.main([]) == 1


# -- Beast's awaitable HTTP examples ----------------------------------------------------------


def test_http_awaitable_client_and_server(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], run_ioc: Callable[..., int]
) -> None:
    (tmp_path / "index.html").write_text("<h1>coroutines</h1>")
    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
    port = acceptor.local_endpoint().port()

    async def serve_one() -> None:
        from asiolike import beast

        sock = await acceptor.async_accept(net.use_awaitable)
        acceptor.close()
        await http_server_awaitable.do_session(beast.tcp_stream(sock), str(tmp_path))

    server = net.co_spawn(ioc, serve_one(), net.use_future)
    client = net.co_spawn(
        ioc, http_client_awaitable.do_session("127.0.0.1", str(port), "/", 11), net.use_future
    )
    run_ioc(ioc, timeout=10)
    client.result(0)
    server.result(0)
    out = capsys.readouterr().out
    assert out.startswith("HTTP/1.1 200 OK")
    assert "<h1>coroutines</h1>" in out
    ioc.close()


def test_http_awaitable_server_script_and_client_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.txt").write_text("plain")
    proc, port = _start("http_server_awaitable.py", "127.0.0.1", "0", str(tmp_path), "1")
    try:
        assert http_client_awaitable.main(["127.0.0.1", str(port), "/a.txt", "1.0"]) == 0
        assert http_client_awaitable.main(["127.0.0.1", str(port), "/missing"]) == 0
    finally:
        proc.kill()
        proc.communicate(timeout=10)
    out = capsys.readouterr().out
    assert "HTTP/1.0 200 OK" in out and "plain" in out
    assert "404 Not Found" in out
    assert http_client_awaitable.main([]) == 1
