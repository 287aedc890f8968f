"""Example: HTTP server, coroutine (Beast's ``http_server_awaitable.cpp``).

Serves the files under a folder (``GET`` and ``HEAD``), with keep-alive::

    python examples/http_server_awaitable.py 0.0.0.0 8080 . 1

Arguments: the address to listen on, the port (0 picks a free one), the document root
and the number of threads that run the io_context. Once listening it prints ``listening
on <address>:<port>`` with the port actually bound.

One coroutine listens; each connection gets a ``do_session`` coroutine. ``mime_type``,
``path_cat`` and ``handle_request`` are the same as in the asynchronous server, so they
are imported from ``http_server_async.py`` rather than repeated (Beast repeats them in
each example). The response goes out through a ``message_generator`` and
``beast.async_write``, as in Beast.

One departure from the C++: the session's stream is closed in a ``finally`` clause, on
every path, a step that raised included. In C++ the socket closes when the coroutine frame
goes; the frame of a Python coroutine that raised lives on in the exception's traceback,
which may sit in a reference cycle until the garbage collector runs.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

from http_server_async import handle_request

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import make_address, tcp


async def do_session(stream: beast.tcp_stream, doc_root: str) -> None:
    """Handle an HTTP server connection."""
    try:
        # This buffer is required to persist across reads.
        buffer = beast.flat_buffer()

        try:
            while True:
                # Set the timeout.
                stream.expires_after(30)

                # Read a request.
                req = http.request()
                await http.async_read(stream, buffer, req, net.use_awaitable)

                # Handle the request.
                msg = handle_request(doc_root, req)

                # Determine if we should close the connection.
                keep_alive = msg.keep_alive()

                # Send the response.
                await beast.async_write(stream, msg, net.use_awaitable)

                if not keep_alive:
                    # This means we should close the connection, usually because
                    # the response indicated the "Connection: close" semantic.
                    break
        except net.system_error as se:
            if se.code != http.error.end_of_stream:
                raise

        # Send a TCP shutdown.
        try:
            stream.socket().shutdown(tcp.socket.shutdown_send)
        except net.system_error:
            pass  # the peer may already be gone (the C++ passes an error_code it ignores)

        # At this point the connection is closed gracefully.
    finally:
        # Closed at once, also when a step raised (see the module docstring).
        stream.close()


def report(what: str) -> Callable[[BaseException | None, None], None]:
    """A completion handler that reports an exception, as the C++ lambdas do."""

    def handler(e: BaseException | None, result: None = None) -> None:
        if e is not None:
            print(f"{what}: {e}", file=sys.stderr)

    return handler


async def do_listen(endpoint: tcp.endpoint, doc_root: str) -> None:
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
            do_session(beast.tcp_stream(socket), doc_root),
            report("Error in session"),
        )


def main(argv: list[str]) -> int:
    """Run the server; ``argv`` is the command line without the program name."""
    if len(argv) != 4:
        print(
            "Usage: http_server_awaitable.py <address> <port> <doc_root> <threads>\n"
            "Example:\n"
            "    http_server_awaitable.py 0.0.0.0 8080 . 1",
            file=sys.stderr,
        )
        return 1
    try:
        address = make_address(argv[0])
        port = int(argv[1])
        doc_root = argv[2]
        threads = max(1, int(argv[3]))
    except ValueError as e:
        print(f"Error: {e}", file=sys.stderr)
        return 1

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # Spawn a listening port.
    net.co_spawn(ioc, do_listen(tcp.endpoint(address, port), doc_root), report("Error in acceptor"))

    # Run the I/O service on the requested number of threads.
    v = [threading.Thread(target=ioc.run, daemon=True) for _ in range(threads - 1)]
    for t in v:
        t.start()
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
