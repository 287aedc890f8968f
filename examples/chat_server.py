"""Example: chat server (Asio's ``cpp11/chat/chat_server.cpp`` and ``chat_message.hpp``).

Every message a client sends goes to every client in the room, the sender included;
a client that joins first gets the last 100 messages::

    python examples/chat_server.py 8080
    python examples/chat_server.py 8080 8081 --connections 2

One ``chat_server`` (and room) per port given; once listening each prints
``listening on <address>:<port>`` with the port actually bound (``0`` picks a free one),
so that a script or a test can wait for that line and connect. The C++ listens on every
IPv4 address (``tcp::v4()``); this port listens on 127.0.0.1 unless ``--address
0.0.0.0`` says otherwise. ``--connections N`` makes each server stop accepting after N
connections, so that the process exits once they have all left.

The wire format (``chat_message``): a 4-byte header holding the body length as ASCII
decimal, right-aligned (``"%4d"``), then at most 512 bytes of body. It lives in
``chat_message.py``, shared by the server and the client as the C++ header is.

Each ``chat_session`` has its own write queue (``write_msgs``): ``deliver`` appends to it
and starts ``do_write`` only when the queue was empty, since only one ``async_write``
may be in progress on a socket; ``do_write``'s handler writes the next message, if any.
Without the queue, two messages arriving in quick succession would interleave on the
wire.

The C++ handlers are lambdas capturing ``this`` and ``self``; here they are nested
functions. Python has no destructor that runs at a known time, so a session closes its
socket itself when it leaves the room.

When ``accept`` fails, the server accepts again at once, as Asio's example does. That is
fine for an error about one connection, but a process out of descriptors (``ulimit -n``
reached, ``no_descriptors``) then fails again at once, at 100% CPU, until a descriptor is
free. ``python -m asiolike serve`` shows what a server that must stay up does instead: it
waits before accepting again (0.1 s doubling to 1 s).
"""

from __future__ import annotations

import argparse
import sys
from collections import deque
from typing import Protocol

# The script's own folder is on sys.path (python examples/chat_server.py), as the
# tests put it: chat_message.py is found next to this file.
from chat_message import chat_message

import asiolike as net
from asiolike.ip import make_address, tcp

# -- chat_server.cpp -----------------------------------------------------------------------

chat_message_queue = deque[chat_message]


class chat_participant(Protocol):
    """Anything that can be in a room: it gets every message delivered to the room."""

    def deliver(self, msg: chat_message) -> None: ...


class chat_room:
    """The participants of one server and the recent messages."""

    max_recent_msgs = 100

    def __init__(self) -> None:
        self.participants: set[chat_participant] = set()
        self.recent_msgs: chat_message_queue = deque()

    def join(self, participant: chat_participant) -> None:
        """Add a participant and send it the recent messages."""
        self.participants.add(participant)
        for msg in self.recent_msgs:
            participant.deliver(msg)

    def leave(self, participant: chat_participant) -> None:
        """Remove a participant (leaving twice does nothing)."""
        self.participants.discard(participant)

    def deliver(self, msg: chat_message) -> None:
        """Keep a message in the history and send it to every participant."""
        self.recent_msgs.append(msg)
        while len(self.recent_msgs) > self.max_recent_msgs:
            self.recent_msgs.popleft()

        for participant in self.participants:
            participant.deliver(msg)


class chat_session:
    """One client's connection: reads its messages into the room, writes the room's out.

    Args:
        socket: The accepted connection; the session owns it.
        room: The room the session joins.
    """

    def __init__(self, socket: tcp.socket, room: chat_room) -> None:
        self.socket = socket
        self.room = room
        self.read_msg = chat_message()
        self.write_msgs: chat_message_queue = deque()

    def start(self) -> None:
        """Join the room and start reading messages."""
        self.room.join(self)
        self.do_read_header()

    def deliver(self, msg: chat_message) -> None:
        """Queue a message for this client; start writing unless a write is in progress."""
        write_in_progress = bool(self.write_msgs)
        self.write_msgs.append(msg)
        if not write_in_progress:
            self.do_write()

    def do_leave(self) -> None:
        """Leave the room and close the connection (the C++ destructor's part)."""
        self.room.leave(self)
        self.socket.close()

    def do_read_header(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec and self.read_msg.decode_header():
                self.do_read_body()
            else:
                self.do_leave()

        header = self.read_msg.data()[: chat_message.header_length]
        net.async_read(self.socket, header, handler)

    def do_read_body(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec:
                # The room and the write queues keep this message (the C++ copies it
                # into them): the next read gets a message of its own.
                self.room.deliver(self.read_msg)
                self.read_msg = chat_message()
                self.do_read_header()
            else:
                self.do_leave()

        body = self.read_msg.body()[: self.read_msg.body_length()]
        net.async_read(self.socket, body, handler)

    def do_write(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec:
                self.write_msgs.popleft()
                if self.write_msgs:
                    self.do_write()
            else:
                self.do_leave()

        msg = self.write_msgs[0]
        net.async_write(self.socket, msg.data()[: msg.length()], handler)


class chat_server:
    """Accepts connections into one room.

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
        self.acceptor = tcp.acceptor(io_context, endpoint)
        self.room = chat_room()
        self.connections = connections
        self.do_accept()

    def do_accept(self) -> None:
        def handler(ec: net.error_code, socket: tcp.socket) -> None:
            if not ec:
                chat_session(socket, self.room).start()
                if self.connections is not None:
                    self.connections -= 1
                    if self.connections == 0:
                        self.acceptor.close()
                        return
            self.do_accept()

        self.acceptor.async_accept(handler)


def main(argv: list[str] | None = None) -> int:
    """Run the servers; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the io_context ran out of work (with ``--connections``,
        after the last session left), 1 for a wrong command line or an endpoint that
        cannot be used.
    """
    parser = argparse.ArgumentParser(prog="chat_server.py", description="Asio's chat server.")
    parser.add_argument("port", type=int, nargs="+", help="a port to listen on (0: any)")
    parser.add_argument("--address", default="127.0.0.1", help="the address to listen on")
    parser.add_argument(
        "--connections", type=int, metavar="N", help="each server stops after N connections"
    )
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a wrong command line (argparse said why)
        return 0 if exc.code == 0 else 1

    try:
        io_context = net.io_context()
        servers = []
        for port in args.port:
            endpoint = tcp.endpoint(make_address(args.address), port)
            servers.append(chat_server(io_context, endpoint, args.connections))
            ep = servers[-1].acceptor.local_endpoint()
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
