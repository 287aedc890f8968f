"""Example: chat client on POSIX descriptors (Asio's ``cpp11/chat/posix_chat_client.cpp``).

Sends each line of standard input to a chat server (``chat_server.py``) and writes every
message the room sends to standard output, until standard input ends::

    python examples/posix_chat_client.py 127.0.0.1 8080

Unlike ``chat_client.py``, which reads the terminal on the main thread while the
io_context runs on another, everything here runs on the io_context: standard input and
output are ``posix.stream_descriptor`` objects (over ``os.dup`` copies of descriptors 0
and 1, as the C++ uses ``::dup``), read with ``async_read_until`` and written with
``async_write``. A line longer than a message body (512 bytes) is sent in pieces: the
input buffer is limited to that size, and a full buffer without a newline ends the
read with ``not_found``, as in the C++.

The message format (``chat_message``) is in ``chat_message.py``, shared with the other
chat examples as the C++ header is.
"""

from __future__ import annotations

import os
import sys

# The script's own folder is on sys.path (python examples/posix_chat_client.py), as the
# tests put it: chat_message.py is found next to this file.
from chat_message import chat_message

import asiolike as net
from asiolike import posix
from asiolike.ip import tcp


class posix_chat_client:
    """Connects to a chat server; standard input to the room, the room to standard output.

    Args:
        io_context: The io_context running the client.
        endpoints: The server's endpoints, tried in order.
    """

    def __init__(self, io_context: net.io_context, endpoints: tcp.resolver.results_type) -> None:
        self.socket = tcp.socket(io_context)
        self.input = posix.stream_descriptor(io_context, os.dup(0))
        self.output = posix.stream_descriptor(io_context, os.dup(1))
        self.input_buffer = net.streambuf(chat_message.max_body_length)
        self.read_msg = chat_message()
        self.write_msg = chat_message()
        net.async_connect(self.socket, endpoints, self.handle_connect)

    def handle_connect(self, error: net.error_code, endpoint: tcp.endpoint | None) -> None:
        if not error:
            # Read the first message header from the server.
            header = self.read_msg.data()[: chat_message.header_length]
            net.async_read(self.socket, header, self.handle_read_header)

            # Read a line of input entered by the user.
            net.async_read_until(self.input, self.input_buffer, b"\n", self.handle_read_input)
        else:
            self.close()

    def handle_read_header(self, error: net.error_code, length: int) -> None:
        if not error and self.read_msg.decode_header():
            # Read the body of the message from the server.
            body = self.read_msg.body()[: self.read_msg.body_length()]
            net.async_read(self.socket, body, self.handle_read_body)
        else:
            self.close()

    def handle_read_body(self, error: net.error_code, length: int) -> None:
        if not error:
            # Write out the message we just received, terminated by a newline.
            body = self.read_msg.body()[: self.read_msg.body_length()]
            net.async_write(self.output, [body, b"\n"], self.handle_write_output)
        else:
            self.close()

    def handle_write_output(self, error: net.error_code, length: int) -> None:
        if not error:
            # Read the next message header from the server.
            header = self.read_msg.data()[: chat_message.header_length]
            net.async_read(self.socket, header, self.handle_read_header)
        else:
            self.close()

    def handle_read_input(self, error: net.error_code, length: int) -> None:
        if not error:
            # Write the message (minus the newline) to the server.
            self._send_input(length - 1)
            self.input_buffer.consume(1)  # the newline
        elif error == net.error.not_found:
            # The buffer is full and holds no newline: send what we have.
            self._send_input(self.input_buffer.size())
        else:
            self.close()

    def _send_input(self, body_length: int) -> None:
        self.write_msg.body_length(body_length)
        self.write_msg.body()[:body_length] = self.input_buffer.data()[:body_length]
        self.input_buffer.consume(body_length)
        self.write_msg.encode_header()
        message = self.write_msg.data()[: self.write_msg.length()]
        net.async_write(self.socket, message, self.handle_write)

    def handle_write(self, error: net.error_code, length: int) -> None:
        if not error:
            # Read the next line of input.
            net.async_read_until(self.input, self.input_buffer, b"\n", self.handle_read_input)
        else:
            self.close()

    def close(self) -> None:
        # Cancel all outstanding asynchronous operations.
        self.socket.close()
        self.input.close()
        self.output.close()


def main(argv: list[str] | None = None) -> int:
    """Run the client; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once standard input ended (or the server went away), 1 for a
        wrong command line or a host that cannot be resolved.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print("Usage: posix_chat_client <host> <port>", file=sys.stderr)
        return 1

    try:
        io_context = net.io_context()

        resolver = tcp.resolver(io_context)
        endpoints = resolver.resolve(args[0], args[1])

        posix_chat_client(io_context, endpoints)

        io_context.run()
    except net.system_error as e:
        print(f"Exception: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
