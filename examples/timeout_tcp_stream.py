"""Example: a read that times out, with ``beast.tcp_stream`` (Beast's stream timeouts).

Beast's ``tcp_stream`` times its own operations out: ``stream.expires_after(d)`` before
an asynchronous connect, read or write gives that operation ``d`` to complete; once the
time has passed the stream closes its socket and the operation completes with
``beast.error.timeout``. Beast's clients and servers (``http_client_async.cpp``,
``http_server_async.cpp``...) call it before every step; this example shows what
happens when the peer never answers::

    python examples/timeout_tcp_stream.py
    python examples/timeout_tcp_stream.py 127.0.0.1 8080 --timeout 5

The ``session`` sends an HTTP GET request and waits for the response, in Beast's
session shape (``on_resolve``, ``on_connect``, ``on_write``, ``on_read``, one
``fail(ec, what)``). Without a host and port it first starts a ``silent_server`` in the
same io_context: a peer that accepts the connection, reads what it gets and never
answers, until the client goes away. With them, it connects there.

Beast's examples allow 30 seconds; this one allows 0.2 s by default (``--timeout``) so
that the timeout shows at once.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import tcp

#: The default time allowed for each step, in seconds (Beast's examples use 30).
TIMEOUT = 0.2


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Sends an HTTP GET request and waits, at most ``timeout`` seconds, for the response.

    Args:
        ioc: The io_context running the session.
        timeout: The time allowed for each step (connect, write, read), in seconds.
    """

    def __init__(self, ioc: net.io_context, timeout: float) -> None:
        self.resolver = tcp.resolver(ioc)
        self.stream = beast.tcp_stream(ioc)
        self.timeout = timeout
        self.buffer = beast.flat_buffer()
        self.req = http.request(http.verb.get, "/", 11)
        self.res = http.response()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        self.stream.close()

    def run(self, host: str, port: str) -> None:
        """Start the operation: resolve, connect, write the request, read the response."""
        self.req.set(http.field.host, host)
        self.resolver.async_resolve(host, port, self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            return self.fail(ec, "resolve")

        # Set a timeout on the operation.
        self.stream.expires_after(self.timeout)
        self.stream.async_connect(results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")
        print(f"connected to {ep}")

        # Set a timeout on the operation.
        self.stream.expires_after(self.timeout)
        http.async_write(self.stream, self.req, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")
        print(f"request sent; waiting {self.timeout} s for the response")

        # Set a timeout on the operation: the peer has this long to answer.
        self.stream.expires_after(self.timeout)
        http.async_read(self.stream, self.buffer, self.res, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # A peer that never answers ends here with beast.error.timeout: the stream has
        # closed the socket, which is how the silent server learns that we left.
        if ec:
            return self.fail(ec, "read")

        print(beast.make_printable(http.to_bytes(self.res)))
        self.stream.close()


class silent_server:
    """A peer that accepts one connection and never answers: it reads until the end.

    Args:
        ioc: The io_context running the server.
    """

    def __init__(self, ioc: net.io_context) -> None:
        self.acceptor = tcp.acceptor(ioc, tcp.endpoint("127.0.0.1", 0))
        self.socket: tcp.socket | None = None
        self.data = bytearray(1024)

    def local_endpoint(self) -> tcp.endpoint:
        """Where the server listens."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Accept one connection."""
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        self.acceptor.close()
        if ec:
            return fail(ec, "server accept")
        self.socket = socket
        self.do_read()

    def do_read(self) -> None:
        assert self.socket is not None
        self.socket.async_read_some(net.buffer(self.data), self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        assert self.socket is not None
        if ec:
            # eof: the client closed the connection. Nothing was ever sent back.
            self.socket.close()
            return
        self.do_read()


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the session ended (as Beast's examples, also after a
        failure it reported: here, the timeout), 1 for a wrong command line.
    """
    parser = argparse.ArgumentParser(
        prog="timeout_tcp_stream.py",
        description="A read that times out: beast.tcp_stream against a silent peer.",
    )
    parser.add_argument("host", nargs="?", help="the peer (default: a silent server of our own)")
    parser.add_argument("port", nargs="?", help="the peer's port")
    parser.add_argument(
        "--timeout", type=float, default=TIMEOUT, help=f"seconds per step (default {TIMEOUT})"
    )
    try:
        args = parser.parse_args(argv)
        if (args.host is None) != (args.port is None):
            parser.error("give both host and port, or neither")
    except SystemExit as exc:  # --help (0) or a wrong command line (argparse said why)
        return 0 if exc.code == 0 else 1

    ioc = net.io_context()

    host, port = args.host, args.port
    if host is None:
        server = silent_server(ioc)
        server.run()
        ep = server.local_endpoint()
        host, port = str(ep.address()), str(ep.port())

    session(ioc, args.timeout).run(host, port)

    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
