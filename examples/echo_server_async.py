"""Example: TCP echo server, asynchronous (Asio's ``cpp11/echo/async_tcp_echo_server.cpp``).

Sends back whatever each client sends, until the client closes::

    python examples/echo_server_async.py 8080
    python examples/echo_server_async.py 0 --connections 1

Once listening it prints ``listening on <address>:<port>`` with the port actually bound
(``0`` picks a free one), so that a script or a test can wait for that line and connect.
The C++ listens on every IPv4 address (``tcp::v4()``); this port listens on 127.0.0.1
unless ``--address 0.0.0.0`` says otherwise. ``--connections N`` makes the server stop
accepting after N connections, so that it exits once those have ended (the C++ runs
until it is killed; so does this port without the option).

The C++ handlers are lambdas capturing ``this`` and ``self`` (a ``shared_ptr`` that keeps
the session alive); here they are nested functions, which capture ``self`` the same way.
Python has no destructor that runs at a known time, so the session closes its socket
itself when it ends, where the C++ lets the last ``shared_ptr`` go.

When ``accept`` fails, the server accepts again at once, as Asio's example does. That is
fine for an error about one connection, but a process out of descriptors (``ulimit -n``
reached, ``no_descriptors``) then fails again at once, at 100% CPU, until a descriptor is
free. ``python -m asiolike serve`` shows what a server that must stay up does instead: it
waits before accepting again (0.1 s doubling to 1 s).
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike.ip import make_address, tcp

#: The size of a session's read buffer, as the C++ ``enum { max_length = 1024 }``.
max_length = 1024


class session:
    """Echoes the data of one connection back to it.

    Args:
        socket: The accepted connection; the session owns it.
    """

    def __init__(self, socket: tcp.socket) -> None:
        self.socket = socket
        self.data = bytearray(max_length)

    def start(self) -> None:
        """Start the read/write loop."""
        self.do_read()

    def do_read(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec:
                self.do_write(length)
            else:
                # eof (the client closed) or an error: the session ends here.
                self.socket.close()

        self.socket.async_read_some(net.buffer(self.data), handler)

    def do_write(self, length: int) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec:
                self.do_read()
            else:
                self.socket.close()

        # async_write, unlike async_write_some, writes all `length` bytes.
        net.async_write(self.socket, net.buffer(self.data, length), handler)


class server:
    """Accepts connections and starts a :class:`session` for each.

    Args:
        io_context: The io_context running the server and its sessions.
        endpoint: Where to listen.
        connections: Stop accepting after this many connections (None: never).

    Raises:
        asiolike.system_error: The endpoint cannot be bound (in use, not local...).
    """

    def __init__(
        self, io_context: net.io_context, endpoint: tcp.endpoint, connections: int | None
    ) -> None:
        # Opens, sets reuse_address, binds and listens, as the C++ constructor does.
        self.acceptor = tcp.acceptor(io_context, endpoint)
        self.connections = connections
        self.do_accept()

    def do_accept(self) -> None:
        def handler(ec: net.error_code, socket: tcp.socket) -> None:
            if not ec:
                session(socket).start()
                if self.connections is not None:
                    self.connections -= 1
                    if self.connections == 0:
                        self.acceptor.close()
                        return
            self.do_accept()

        self.acceptor.async_accept(handler)


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the io_context ran out of work (with ``--connections``,
        after the last session ended), 1 for a wrong command line or an endpoint that
        cannot be used.
    """
    parser = argparse.ArgumentParser(
        prog="echo_server_async.py", description="Asio's asynchronous TCP echo server."
    )
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument("--address", default="127.0.0.1", help="the address to listen on")
    parser.add_argument(
        "--connections", type=int, metavar="N", help="stop accepting after N connections"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a wrong command line (argparse said why)
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context()
        endpoint = tcp.endpoint(make_address(args.address), args.port)
        s = server(io_context, endpoint, args.connections)
        ep = s.acceptor.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
        io_context.run()
    except (net.system_error, ValueError) as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass  # Ctrl-C ends the server quietly, as SIGINT ends the C++ one
    return 0


if __name__ == "__main__":
    sys.exit(main())
