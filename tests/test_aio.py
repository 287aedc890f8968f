"""Tests for asiolike.aio: an io_context driven by a running asyncio loop, and use_asyncio.

Posts (from the loop's thread and from others), timers (never early), sockets, coroutines
and an asyncio server in the same loop; run() refused while attached; detach hands the
context back; a handler's exception reaches the loop's exception handler and the context
goes on; use_asyncio from a context run by another thread.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine
from pathlib import Path
from typing import Any

import pytest

import asiolike as net
from asiolike import aio
from asiolike.error import operation_aborted
from asiolike.ip import make_address, tcp

LOCAL = make_address("127.0.0.1")


def run(coro: Coroutine[Any, Any, Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 10))


def test_posts_timers_and_coroutines_run_in_the_loop_thread() -> None:
    async def body() -> list[Any]:
        ioc = net.io_context()
        log: list[Any] = []
        loop_thread = threading.get_ident()
        h = aio.attach(ioc)
        assert h.attached
        net.post(ioc, lambda: log.append(("post", threading.get_ident() == loop_thread)))
        start = time.monotonic()
        await net.steady_timer(ioc, 0.03).async_wait(aio.use_asyncio)
        log.append(("timer", time.monotonic() - start >= 0.03))

        async def co() -> int:
            await net.steady_timer(ioc, 0.01).async_wait(net.use_awaitable)
            return 5

        log.append(("co", await net.co_spawn(ioc, co(), aio.use_asyncio)))
        h.detach()
        h.detach()  # idempotent
        assert not ioc.has_outstanding_work()
        ioc.close()
        return log

    assert run(body()) == [("post", True), ("timer", True), ("co", 5)]


def test_attach_needs_a_loop_and_refuses_run() -> None:
    ioc = net.io_context()
    with pytest.raises(RuntimeError, match="running asyncio loop"):
        aio.attach(ioc)
    with pytest.raises(RuntimeError, match="running asyncio loop"):
        net.post(ioc, aio.use_asyncio)

    async def body() -> None:
        h = aio.attach(ioc)
        with pytest.raises(RuntimeError, match="detach"):
            ioc.run()
        with pytest.raises(RuntimeError, match="detach"):
            ioc.poll()
        with pytest.raises(RuntimeError, match="already driven"):
            aio.attach(ioc)
        h.detach()

    run(body())
    # Detached: run() works again, with what was left.
    ran: list[int] = []
    net.post(ioc, lambda: ran.append(1))
    ioc.run_for(1)
    assert ran == [1]
    ioc.close()


def test_post_from_another_thread_wakes_the_loop() -> None:
    async def body() -> bool:
        ioc = net.io_context()
        async with aio.attach(ioc):
            loop = asyncio.get_running_loop()
            done = loop.create_future()
            here = threading.get_ident()

            def handler() -> None:
                done.set_result(threading.get_ident() == here)

            threading.Thread(target=lambda: net.post(ioc, handler)).start()
            result: bool = await done
        ioc.close()
        return result

    assert run(body()) is True


def test_handler_exception_goes_to_the_loop_and_the_context_goes_on() -> None:
    async def body() -> list[Any]:
        ioc = net.io_context()
        loop = asyncio.get_running_loop()
        errors: list[Any] = []
        loop.set_exception_handler(lambda lp, ctx: errors.append(ctx.get("exception")))
        async with aio.attach(ioc):

            def bad() -> None:
                raise ValueError("from a handler")

            async def bad_co() -> None:
                raise KeyError("from a detached coroutine")

            net.post(ioc, bad)
            net.co_spawn(ioc, bad_co(), net.detached)
            await net.post(ioc, aio.use_asyncio)
            await net.post(ioc, aio.use_asyncio)
        ioc.close()
        return errors

    errors = run(body())
    assert [type(e) for e in errors] == [ValueError, KeyError]


def test_use_asyncio_errors_and_shapes() -> None:
    async def body() -> list[Any]:
        ioc = net.io_context()
        got: list[Any] = []
        async with aio.attach(ioc):
            t = net.steady_timer(ioc, 10)
            f = t.async_wait(aio.use_asyncio)
            t.cancel()
            try:
                await f
            except net.system_error as exc:
                got.append(exc.code)
            t2 = net.steady_timer(ioc, 10)
            f2 = t2.async_wait(net.as_tuple(aio.use_asyncio))
            t2.cancel()
            got.append(await f2)

            async def fails() -> None:
                raise ValueError("v")

            try:
                await net.co_spawn(ioc, fails(), aio.use_asyncio)
            except ValueError:
                got.append("raised")
        ioc.close()
        return got

    assert run(body()) == [operation_aborted, (operation_aborted,), "raised"]


def test_use_asyncio_with_a_context_run_by_another_thread() -> None:
    ioc = net.io_context()
    guard = net.make_work_guard(ioc)
    runner = threading.Thread(target=ioc.run)
    runner.start()
    try:

        async def body() -> Any:
            start = time.monotonic()
            await net.steady_timer(ioc, 0.02).async_wait(aio.use_asyncio)
            return time.monotonic() - start

        assert run(body()) >= 0.02
    finally:
        guard.reset()
        runner.join(10)
    ioc.close()


def test_sockets_beside_an_asyncio_server_in_one_loop() -> None:
    async def body() -> tuple[bytes, bytes]:
        ioc = net.io_context()
        async with aio.attach(ioc):

            async def upper(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
                data = await r.readline()
                w.write(data.upper())
                await w.drain()
                w.close()

            server = await asyncio.start_server(upper, "127.0.0.1", 0)
            port = server.sockets[0].getsockname()[1]

            # asiolike client -> asyncio server
            async def client() -> bytes:
                sock = tcp.socket(ioc)
                await sock.async_connect(tcp.endpoint(LOCAL, port), net.use_awaitable)
                await net.async_write(sock, net.buffer(b"quiet\n"), net.use_awaitable)
                buf = bytearray()
                await net.async_read_until(sock, net.dynamic_buffer(buf), b"\n", net.use_awaitable)
                sock.close()
                return bytes(buf)

            a = await net.co_spawn(ioc, client(), aio.use_asyncio)

            # asyncio client -> asiolike server
            acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))

            async def echo_once() -> None:
                sock = await acceptor.async_accept(net.use_awaitable)
                data = bytearray(64)
                n = await sock.async_read_some(net.buffer(data), net.use_awaitable)
                await net.async_write(sock, net.buffer(data, n), net.use_awaitable)
                sock.close()
                acceptor.close()

            served = net.co_spawn(ioc, echo_once(), aio.use_asyncio)
            r, w = await asyncio.open_connection("127.0.0.1", acceptor.local_endpoint().port())
            w.write(b"ping")
            b = await r.read(64)
            w.close()
            await served
            server.close()
            await server.wait_closed()
        ioc.close()
        return a, b

    assert run(body()) == (b"QUIET\n", b"ping")


def test_the_side_by_side_example(capsys: pytest.CaptureFixture[str]) -> None:
    from examples import asyncio_side_by_side

    assert asyncio_side_by_side.main(["both at once"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("BOTH AT ONCE\n")
    assert asyncio_side_by_side.main([]) == 1
    assert Path(asyncio_side_by_side.__file__).name == "asyncio_side_by_side.py"
