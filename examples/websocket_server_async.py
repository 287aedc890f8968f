"""Example: WebSocket server, asynchronous (Beast's ``websocket_server_async.cpp``).

Echoes every message it receives, text as text and binary as binary::

    python examples/websocket_server_async.py 0.0.0.0 8080 1

Arguments: the address to listen on, the port (0 picks a free one) and the number of
threads that run the io_context. Once listening it prints ``listening on
<address>:<port>``, with the port actually bound, so that a script or a test can wait
for that line and connect.

A ``listener`` accepts connections; each one gets a ``session`` on a strand of its own,
so the example stays correct with several threads. As in Beast, the methods passed as
handlers keep their object alive (the C++ uses ``shared_from_this()``).

One departure from the C++: a step that fails calls ``self.fail(ec, what)``, which reports
with the module's ``fail`` and closes the connection at once. In C++ the session's
destructor closes the socket when its last handler lets go; a Python session freed by
reference counting does too, but one that sits in a reference cycle would keep its
descriptor until the garbage collector runs.

When ``accept`` fails, the listener reports it and stops accepting, as Beast's does: a
failure such as ``no_descriptors`` (``ulimit -n`` reached) would fail again at once, and
retrying at once would spin at 100% CPU. The process keeps serving the connections it
has; restart it to accept again. ``python -m asiolike serve`` shows the alternative: it
backs off (0.1 s doubling to 1 s) and accepts again once descriptors are free.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

_SERVER = f"asiolike/{net.__version__} websocket-server-async"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Echoes back all received WebSocket messages.

    Args:
        socket: The accepted connection; the session owns it from now on. Its executor
            (a strand, see :class:`listener`) runs every handler of the session.
    """

    def __init__(self, socket: tcp.socket) -> None:
        self.ws = websocket.stream(beast.tcp_stream(socket))
        self.buffer = beast.flat_buffer()

    def fail(self, ec: net.error_code, what: str) -> None:
        """Report a failure with :func:`fail` and close the connection at once."""
        fail(ec, what)
        beast.get_lowest_layer(self.ws).close()

    def run(self) -> None:
        """Start the session on its strand."""
        # The I/O objects of the session may only be used from within its strand.
        # Not needed with a single thread, but the example is thread-safe by default.
        net.dispatch(self.ws.get_executor(), self.on_run)

    def on_run(self) -> None:
        # Beast's suggested timeouts for a server: 30 s for the handshakes, and a
        # keep-alive ping after 150 s of silence, giving up after another 150 s.
        self.ws.set_option(websocket.stream_base.timeout.suggested(beast.role_type.server))

        # Say who we are in the upgrade response.
        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, _SERVER)

        self.ws.set_option(websocket.stream_base.decorator(decorate))

        self.ws.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            return self.fail(ec, "accept")

        self.do_read()

    def do_read(self) -> None:
        # The next message is appended to our (emptied) buffer.
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        # The peer closed the session: nothing left to do.
        if ec == websocket.error.closed:
            return

        if ec:
            return self.fail(ec, "read")

        # Echo the message, as text if it came as text.
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return self.fail(ec, "write")

        # Empty the buffer for the next message.
        self.buffer.consume(self.buffer.size())

        self.do_read()


class listener:
    """Accepts incoming connections and launches the sessions.

    Args:
        ioc: The io_context running the listener and the sessions.
        endpoint: Where to listen (port 0: a free port, see :meth:`local_endpoint`).

    A step of the setup that fails is reported with :func:`fail`; the listener then
    stays closed and :meth:`run` does nothing, as in Beast.
    """

    def __init__(self, ioc: net.io_context, endpoint: tcp.endpoint) -> None:
        self.ioc = ioc
        self.acceptor = tcp.acceptor(ioc)
        acceptor = self.acceptor

        steps: list[tuple[str, Callable[[], None]]] = [
            # Open the acceptor.
            ("open", lambda: acceptor.open(endpoint.protocol())),
            # Allow address reuse, so that a restarted server can bind at once.
            ("set_option", lambda: acceptor.set_option(net.socket_base.reuse_address(True))),
            # Bind to the server address.
            ("bind", lambda: acceptor.bind(endpoint)),
            # Start listening for connections.
            ("listen", lambda: acceptor.listen(net.socket_base.max_listen_connections)),
        ]
        for what, step in steps:
            try:
                step()
            except net.system_error as e:
                fail(e.code, what)
                acceptor.close()
                return

    def local_endpoint(self) -> tcp.endpoint:
        """The endpoint bound, with the port the system chose for port 0."""
        return self.acceptor.local_endpoint()

    def run(self) -> None:
        """Start accepting incoming connections."""
        if not self.acceptor.is_open():
            return
        self.do_accept()

    def do_accept(self) -> None:
        # The new connection gets its own strand.
        self.acceptor.async_accept(net.make_strand(self.ioc), self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec:
            fail(ec, "accept")
            return  # no retry: a failing acceptor would fail again at once, forever

        # Create the session and run it.
        session(socket).run()

        # Accept another connection.
        self.do_accept()


def main(argv: list[str]) -> int:
    """Run the server until the process is stopped; ``argv`` lacks the program name.

    Returns:
        The exit status: 1 for a wrong command line or an address that does not parse,
        0 when the io_context ran out of work (the listener could not be set up).
    """
    if len(argv) != 3:
        print(
            "Usage: websocket_server_async.py <address> <port> <threads>\n"
            "Example:\n"
            "    websocket_server_async.py 0.0.0.0 8080 1",
            file=sys.stderr,
        )
        return 1
    try:
        address = make_address(argv[0])
        port = int(argv[1])
        threads = max(1, int(argv[2]))
    except (ValueError, OSError) as e:
        print(f"websocket_server_async.py: {e}", file=sys.stderr)
        return 1

    # The io_context is required for all I/O.
    ioc = net.io_context(threads)

    # Create and launch a listening port.
    lst = listener(ioc, tcp.endpoint(address, port))
    if lst.acceptor.is_open():
        ep = lst.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    lst.run()

    # Run the I/O service on the requested number of threads.
    v = [threading.Thread(target=ioc.run, daemon=True) for _ in range(threads - 1)]
    for t in v:
        t.start()
    ioc.run()
    for t in v:
        t.join()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
