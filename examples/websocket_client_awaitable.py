"""Example: WebSocket client, coroutine (Beast's ``websocket_client_awaitable.cpp``).

Connects to ``<host>:<port>``, sends ``<text>`` as one message, prints the message the
server answers with, and closes the connection cleanly::

    python examples/websocket_client_awaitable.py 127.0.0.1 8080 "Hello, world!"

The C++ ``do_session`` is an ``awaitable<void>``; here it is an ``async def`` run by
``net.co_spawn``. Beast makes ``use_awaitable`` the default token of its I/O objects
(``use_awaitable.as_default_on``); Python has no default arguments per object type, so each
call passes ``net.use_awaitable`` itself. A failing step raises ``system_error``, which the
completion handler given to ``co_spawn`` reports, as the C++ lambda does.

One departure from the C++: the session's stream is closed in a ``finally`` clause, on
every path, a step that raised included. In C++ the socket closes when the coroutine frame
goes; the frame of a Python coroutine that raised lives on in the exception's traceback,
which may sit in a reference cycle until the garbage collector runs.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} websocket-client-coro"


async def do_session(host: str, port: str, text: str) -> None:
    """Send a WebSocket message and print the response."""
    # These objects perform our I/O.
    executor = await net.this_coro.executor
    resolver = tcp.resolver(executor)
    ws = websocket.stream(beast.tcp_stream(executor))
    try:
        # Look up the domain name.
        results = await resolver.async_resolve(host, port, net.use_awaitable)

        # Set a timeout on the operation.
        beast.get_lowest_layer(ws).expires_after(30)

        # Make the connection on the IP address we get from a lookup.
        ep = await beast.get_lowest_layer(ws).async_connect(results, net.use_awaitable)

        # The Host field of the handshake carries the port too (RFC 7230 section 5.4).
        host += f":{ep.port()}"

        # Turn off the timeout on the tcp_stream: the websocket stream has its own.
        beast.get_lowest_layer(ws).expires_never()

        # Set suggested timeout settings for the websocket.
        ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.client))

        # Set a decorator to change the User-Agent of the handshake.
        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, _USER_AGENT)

        ws.set_option(websocket.stream_base.decorator(decorate))

        # Perform the websocket handshake.
        await ws.async_handshake(host, "/", net.use_awaitable)

        # Send the message.
        await ws.async_write(text, net.use_awaitable)

        # This buffer will hold the incoming message; read a message into it.
        buffer = beast.flat_buffer()
        await ws.async_read(buffer, net.use_awaitable)

        # Close the WebSocket connection.
        await ws.async_close(websocket.close_code.normal, net.use_awaitable)

        # If we get here then the connection is closed gracefully.
        print(beast.make_printable(buffer.data()))
    finally:
        # Closed at once, also when a step raised (see the module docstring).
        beast.get_lowest_layer(ws).close()


def report(e: BaseException | None, result: None = None) -> None:
    """The completion handler of the session: report an exception, as the C++ lambda."""
    if e is not None:
        print(f"Error: {e}", file=sys.stderr)


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name."""
    if len(argv) != 3:
        print(
            "Usage: websocket_client_awaitable.py <host> <port> <text>\n"
            "Example:\n"
            '    websocket_client_awaitable.py 127.0.0.1 8080 "Hello, world!"',
            file=sys.stderr,
        )
        return 1
    host, port, text = argv

    # The io_context is required for all I/O.
    ioc = net.io_context()

    # Launch the asynchronous operation.
    net.co_spawn(ioc, do_session(host, port, text), report)

    # Run the I/O service. The call returns when the socket is closed.
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
