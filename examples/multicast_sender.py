"""Example: multicast sender (Asio's ``cpp11/multicast/sender.cpp``).

Sends ten messages to a multicast group, one a second::

    python examples/multicast_sender.py 239.255.0.1
    python examples/multicast_sender.py ff31::8000:1234

As in the C++, the port is 30001; ``--port`` picks another, ``--interval`` the pause
between messages in seconds, and ``--interface`` sends from the interface with that
IPv4 address (``127.0.0.1``: the loopback interface, for a machine without a multicast
route). ``multicast_receiver.py`` prints what arrives.
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike import ip
from asiolike.ip import udp

#: The group's port, as the C++ ``constexpr short multicast_port = 30001``.
multicast_port = 30001
#: How many messages to send, as the C++ ``constexpr int max_message_count = 10``.
max_message_count = 10


class sender:
    """Sends ``Message 0`` ... ``Message 9`` to the group, waiting between them.

    Args:
        io_context: The io_context running the sender.
        multicast_address: The group.
        port: The group's port.
        interval: Seconds between two messages.
        interface: For an IPv4 group, the local interface's address to send from.
    """

    def __init__(
        self,
        io_context: net.io_context,
        multicast_address: ip.address,
        port: int = multicast_port,
        interval: float = 1.0,
        interface: ip.address_v4 | None = None,
    ) -> None:
        self.endpoint = udp.endpoint(multicast_address, port)
        self.socket = udp.socket(io_context, self.endpoint.protocol())
        self.timer = net.steady_timer(io_context)
        self.interval = interval
        self.message_count = 0
        self.message = b""
        if interface is not None:
            self.socket.set_option(ip.multicast.outbound_interface(interface))
        self.do_send()

    def do_send(self) -> None:
        self.message = f"Message {self.message_count}".encode()
        self.message_count += 1

        def handler(ec: net.error_code, length: int) -> None:
            if not ec and self.message_count < max_message_count:
                self.do_timeout()

        self.socket.async_send_to(net.buffer(self.message), self.endpoint, handler)

    def do_timeout(self) -> None:
        def handler(ec: net.error_code) -> None:
            if not ec:
                self.do_send()

        self.timer.expires_after(self.interval)
        self.timer.async_wait(handler)


def main(argv: list[str] | None = None) -> int:
    """Run the sender; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 after the last message, 1 for a wrong command line or a
        failure (printed as ``Exception: ...``).
    """
    parser = argparse.ArgumentParser(
        prog="multicast_sender.py", description="Asio's multicast sender."
    )
    parser.add_argument("multicast_address", help="e.g. 239.255.0.1 or ff31::8000:1234")
    parser.add_argument("--port", type=int, default=multicast_port)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between messages")
    parser.add_argument("--interface", help="the IPv4 address of the interface to send from")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context()
        interface = None if args.interface is None else ip.make_address_v4(args.interface)
        sender(
            io_context, ip.make_address(args.multicast_address), args.port, args.interval, interface
        )
        io_context.run()
    except (net.system_error, ValueError) as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
