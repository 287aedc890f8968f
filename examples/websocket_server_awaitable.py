"""Example: WebSocket server, coroutine (Beast's ``websocket_server_awaitable.cpp``).

Echoes every message it receives, text as text and binary as binary::

    python examples/websocket_server_awaitable.py 0.0.0.0 8080 1

Arguments: the address to listen on, the port (0 picks a free one) and the number of
threads that run the io_context. Once listening it prints ``listening on
<address>:<port>`` with the port actually bound, so that a script or a test can wait for
that line and connect.

One coroutine listens; each connection gets a ``do_session`` coroutine of its own, spawned
on the acceptor's executor, as in Beast. The C++ makes ``use_awaitable`` the default token
of its stream type; here each call passes ``net.use_awaitable``.

One departure from the C++: the session's stream is closed in a ``finally`` clause, on
every path, a step that raised included. In C++ the socket closes when the coroutine frame
goes; the frame of a Python coroutine that raised lives on in the exception's traceback,
which may sit in a reference cycle until the garbage collector runs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

_SERVER = f"asiolike/{net.__version__} websocket-server-coro"


async def do_session(ws: websocket.stream) -> None:
    """Echo back all received WebSocket messages."""
    try:
        # Set suggested timeout settings for the websocket.
        ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        # Set a decorator to change the Server of the handshake.
        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, _SERVER)

        ws.set_option(websocket.stream_base.decorator(decorate))

        # Accept the websocket handshake.
        await ws.async_accept(net.use_awaitable)

        try:
            while True:
                # This buffer will hold the incoming message.
                buffer = beast.flat_buffer()

                # Read a message.
                await ws.async_read(buffer, net.use_awaitable)

                # Echo the message back.
                ws.text(ws.got_text())
                await ws.async_write(buffer.data(), net.use_awaitable)
        except net.system_error as se:
            if se.code != websocket.error.closed:
                raise
    finally:
        # Closed at once, also when a step raised (see the module docstring).
        beast.get_lowest_layer(ws).close()


def report(what: str) -> Callable[[BaseException | None, None], None]:
    """A completion handler that reports an exception, as the C++ lambdas do."""

    def handler(e: BaseException | None, result: None = None) -> None:
        if e is not None:
            print(f"{what}: {e}", file=sys.stderr)

    return handler


async def do_listen(endpoint: tcp.endpoint) -> None:
    """Accept incoming connections and launch the sessions."""
    # Open the acceptor.
    acceptor = tcp.acceptor(await net.this_coro.executor)
    acceptor.open(endpoint.protocol())

    # Allow address reuse.
    acceptor.set_option(net.socket_base.reuse_address(True))

    # Bind to the server address.
    acceptor.bind(endpoint)

    # Start listening for connections.
    acceptor.listen(net.socket_base.max_listen_connections)
    ep = acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)

    while True:
        socket = await acceptor.async_accept(net.use_awaitable)
        net.co_spawn(
            acceptor.get_executor(),
            do_session(websocket.stream(beast.tcp_stream(socket))),
            report("Error in session"),
        )


def main(argv: list[str]) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    if len(argv) != 3:
        print(
            "Usage: websocket_server_awaitable.py <address> <port> <threads>\n"
            "Example:\n"
            "    websocket_server_awaitable.py 0.0.0.0 8080 1",
            file=sys.stderr,
        )
        return 1
    try:
        address = make_address(argv[0])
        port = int(argv[1])
        threads = max(1, int(argv[2]))
    except ValueError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # Spawn a listening port.
    net.co_spawn(ioc, do_listen(tcp.endpoint(address, port)), report("Error"))

    # Run the I/O service on the requested number of threads.
    v = [threading.Thread(target=ioc.run, daemon=True) for _ in range(threads - 1)]
    for t in v:
        t.start()
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
