"""Example: UDP echo client, blocking (Asio's ``cpp11/echo/blocking_udp_echo_client.cpp``).

Reads one line, sends it as a datagram to an echo server
(``udp_echo_server_async.py``) and prints the reply::

    python examples/udp_echo_client_blocking.py 127.0.0.1 9000

The synchronous calls need no ``run()``: ``send_to`` and ``receive_from`` block, and
raise ``net.system_error`` on failure, as the C++ calls throw ``system_error``.
``receive_from`` returns the sender with the length, where the C++ writes it into a
variable passed by reference.
"""

from __future__ import annotations

import sys

import asiolike as net
from asiolike.ip import udp

#: The most bytes sent and received, as the C++ ``enum { max_length = 1024 }``.
max_length = 1024


def main(argv: list[str] | None = None) -> int:
    """Run the client; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 after printing the reply, 1 for a wrong command line or a
        failure (printed as ``Exception: ...``).
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("Usage: blocking_udp_echo_client <host> <port>", file=sys.stderr)
        return 1

    try:
        io_context = net.io_context()

        s = udp.socket(io_context, udp.endpoint(udp.v4(), 0))

        resolver = udp.resolver(io_context)
        endpoints = resolver.resolve(udp.v4(), args[0], args[1])

        print("Enter message: ", end="", flush=True)
        request = sys.stdin.readline().rstrip("\r\n").encode()[:max_length]
        s.send_to(net.buffer(request), endpoints[0].endpoint())

        reply = bytearray(max_length)
        reply_length, _sender_endpoint = s.receive_from(net.buffer(reply))
        print("Reply is: ", end="")
        print(bytes(reply[:reply_length]).decode("utf-8", "replace"))
        s.close()
    except net.system_error as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
