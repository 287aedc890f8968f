"""Example: multicast receiver (Asio's ``cpp11/multicast/receiver.cpp``).

Joins a multicast group and prints every datagram sent to it::

    python examples/multicast_receiver.py 0.0.0.0 239.255.0.1
    python examples/multicast_receiver.py 0::0 ff31::8000:1234

Run ``multicast_sender.py`` with the same group to see the messages. As in the C++,
the port is 30001; ``--port`` picks another (0: a free one), ``--interface`` joins on
the interface with that IPv4 address (``127.0.0.1``: the loopback interface, for a
machine without a multicast route) and ``--messages N`` exits after N messages (the
C++ runs until it is killed). Once it has joined it prints ``listening on
<address>:<port>``.

Several receivers can run on one machine: the socket sets ``reuse_address`` before
binding, as the C++ does.
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike import ip
from asiolike.ip import udp

#: The group's port, as the C++ ``constexpr short multicast_port = 30001``.
multicast_port = 30001


class receiver:
    """Receives the group's datagrams and prints each on a line.

    Args:
        io_context: The io_context running the receiver.
        listen_address: The local address to bind (``0.0.0.0`` or ``::``).
        multicast_address: The group to join.
        port: The group's port.
        interface: For an IPv4 group, the local interface's address to join on.
        messages: Stop after this many messages (None: never).
    """

    def __init__(
        self,
        io_context: net.io_context,
        listen_address: ip.address,
        multicast_address: ip.address,
        port: int = multicast_port,
        interface: ip.address_v4 | None = None,
        messages: int | None = None,
    ) -> None:
        self.socket = udp.socket(io_context)
        self.sender_endpoint = udp.endpoint()
        self.data = bytearray(1024)
        self.messages = messages

        # Create the socket so that multiple may be bound to the same address.
        listen_endpoint = udp.endpoint(listen_address, port)
        self.socket.open(listen_endpoint.protocol())
        self.socket.set_option(udp.socket.reuse_address(True))
        self.socket.bind(listen_endpoint)

        # Join the multicast group.
        if interface is None:
            self.socket.set_option(ip.multicast.join_group(multicast_address))
        else:
            self.socket.set_option(ip.multicast.join_group(multicast_address.to_v4(), interface))

        self.do_receive()

    def do_receive(self) -> None:
        def handler(ec: net.error_code, length: int, sender: udp.endpoint) -> None:
            if not ec:
                self.sender_endpoint = sender
                print(bytes(self.data[:length]).decode("utf-8", "replace"), flush=True)
                if self.messages is not None:
                    self.messages -= 1
                    if self.messages == 0:
                        self.socket.close()
                        return
                self.do_receive()

        self.socket.async_receive_from(net.buffer(self.data), handler)


def main(argv: list[str] | None = None) -> int:
    """Run the receiver; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the io_context ran out of work (with ``--messages``), 1 for
        a wrong command line or a failure (printed as ``Exception: ...``).
    """
    parser = argparse.ArgumentParser(
        prog="multicast_receiver.py", description="Asio's multicast receiver."
    )
    parser.add_argument("listen_address", help="e.g. 0.0.0.0 or 0::0")
    parser.add_argument("multicast_address", help="e.g. 239.255.0.1 or ff31::8000:1234")
    parser.add_argument("--port", type=int, default=multicast_port)
    parser.add_argument("--interface", help="the IPv4 address of the interface to join on")
    parser.add_argument("--messages", type=int, metavar="N", help="exit after N messages")
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context()
        interface = None if args.interface is None else ip.make_address_v4(args.interface)
        r = receiver(
            io_context,
            ip.make_address(args.listen_address),
            ip.make_address(args.multicast_address),
            args.port,
            interface,
            args.messages,
        )
        ep = r.socket.local_endpoint()
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
