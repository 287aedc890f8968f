"""The WebSocket echo server that Autobahn's fuzzingclient tests (``wstest -m fuzzingclient``).

Usage::

    PYTHONPATH=. python tests/autobahn/echo_server.py [--address 127.0.0.1] [--port 9001]

Every message is echoed whole, text as text and binary as binary, compressed when the
client negotiated permessage-deflate. It prints ``listening on <address>:<port>`` (the
port actually bound, for ``--port 0``) once it accepts connections, and runs until it is
stopped. Errors of a session go to stderr; they are expected, since the fuzzer sends
broken frames on purpose and checks how the stream fails the connection.

Settings (as Beast's own Autobahn server, ``websocket_server_fast``):

* permessage-deflate on, both directions, every window size the client may ask for, at
  zlib level 3 as Beast's Autobahn settings, and memory level 8 (zlib's default): sections
  12 and 13 echo 1000 messages of up to 128 KiB per case, one at a time, and zlib is most
  of our time there. Our defaults (Beast's: level 8, memory level 4) compress those test
  files 2 to 10 times slower;
* ``read_message_max`` 64 MiB: case 9 sends messages of up to 16 MiB;
* ``auto_fragment(False)``: an echo goes out as one frame, as the fuzzer reports frame
  statistics but checks only the messages;
* no timeouts: a fuzzing case that stalls shows up in the report as failed instead of
  being cut by our own timer.
"""

from __future__ import annotations

import argparse
import sys

import asiolike as net
from asiolike import beast
from asiolike.beast import http, websocket
from asiolike.ip import make_address, tcp

READ_MESSAGE_MAX = 64 << 20
COMP_LEVEL = 3
MEM_LEVEL = 8
SERVER = f"asiolike/{net.__version__} autobahn-echo-server"


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


class session:
    """Echoes every message of one connection until it closes or fails."""

    def __init__(self, socket: tcp.socket) -> None:
        self.ws = websocket.stream(beast.tcp_stream(socket))
        self.buffer = beast.flat_buffer()

    def run(self) -> None:
        """Answer the upgrade request, then echo."""
        ws = self.ws
        ws.set_option(
            websocket.permessage_deflate(
                server_enable=True, client_enable=True, comp_level=COMP_LEVEL, mem_level=MEM_LEVEL
            )
        )
        ws.read_message_max(READ_MESSAGE_MAX)
        ws.auto_fragment(False)

        def decorate(res: websocket.response_type) -> None:
            res.set(http.field.server, SERVER)

        ws.set_option(websocket.stream_base.decorator(decorate))
        ws.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code) -> None:
        if ec:
            return fail(ec, "accept")
        self.do_read()

    def do_read(self) -> None:
        self.ws.async_read(self.buffer, self.on_read)

    def on_read(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec == websocket.error.closed:
            return
        if ec:
            # The stream already sent the close frame the error calls for (1002, 1007,
            # 1009) and tore the connection down.
            return fail(ec, "read")
        self.ws.text(self.ws.got_text())
        self.ws.async_write(self.buffer.data(), self.on_write)

    def on_write(self, ec: net.error_code, bytes_transferred: int) -> None:
        if ec:
            return fail(ec, "write")
        self.buffer.consume(self.buffer.size())
        self.do_read()


class listener:
    """Accepts connections and starts a :class:`session` for each.

    Raises:
        system_error: the address cannot be bound.
    """

    def __init__(self, ioc: net.io_context, endpoint: tcp.endpoint) -> None:
        self.acceptor = tcp.acceptor(ioc, endpoint)

    def run(self) -> None:
        """Start accepting."""
        self.do_accept()

    def do_accept(self) -> None:
        self.acceptor.async_accept(self.on_accept)

    def on_accept(self, ec: net.error_code, socket: tcp.socket) -> None:
        if ec:
            return fail(ec, "accept")
        session(socket).run()
        self.do_accept()


def main(argv: list[str]) -> int:
    """Serve until killed; ``argv`` lacks the program name.

    Returns:
        1 if the address could not be bound (reported on stderr).
    """
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--address", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args(argv)

    ioc = net.io_context(1)
    try:
        lst = listener(ioc, tcp.endpoint(make_address(args.address), args.port))
    except net.system_error as e:
        fail(e.code, "listen")
        return 1
    ep = lst.acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    lst.run()
    ioc.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
