"""Example: an asynchronous UDP daytime server (Asio's tutorial, Daytime.6).

Answers every datagram with the current time, as ``ctime()`` writes it::

    python examples/daytime6_udp_server_async.py        # port 13: needs root
    python examples/daytime6_udp_server_async.py 9013 --requests 2

Once bound it prints ``listening on <address>:<port>`` (port 0 picks a free one). As in
``daytime5_udp_server_sync.py``, the port is an optional argument, the address is
127.0.0.1 unless ``--address`` says otherwise, and ``--requests N`` stops the server
after N answers have been sent.

The C++ keeps each reply alive in a ``shared_ptr<std::string>`` bound into the send's
handler; here ``handle_send`` receives the message the same way (through
``functools.partial``), so the buffer lives until the send completes. As in the C++,
the next receive starts without waiting for the reply to go out.
"""

from __future__ import annotations

import argparse
import functools
import sys
import time

import asiolike as net
from asiolike.ip import make_address, udp


def make_daytime_string() -> str:
    """The current local time, as C's ``ctime()`` formats it (with its newline)."""
    return time.ctime() + "\n"


class udp_server:
    """Answers each datagram with the time.

    Args:
        io_context: The io_context running the server.
        endpoint: Where to bind.
        requests: Stop after this many answers have been sent (None: never).
    """

    def __init__(
        self, io_context: net.io_context, endpoint: udp.endpoint, requests: int | None = None
    ) -> None:
        self.socket = udp.socket(io_context, endpoint)
        self.remote_endpoint = udp.endpoint()
        self.recv_buffer = bytearray(1)
        self.requests = requests
        self.start_receive()

    def start_receive(self) -> None:
        self.socket.async_receive_from(net.buffer(self.recv_buffer), self.handle_receive)

    def handle_receive(self, error: net.error_code, length: int, sender: udp.endpoint) -> None:
        if not error:
            self.remote_endpoint = sender
            message = make_daytime_string().encode()

            self.socket.async_send_to(
                net.buffer(message),
                self.remote_endpoint,
                functools.partial(self.handle_send, message),
            )

            if self.requests is not None:
                self.requests -= 1
                if self.requests == 0:
                    return  # the last answer is on its way: receive no more
            self.start_receive()

    def handle_send(self, message: bytes, error: net.error_code, bytes_transferred: int) -> None:
        if self.requests == 0:
            self.socket.close()


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the io_context ran out of work (after ``--requests``
        answers), 1 for a wrong command line or an endpoint that cannot be bound.
    """
    parser = argparse.ArgumentParser(
        prog="daytime6_udp_server_async.py", description="Asio's asynchronous UDP daytime server."
    )
    parser.add_argument("port", type=int, nargs="?", default=13)
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--requests", type=int, metavar="N", help="stop after N answers")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context()
        server = udp_server(
            io_context, udp.endpoint(make_address(args.address), args.port), args.requests
        )
        ep = server.socket.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)
        io_context.run()
    except (net.system_error, ValueError) as e:
        print(e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
