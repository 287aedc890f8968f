"""Example: asiolike inside asyncio: an asyncio server and asiolike WebSockets in one thread.

One ``asyncio.run()`` program, one thread, no extra loop:

* an **asyncio** TCP server (``asyncio.start_server``) that answers each line in capitals;
* an **asiolike** WebSocket echo server (the session of Beast's
  ``websocket_server_awaitable``), run by an io_context that the asyncio loop drives
  through ``asiolike.aio.attach``;
* an **asiolike** WebSocket client coroutine that asks the asyncio server for a line
  (over an asiolike ``tcp.socket``), sends it over the WebSocket and returns the echo;
  the asyncio side awaits it with the ``aio.use_asyncio`` token.

::

    python examples/asyncio_side_by_side.py "hello from both worlds"

prints the asyncio server's answer as echoed by the asiolike WebSocket server, then the
addresses it used.
"""

from __future__ import annotations

import asyncio
import sys

from websocket_server_awaitable import do_session

import asiolike as net
from asiolike import aio, beast
from asiolike.beast import websocket
from asiolike.ip import make_address, tcp

LOCAL = make_address("127.0.0.1")


async def shout(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    """The asyncio server: each line comes back in capitals."""
    while line := await reader.readline():
        writer.write(line.upper())
        await writer.drain()
    writer.close()


async def ws_listen(acceptor: tcp.acceptor, sessions: int) -> None:
    """The asiolike WebSocket server: a Beast echo session per connection."""
    for _ in range(sessions):
        sock = await acceptor.async_accept(net.use_awaitable)
        net.co_spawn(
            acceptor.get_executor(),
            do_session(websocket.stream(beast.tcp_stream(sock))),
            net.detached,
        )
    acceptor.close()


async def ws_client(shout_port: int, ws_port: int, text: str) -> str:
    """The asiolike client: asks the asyncio server, then echoes over the WebSocket."""
    ex = await net.this_coro.executor

    # An asiolike socket talking to the asyncio server.
    sock = tcp.socket(ex)
    await sock.async_connect(tcp.endpoint(LOCAL, shout_port), net.use_awaitable)
    await net.async_write(sock, net.buffer((text + "\n").encode()), net.use_awaitable)
    line = bytearray()
    await net.async_read_until(sock, net.dynamic_buffer(line), b"\n", net.use_awaitable)
    sock.close()

    # An asiolike WebSocket client talking to the asiolike server.
    ws = websocket.stream(beast.tcp_stream(ex))
    await beast.get_lowest_layer(ws).async_connect(tcp.endpoint(LOCAL, ws_port), net.use_awaitable)
    await ws.async_handshake(f"127.0.0.1:{ws_port}", "/", net.use_awaitable)
    await ws.async_write(line.decode().rstrip("\n"), net.use_awaitable)
    buffer = beast.flat_buffer()
    await ws.async_read(buffer, net.use_awaitable)
    await ws.async_close(websocket.close_code.normal, net.use_awaitable)
    return beast.buffers_to_string(buffer.data())


async def amain(text: str) -> str:
    ioc = net.io_context()
    async with aio.attach(ioc):
        server = await asyncio.start_server(shout, "127.0.0.1", 0)
        shout_port = server.sockets[0].getsockname()[1]

        acceptor = tcp.acceptor(ioc, tcp.endpoint(LOCAL, 0))
        ws_port = acceptor.local_endpoint().port()
        net.co_spawn(ioc, ws_listen(acceptor, 1), net.detached)

        # asyncio awaits an asiolike coroutine: the result arrives in this thread.
        reply: str = await net.co_spawn(ioc, ws_client(shout_port, ws_port, text), aio.use_asyncio)

        server.close()
        await server.wait_closed()
    ioc.close()
    print(reply)
    print(
        f"asyncio server on 127.0.0.1:{shout_port}, "
        f"asiolike WebSocket server on 127.0.0.1:{ws_port}, one thread"
    )
    return reply


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name."""
    if len(argv) != 1:
        print('Usage: asyncio_side_by_side.py "<text>"', file=sys.stderr)
        return 1
    asyncio.run(amain(argv[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
