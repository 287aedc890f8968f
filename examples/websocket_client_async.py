"""Example: WebSocket client, asynchronous (Beast's ``websocket_client_async.cpp``).

Connects to ``<host>:<port>``, sends ``<text>`` as one message, prints the message the
server answers with, and closes the connection cleanly::

    python examples/websocket_client_async.py 127.0.0.1 8080 "Hello, world!"

The ``session`` keeps Beast's shape: one method per step of the conversation, each the
completion handler of the step before, and one ``fail(ec, what)`` that reports an error.
Where the C++ keeps the session alive with ``shared_from_this()``, the bound methods
passed as handlers keep ``self`` alive here.

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import tcp

_USER_AGENT = f"asiolike/{net.__version__} websocket-client-async"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Sends a WebSocket message and prints the response.

    Args:
        ioc: The io_context running the session. The resolver and the stream each get a
            strand of it, as in Beast, so the example stays correct with several threads.
    """

    def __init__(self, ioc: net.io_context) -> None:
        self.resolver = tcp.resolver(net.make_strand(ioc))
        self.ws = websocket.stream(beast.tcp_stream(net.make_strand(ioc)))
        self.buffer = beast.flat_buffer()
        self.host = ""
        self.text = ""

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.ws).close()

    def run(self, host: str, port: str, text: str) -> None:
        """Start the conversation: resolve, connect, handshake, write, read, close."""
        # Kept for later steps: the Host field of the handshake, and the message.
        self.host = host
        self.text = text

        self.resolver.async_resolve(host, port, self.on_resolve)

    def on_resolve(self, ec: net.error_code, results: tcp.resolver.results_type) -> None:
        if ec:
            return self.fail(ec, "resolve")

        # The connect gets a deadline of its own from the tcp_stream ...
        beast.get_lowest_layer(self.ws).expires_after(30)

        # ... and tries each address the lookup gave until one accepts.
        beast.get_lowest_layer(self.ws).async_connect(results, self.on_connect)

    def on_connect(self, ec: net.error_code, ep: tcp.endpoint | None) -> None:
        if ec:
            return self.fail(ec, "connect")
        assert ep is not None

        # From here on the websocket stream times out by itself: switch the tcp_stream's
        # deadline off, or it would cut the connection in the middle of the conversation.
        beast.get_lowest_layer(self.ws).expires_never()

        # Beast's suggested timeouts for a client.
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.client))

        # Say who we are in the upgrade request.
        def decorate(req: websocket.request_type) -> None:
            req.set(http.field.user_agent, _USER_AGENT)

        self.ws.set_option(websocket.stream_base.decorator(decorate))

        # The Host field carries the port too (RFC 7230 section 5.4).
        self.host += f":{ep.port()}"

        self.ws.async_handshake(self.host, "/", self.on_handshake)

    def on_handshake(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "handshake")

        self.ws.async_write(self.text, self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # The answer is appended to our buffer.
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "read")

        self.ws.async_close(websocket.close_code.normal, self.on_close)

    def on_close(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "close")

        # Reaching this point means the connection was closed gracefully.
        print(beast.make_printable(self.buffer.data()))


def main(argv: list[str]) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the session ended (as the C++, also after a failure it
        reported), 1 for a wrong command line.
    """
    if len(argv) != 3:
        print(
            "Usage: websocket_client_async.py <host> <port> <text>\n"
            "Example:\n"
            '    websocket_client_async.py 127.0.0.1 8080 "Hello, world!"',
            file=sys.stderr,
        )
        return 1
    host, port, text = argv

    # The io_context is required for all I/O.
    ioc = net.io_context()

    # Launch the asynchronous operation.
    session(ioc).run(host, port, text)

    # Run the I/O service. The call returns when the socket is closed.
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
