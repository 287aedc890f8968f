"""Example: a synchronous UDP daytime server (Asio's tutorial, Daytime.5).

Answers every datagram with the current time, as ``ctime()`` writes it::

    python examples/daytime5_udp_server_sync.py         # port 13: needs root
    python examples/daytime5_udp_server_sync.py 9013 --requests 2

Once bound it prints ``listening on <address>:<port>`` (port 0 picks a free one). The
C++ binds port 13 on every IPv4 address and serves forever; this port takes the port as
an optional argument, binds 127.0.0.1 unless ``--address`` says otherwise, and stops
after ``--requests N`` answers if given.

The C++ ignores a failed reply by passing an ``error_code`` it never looks at; here the
``system_error`` is caught and dropped.
"""

from __future__ import annotations

import argparse
import sys
import time

import asiolike as net
from asiolike.ip import make_address, udp


def make_daytime_string() -> str:
    """The current local time, as C's ``ctime()`` formats it (with its newline)."""
    return time.ctime() + "\n"


def main(argv: list[str] | None = None) -> int:
    """Run the server; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 after ``--requests`` answers, 1 for a wrong command line or
        an endpoint that cannot be bound.
    """
    parser = argparse.ArgumentParser(
        prog="daytime5_udp_server_sync.py", description="Asio's synchronous UDP daytime server."
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

        socket = udp.socket(io_context, udp.endpoint(make_address(args.address), args.port))
        ep = socket.local_endpoint()
        print(f"listening on {ep.address()}:{ep.port()}", flush=True)

        answered = 0
        while args.requests is None or answered < args.requests:
            recv_buf = bytearray(1)
            _length, remote_endpoint = socket.receive_from(net.buffer(recv_buf))

            message = make_daytime_string().encode()

            try:
                socket.send_to(net.buffer(message), remote_endpoint, 0)
            except net.system_error:
                pass  # the C++ passes an ignored_error
            answered += 1
        socket.close()
    except (net.system_error, ValueError) as e:
        print(e, file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
