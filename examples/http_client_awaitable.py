"""Example: HTTP client, coroutine (Beast's ``http_client_awaitable.cpp``).

Performs an HTTP GET and prints the response::

    python examples/http_client_awaitable.py www.example.com 80 /
    python examples/http_client_awaitable.py www.example.com 80 / 1.0

The C++ ``do_session`` is an ``awaitable<void>``; here an ``async def`` run by
``net.co_spawn``. Each call passes ``net.use_awaitable`` (the C++ relies on default
tokens). A failing step raises ``system_error``; the completion handler re-raises it, so
it leaves ``ioc.run()`` and ``main`` reports it, as the C++ does with its ``try``.

One departure from the C++: the session's stream is closed in a ``finally`` clause, on
every path, a step that raised included. In C++ the socket closes when the coroutine frame
goes; the frame of a Python coroutine that raised lives on in the exception's traceback,
which may sit in a reference cycle until the garbage collector runs.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} http-client-coro"


async def do_session(host: str, port: str, target: str, version: int) -> None:
    """Perform an HTTP GET and print the response."""
    executor = await net.this_coro.executor
    resolver = tcp.resolver(executor)
    stream = beast.tcp_stream(executor)
    try:
        # Look up the domain name.
        results = await resolver.async_resolve(host, port, net.use_awaitable)

        # Set the timeout.
        stream.expires_after(30)

        # Make the connection on the IP address we get from a lookup.
        await stream.async_connect(results, net.use_awaitable)

        # Set up an HTTP GET request message.
        req = http.request(http.verb.get, target, version)
        req.set(http.field.host, host)
        req.set(http.field.user_agent, _USER_AGENT)

        # Set the timeout.
        stream.expires_after(30)

        # Send the HTTP request to the remote host.
        await http.async_write(stream, req, net.use_awaitable)

        # This buffer is used for reading and must be persisted.
        buffer = beast.flat_buffer()

        # Declare a container to hold the response, and receive it.
        res = http.response()
        await http.async_read(stream, buffer, res, net.use_awaitable)

        # Write the message to standard out.
        print(res)

        # Gracefully close the socket.
        try:
            stream.socket().shutdown(tcp.socket.shutdown_both)
        except net.system_error as exc:
            # not_connected happens sometimes, so don't bother reporting it.
            if exc.code != net.error.not_connected:
                raise

        # If we get here then the connection is closed gracefully.
    finally:
        # Closed at once, also when a step raised (see the module docstring).
        stream.close()


def rethrow(e: BaseException | None, result: None = None) -> None:
    """The completion handler: an exception of the session leaves ``ioc.run()``."""
    if e is not None:
        raise e


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name."""
    if len(argv) not in (3, 4):
        print(
            "Usage: http_client_awaitable.py <host> <port> <target> "
            "[<HTTP version: 1.0 or 1.1(default)>]\n"
            "Example:\n"
            "    http_client_awaitable.py www.example.com 80 /\n"
            "    http_client_awaitable.py www.example.com 80 / 1.0",
            file=sys.stderr,
        )
        return 1
    host, port, target = argv[:3]
    version = 10 if len(argv) == 4 and argv[3] == "1.0" else 11
    try:
        # The io_context is required for all I/O.
        ioc = net.io_context()

        # Launch the asynchronous operation; an exception comes back to rethrow().
        net.co_spawn(ioc, do_session(host, port, target, version), rethrow)

        # Run the I/O service. The call returns when the get operation is complete.
        ioc.run()
    except Exception as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
