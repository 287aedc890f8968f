"""The asynchronous WebSocket examples (Beast's client and server), run for real.

* Our client against our server, in one io_context (the sessions as the scripts build
  them), and the scripts themselves as processes (the server with two threads);
* our client against a ``websockets`` echo server, our server against a ``websockets``
  client: peers nobody here wrote;
* the failures a user sees: a wrong command line, a refused connection.

The server script runs until it is killed; the tests wait for its ``listening on`` line
(bounded by ``select``), never sleep, and kill only the process they started.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import select
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

import asiolike as net
from asiolike.ip import make_address, tcp

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
BOUND = 5.0


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"_example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


client_example = _load("websocket_client_async")
server_example = _load("websocket_server_async")

VERSION = net.__version__
USER_AGENT = f"asiolike/{VERSION} websocket-client-async"
SERVER = f"asiolike/{VERSION} websocket-server-async"


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH")) if p)
    return env


def _script(name: str) -> list[str]:
    return [sys.executable, str(EXAMPLES / f"{name}.py")]


def _run_until_done(ioc: net.io_context) -> None:
    ioc.run_for(BOUND)
    assert ioc.stopped(), f"io_context still busy after run_for({BOUND}): {ioc!r}"
    assert not ioc.has_outstanding_work()


def _listen(ioc: net.io_context) -> Any:
    lst = server_example.listener(ioc, tcp.endpoint(make_address("127.0.0.1"), 0))
    assert lst.acceptor.is_open()
    lst.run()
    return lst


class _closing_client(client_example.session):  # type: ignore[name-defined,misc]
    """The example's client; once it is done, the listener stops accepting."""

    def __init__(self, ioc: net.io_context, lst: Any) -> None:
        super().__init__(ioc)
        self.lst = lst

    def on_close(self, ec: net.error_code) -> None:
        super().on_close(ec)
        self.lst.acceptor.close()


# -- in one io_context ------------------------------------------------------------------------


def test_client_and_server_in_one_io_context(capsys: pytest.CaptureFixture[str]) -> None:
    ioc = net.io_context()
    lst = _listen(ioc)
    port = lst.local_endpoint().port()
    c = _closing_client(ioc, lst)
    c.run("127.0.0.1", str(port), "Hello, world! ✓")
    _run_until_done(ioc)
    out, err = capsys.readouterr()
    assert out == "Hello, world! ✓\n"
    # The listener's pending accept was cancelled by closing it; nothing else failed.
    assert err == "accept: Operation canceled\n"
    assert c.host == f"127.0.0.1:{port}"
    assert not c.ws.is_open()


def test_several_clients_one_server(capsys: pytest.CaptureFixture[str]) -> None:
    ioc = net.io_context()
    lst = _listen(ioc)
    port = str(lst.local_endpoint().port())
    done: list[str] = []

    class counting(client_example.session):  # type: ignore[name-defined,misc]
        def on_close(self, ec: net.error_code) -> None:
            super().on_close(ec)
            done.append(self.text)
            if len(done) == 3:
                lst.acceptor.close()

    for text in ("one", "two", "three"):
        counting(ioc).run("127.0.0.1", port, text)
    _run_until_done(ioc)
    assert sorted(done) == ["one", "three", "two"]
    out, _ = capsys.readouterr()
    assert sorted(out.splitlines()) == ["one", "three", "two"]


# -- the scripts as processes --------------------------------------------------------------


class _server_process:
    """``websocket_server_async.py 127.0.0.1 0 <threads>`` with its port read from stdout."""

    def __init__(self, threads: int) -> None:
        self.proc = subprocess.Popen(
            [*_script("websocket_server_async"), "127.0.0.1", "0", str(threads)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=_env(),
            text=True,
        )
        assert self.proc.stdout is not None
        ready, _, _ = select.select([self.proc.stdout], [], [], BOUND)
        assert ready, "the server printed nothing within the bound"
        line = self.proc.stdout.readline()
        assert line.startswith("listening on 127.0.0.1:"), line
        self.port = int(line.rsplit(":", 1)[1])
        assert self.port > 0

    def stop(self) -> str:
        self.proc.kill()
        _, err = self.proc.communicate(timeout=BOUND)
        return err


@pytest.fixture
def server_process() -> Iterator[_server_process]:
    s = _server_process(threads=2)
    try:
        yield s
    finally:
        if s.proc.poll() is None:
            s.stop()


def test_scripts_talk_to_each_other(server_process: _server_process) -> None:
    for text in ("Hello, world!", "second run"):
        res = subprocess.run(
            [*_script("websocket_client_async"), "127.0.0.1", str(server_process.port), text],
            capture_output=True,
            env=_env(),
            text=True,
            timeout=BOUND,
        )
        assert (res.returncode, res.stdout, res.stderr) == (0, f"{text}\n", "")
    # The sessions ended by the clients' close: the server reported nothing.
    assert server_process.stop() == ""


def test_client_main_in_process(
    server_process: _server_process, capsys: pytest.CaptureFixture[str]
) -> None:
    status: list[int] = []
    t = threading.Thread(
        target=lambda: status.append(
            client_example.main(["localhost", str(server_process.port), "via main()"])
        ),
        daemon=True,
    )
    t.start()
    t.join(BOUND)
    assert not t.is_alive(), "client main() did not return within the bound"
    assert status == [0]
    out, err = capsys.readouterr()
    assert (out, err) == ("via main()\n", "")


# -- against the websockets library --------------------------------------------------------

websockets = pytest.importorskip("websockets")
from websockets.asyncio.client import connect as ws_connect  # noqa: E402
from websockets.asyncio.server import serve as ws_serve  # noqa: E402


class _loop_thread:
    """An asyncio loop in a thread of its own, for the ``websockets`` peer."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()

    def call(self, coro: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(BOUND)

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(BOUND)
        self.loop.close()


@pytest.fixture
def loop() -> Iterator[_loop_thread]:
    t = _loop_thread()
    try:
        yield t
    finally:
        t.close()


def test_client_against_websockets_echo_server(
    loop: _loop_thread, capsys: pytest.CaptureFixture[str]
) -> None:
    seen: list[tuple[str | None, str | None, str]] = []

    async def echo(ws: Any) -> None:
        headers = ws.request.headers
        seen.append((headers.get("User-Agent"), headers.get("Host"), ws.request.path))
        async for msg in ws:
            await ws.send(msg)

    async def start() -> Any:
        return await ws_serve(echo, "127.0.0.1", 0)

    server = loop.call(start())
    try:
        port = server.sockets[0].getsockname()[1]
        ioc = net.io_context()
        c = client_example.session(ioc)
        c.run("127.0.0.1", str(port), "Hello from asiolike")
        _run_until_done(ioc)
    finally:

        async def stop() -> None:
            server.close()
            await server.wait_closed()

        loop.call(stop())
    out, err = capsys.readouterr()
    assert (out, err) == ("Hello from asiolike\n", "")
    assert seen == [(USER_AGENT, f"127.0.0.1:{port}", "/")]


def test_server_against_websockets_client(
    loop: _loop_thread, capsys: pytest.CaptureFixture[str]
) -> None:
    ioc = net.io_context()
    lst = _listen(ioc)
    port = lst.local_endpoint().port()

    async def talk() -> tuple[Any, ...]:
        async with ws_connect(f"ws://127.0.0.1:{port}/chat") as ws:
            await ws.send("text ✓")
            text = await ws.recv()
            await ws.send(b"\x00\x01binary")
            binary = await ws.recv()
            assert ws.response is not None
            server = ws.response.headers.get("Server")
        return text, binary, server, ws.close_code

    fut = asyncio.run_coroutine_threadsafe(talk(), loop.loop)
    fut.add_done_callback(lambda _: net.post(ioc, lst.acceptor.close))
    _run_until_done(ioc)
    assert fut.result(BOUND) == ("text ✓", b"\x00\x01binary", SERVER, 1000)
    _, err = capsys.readouterr()
    assert err == "accept: Operation canceled\n"


# -- what a user sees when something is wrong -------------------------------------------------


def test_client_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert client_example.main(["127.0.0.1", "80"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("Usage: websocket_client_async.py <host> <port> <text>\n")


def test_server_usage(capsys: pytest.CaptureFixture[str]) -> None:
    assert server_example.main(["127.0.0.1", "0"]) == 1
    assert server_example.main(["not an address", "0", "1"]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "Usage: websocket_server_async.py <address> <port> <threads>"
    assert lines[-1].startswith("websocket_server_async.py: ")


def test_client_reports_refused_connection(capsys: pytest.CaptureFixture[str]) -> None:
    # A port nobody listens on: bound, then closed.
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ioc = net.io_context()
    c = client_example.session(ioc)
    c.run("127.0.0.1", str(port), "unheard")
    _run_until_done(ioc)
    out, err = capsys.readouterr()
    assert (out, err) == ("", "connect: Connection refused\n")


def test_server_reports_address_in_use(capsys: pytest.CaptureFixture[str]) -> None:
    ioc = net.io_context()
    taken = tcp.acceptor(ioc, tcp.endpoint(make_address("127.0.0.1"), 0), reuse_address=False)
    try:
        ep = taken.local_endpoint()
        lst = server_example.listener(ioc, ep)
        assert not lst.acceptor.is_open()
        lst.run()  # does nothing: the listener could not be set up
        assert not ioc.has_outstanding_work()
    finally:
        taken.close()
    _, err = capsys.readouterr()
    assert err == "bind: Address already in use\n"
