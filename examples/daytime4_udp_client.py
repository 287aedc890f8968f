"""Example: a synchronous UDP daytime client (Asio's tutorial, Daytime.4).

Asks a daytime server for the time with an empty request and prints the answer::

    python examples/daytime4_udp_client.py localhost
    python examples/daytime4_udp_client.py 127.0.0.1 9013

The C++ takes the host and always asks the ``daytime`` service (port 13, which a server
can only bind as root); the optional second argument names another service or port,
for the servers of ``daytime5_udp_server_sync.py`` and ``daytime6_udp_server_async.py``
started on a free port.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike.ip import udp


def main(argv: list[str] | None = None) -> int:
    """Run the client; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 after printing the time, 1 for a wrong command line or a
        failure (printed on stderr, as the C++ prints the exception).
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) not in (1, 2):
        print("Usage: client <host> [service]", file=sys.stderr)
        return 1

    try:
        io_context = net.io_context()

        resolver = udp.resolver(io_context)
        service = args[1] if len(args) == 2 else "daytime"
        receiver_endpoint = resolver.resolve(udp.v4(), args[0], service)[0].endpoint()

        socket = udp.socket(io_context)
        socket.open(udp.v4())

        send_buf = bytes(1)
        socket.send_to(net.buffer(send_buf), receiver_endpoint)

        recv_buf = bytearray(128)
        length, _sender_endpoint = socket.receive_from(net.buffer(recv_buf))

        sys.stdout.write(bytes(recv_buf[:length]).decode("ascii", "replace"))
        sys.stdout.flush()
        socket.close()
    except net.system_error as e:
        print(e, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
