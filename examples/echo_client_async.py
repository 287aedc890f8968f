"""Example: TCP echo client, asynchronous (Asio's ``cpp11/echo/blocking_tcp_echo_client.cpp``).

Sends one message to an echo server (``echo_server_async.py``) and prints the reply::

    python examples/echo_client_async.py 127.0.0.1 8080 "hello"
    echo hello | python examples/echo_client_async.py 127.0.0.1 8080

The C++ client is blocking: it resolves, connects, reads a line from standard input,
writes it and reads as many bytes back. This port makes the same steps asynchronous, in
Beast's session shape: one method per step (``on_resolve``, ``on_connect``, ``on_write``,
``on_read``), each the completion handler of the step before, and one
``fail(ec, what)``. The message comes from the command line, or else, as in C++, from
a line of standard input after the ``Enter message:`` prompt; it is read before the
io_context runs, since reading the terminal from a handler would block the loop.
Python has no destructor that runs at a known time, so the client closes its socket
itself when it is done, where the C++ lets ``s`` go out of scope: a step that fails calls
``self.fail(ec, what)``, which reports with the module's ``fail`` and closes the socket,
as the other examples' sessions do.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike.ip import tcp

#: The longest message, in bytes, as the C++ ``enum { max_length = 1024 }``.
max_length = 1024


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class client:
    """Sends one request to an echo server and prints the reply.

    Args:
        io_context: The io_context running the client.
    """

    def __init__(self, io_context: net.io_context) -> None:
        self.resolver = tcp.resolver(io_context)
        self.socket = tcp.socket(io_context)
        self.request = b""
        self.reply = bytearray(max_length)

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        self.socket.close()

    def run(self, host: str, port: str, request: bytes) -> None:
        """Start the operation: resolve, connect, write the request, read the reply."""
        self.request = request[:max_length]
        self.resolver.async_resolve(host, port, self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            return self.fail(ec, "resolve")

        # Try each endpoint of the lookup until one accepts.
        net.async_connect(self.socket, results, self.on_connect)

    def on_connect(self, ec: net.error_code, endpoint: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")

        net.async_write(self.socket, self.request, self.on_write)

    def on_write(self, ec: net.error_code, request_length: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # Read exactly as many bytes as were sent: the whole echo.
        net.async_read(self.socket, net.buffer(self.reply, request_length), self.on_read)

    def on_read(self, ec: net.error_code, reply_length: int) -> None:
        if ec:
            return self.fail(ec, "read")
        self.socket.close()

        print("Reply is: " + self.reply[:reply_length].decode("utf-8", "replace"))


def main(argv: list[str] | None = None) -> int:
    """Run the client; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the exchange ended (as the C++, also after a failure it
        reported), 1 for a wrong command line.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (2, 3):
        print("Usage: echo_client_async.py <host> <port> [<message>]", file=sys.stderr)
        return 1
    host, port = args[:2]
    if len(args) == 3:
        request = args[2]
    else:
        print("Enter message: ", end="", flush=True)
        request = sys.stdin.readline().rstrip("\r\n")

    io_context = net.io_context()
    client(io_context).run(host, port, request.encode())
    io_context.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
