"""Example: UDP echo server, asynchronous (Asio's ``cpp11/echo/async_udp_echo_server.cpp``).

Sends every datagram back to whoever sent it::

    python examples/udp_echo_server_async.py 9000
    python examples/udp_echo_server_async.py 0 --datagrams 3

Once bound it prints ``listening on <address>:<port>`` with the port actually bound
(``0`` picks a free one), so that a script or a test can wait for that line. The C++
binds every IPv4 address (``udp::v4()``); this port binds 127.0.0.1 unless ``--address
0.0.0.0`` says otherwise. ``--datagrams N`` stops it after echoing N datagrams (the C++
runs until it is killed; so does this port without the option).

The C++ receives the sender into a member (``sender_endpoint_``) that the operation
writes through a reference; here the handler gets the sender as its third argument and
the server keeps it for the reply, as the C++ member does. The C++ handlers are lambdas
capturing ``this``; here they are nested functions.
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike.ip import make_address, udp

#: The size of the receive buffer, as the C++ ``enum { max_length = 1024 }``.
max_length = 1024


class server:
    """Echoes each datagram to its sender.

    Args:
        io_context: The io_context running the server.
        endpoint: Where to bind.
        datagrams: Stop after echoing this many datagrams (None: never).
    """

    def __init__(
        self, io_context: net.io_context, endpoint: udp.endpoint, datagrams: int | None
    ) -> None:
        self.socket = udp.socket(io_context, endpoint)
        self.data = bytearray(max_length)
        self.sender_endpoint = udp.endpoint()
        self.datagrams = datagrams
        self.do_receive()

    def do_receive(self) -> None:
        def handler(ec: net.error_code, bytes_recvd: int, sender: udp.endpoint) -> None:
            self.sender_endpoint = sender
            if not ec and bytes_recvd > 0:
                self.do_send(bytes_recvd)
            else:
                self.do_receive()

        self.socket.async_receive_from(net.buffer(self.data), handler)

    def do_send(self, length: int) -> None:
        def handler(ec: net.error_code, bytes_sent: int) -> None:
            if self.datagrams is not None:
                self.datagrams -= 1
                if self.datagrams == 0:
                    self.socket.close()
                    return
            self.do_receive()

        self.socket.async_send_to(net.buffer(self.data, length), self.sender_endpoint, handler)


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the io_context ran out of work (with ``--datagrams``),
        1 for a wrong command line or an endpoint that cannot be bound.
    """
    parser = argparse.ArgumentParser(
        prog="udp_echo_server_async.py", description="Asio's asynchronous UDP echo server."
    )
    parser.add_argument("port", type=int, help="the port to bind (0: any free port)")
    parser.add_argument("--address", default="127.0.0.1", help="the address to bind")
    parser.add_argument("--datagrams", type=int, metavar="N", help="stop after N echoes")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a wrong command line (argparse said why)
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context()
        s = server(io_context, udp.endpoint(make_address(args.address), args.port), args.datagrams)
        ep = s.socket.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
        io_context.run()
    except (net.system_error, ValueError) as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
