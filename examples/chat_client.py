"""Example: chat client (Asio's ``cpp11/chat/chat_client.cpp`` and ``chat_message.hpp``).

Sends each line of standard input to a chat server (``chat_server.py``) and prints every
message the room sends, until standard input ends::

    python examples/chat_client.py 127.0.0.1 8080

As in C++, the io_context runs on a thread of its own while the main thread reads the
terminal; ``write`` and ``close`` hand their work to the io_context's thread with
``net.post``, since the client's socket and write queue may only be used from there.
The write queue (``write_msgs``) works as the server's: a new message starts
``do_write`` only when the queue was empty.

The wire format (``chat_message``): a 4-byte header holding the body length as ASCII
decimal, right-aligned (``"%4d"``), then at most 512 bytes of body; a longer line is cut
to 512 bytes. It lives in ``chat_message.py``, shared by the server and the
client as the C++ header is.

The C++ handlers are lambdas capturing ``this``; here they are nested functions.
"""

from __future__ import annotations

import sys
import threading
from collections import deque

# The script's own folder is on sys.path (python examples/chat_client.py), as the
# tests put it: chat_message.py is found next to this file.
from chat_message import chat_message

import asiolike as net
from asiolike.ip import tcp

# -- chat_client.cpp -----------------------------------------------------------------------

chat_message_queue = deque[chat_message]


class chat_client:
    """Connects to a chat server, prints what the room says, writes what it is given.

    Args:
        io_context: The io_context running the client (on another thread).
        endpoints: The server's endpoints, tried in order.
    """

    def __init__(self, io_context: net.io_context, endpoints: tcp.resolver.results_type) -> None:
        self.io_context = io_context
        self.socket = tcp.socket(io_context)
        self.read_msg = chat_message()
        self.write_msgs: chat_message_queue = deque()
        self.do_connect(endpoints)

    def write(self, msg: chat_message) -> None:
        """Queue a message for the server. Safe from any thread."""

        def handler() -> None:
            write_in_progress = bool(self.write_msgs)
            self.write_msgs.append(msg)
            if not write_in_progress:
                self.do_write()

        net.post(self.io_context, handler)

    def close(self) -> None:
        """Close the connection; the io_context then runs out of work. Safe from any thread."""
        net.post(self.io_context, self.socket.close)

    def do_connect(self, endpoints: tcp.resolver.results_type) -> None:
        def handler(ec: net.error_code, endpoint: tcp.endpoint | None) -> None:
            if not ec:
                self.do_read_header()

        net.async_connect(self.socket, endpoints, handler)

    def do_read_header(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec and self.read_msg.decode_header():
                self.do_read_body()
            else:
                self.socket.close()

        header = self.read_msg.data()[: chat_message.header_length]
        net.async_read(self.socket, header, handler)

    def do_read_body(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec:
                body = self.read_msg.body()[: self.read_msg.body_length()]
                print(bytes(body).decode("utf-8", "replace"), flush=True)
                self.do_read_header()
            else:
                self.socket.close()

        body = self.read_msg.body()[: self.read_msg.body_length()]
        net.async_read(self.socket, body, handler)

    def do_write(self) -> None:
        def handler(ec: net.error_code, length: int) -> None:
            if not ec:
                self.write_msgs.popleft()
                if self.write_msgs:
                    self.do_write()
            else:
                self.socket.close()

        msg = self.write_msgs[0]
        net.async_write(self.socket, msg.data()[: msg.length()], handler)


def main(argv: list[str] | None = None) -> int:
    """Run the client; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once standard input ended and the connection was closed, 1 for
        a wrong command line or a host that cannot be resolved.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("Usage: chat_client.py <host> <port>", file=sys.stderr)
        return 1

    try:
        io_context = net.io_context()

        resolver = tcp.resolver(io_context)
        endpoints = resolver.resolve(args[0], args[1])
        c = chat_client(io_context, endpoints)

        t = threading.Thread(target=io_context.run)
        t.start()

        for line in sys.stdin:
            msg = chat_message()
            data = line.rstrip("\r\n").encode()
            msg.body_length(len(data))
            msg.body()[: msg.body_length()] = data[: msg.body_length()]
            msg.encode_header()
            c.write(msg)

        c.close()
        t.join()
    except net.system_error as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
