"""Example: HTTP relay (Beast's ``relay`` from ``example/doc/http_examples.hpp``).

Relays HTTP messages from one stream to another through a small buffer, whatever the
body's size: the header is read, transformed and written, then the body goes across in
2 KiB pieces with ``http.buffer_body``. Reading stops with ``http.error.need_buffer``
when the piece is full, writing when it has been sent: both mean "next piece", not an
error. The ``main`` is a one-connection-at-a-time proxy::

    python examples/http_relay.py 127.0.0.1 8080 upstream.example 80
    python examples/http_relay.py 127.0.0.1 0 127.0.0.1 8000 --connections 2

Arguments: the address and port to listen on (0 picks a free one), and the upstream
server's host and port. For each client it connects to the upstream server, relays the
client's request to it (adding a ``Via`` field), relays the response back, and closes
both connections. Once listening it prints ``listening on <address>:<port>``.
``--connections N`` stops after N clients.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

import asiolike as net
from asiolike import beast
from asiolike.beast import http
from asiolike.ip import make_address, tcp

#: The size of the piece the body crosses in (Beast's ``char buf[2048]``).
RELAY_BUFFER = 2048


def relay(
    output: Any,
    input: Any,
    buffer: beast.flat_buffer,
    is_request: bool,
    transform: Callable[[Any], None],
) -> None:
    """Relay one message from ``input`` to ``output`` (Beast's ``relay``).

    Args:
        output: The stream to write the message to (``write_some``).
        input: The stream to read it from (``read_some``).
        buffer: The dynamic buffer of ``input``'s connection.
        is_request: Whether the message is a request (else a response).
        transform: Called with the message once its header is read: edit its fields.

    Raises:
        system_error: A read, write or protocol error (as Beast's ``error_code& ec``).
    """
    # A small buffer for relaying the body piece by piece.
    buf = bytearray(RELAY_BUFFER)

    # Create a parser with a buffer body to read from the input.
    p: Any = (
        http.request_parser(http.buffer_body)
        if is_request
        else http.response_parser(http.buffer_body)
    )
    # The body never sits in memory: any size may cross.
    p.body_limit(None)

    # Create a serializer from the message contained in the parser.
    sr = http.serializer(p.get())

    # Read just the header from the input.
    http.read_header(input, buffer, p)

    # Apply the caller's header transformation.
    transform(p.get())

    # Send the transformed message to the output.
    http.write_header(output, sr)

    # Loop over the input and transfer it to the output.
    body = p.get().body
    while True:
        if not p.is_done():
            # Set up the body for writing into our small buffer.
            body.data = buf
            body.size = len(buf)

            # Read as much as we can.
            try:
                http.read(input, buffer, p)
            except net.system_error as e:
                # This error is returned when buffer_body uses up the buffer.
                if e.code != http.error.need_buffer:
                    raise

            # Set up the body for reading. This is where the body is set to the number
            # of bytes actually read.
            body.size = len(buf) - body.size
            body.data = buf
            body.more = not p.is_done()
        else:
            body.data = None
            body.size = 0

        # Write everything in the buffer (which might be empty).
        try:
            http.write(output, sr)
        except net.system_error as e:
            # This error is returned when buffer_body uses up the buffer.
            if e.code != http.error.need_buffer:
                raise

        if p.is_done() or sr.is_done():
            break


def main(argv: list[str] | None = None) -> int:
    """Run the relay; ``argv`` is the command line without the program name.

    Returns:
        1 for a wrong command line, 0 after ``--connections`` clients.
    """
    parser = argparse.ArgumentParser(
        prog="http_relay.py",
        description="Relays HTTP requests to an upstream server, bodies in 2 KiB pieces.",
        epilog="Example: http_relay.py 127.0.0.1 8080 127.0.0.1 8000",
    )
    parser.add_argument("address", help="the address to listen on")
    parser.add_argument("port", type=int, help="the port to listen on (0: any free port)")
    parser.add_argument("upstream_host", help="the server requests are relayed to")
    parser.add_argument("upstream_port", help="its port")
    parser.add_argument("--connections", type=int, metavar="N", help="stop after N clients")
    try:
        args = parser.parse_args(argv)
        address = make_address(args.address)
    except SystemExit as exc:
        return 0 if exc.code == 0 else 1
    except ValueError as e:
        print(f"http_relay.py: {e}", file=sys.stderr)
        return 1

    ioc = net.io_context()
    acceptor = tcp.acceptor(ioc, tcp.endpoint(address, args.port))
    ep = acceptor.local_endpoint()
    print(f"listening on {ep.address()}:{ep.port()}", flush=True)
    resolver = tcp.resolver(ioc)

    def add_via(msg: Any) -> None:
        msg.set(http.field.via, f"1.1 {beast.version_string}")

    served = 0
    while args.connections is None or served < args.connections:
        client = acceptor.accept()
        served += 1
        upstream = beast.tcp_stream(ioc)
        try:
            upstream.connect(resolver.resolve(args.upstream_host, args.upstream_port))
            client_buffer = beast.flat_buffer()
            upstream_buffer = beast.flat_buffer()
            relay(upstream, client, client_buffer, True, add_via)
            relay(client, upstream, upstream_buffer, False, add_via)
        except net.system_error as e:
            print(f"relay: {e.code.message()}", file=sys.stderr)
        finally:
            upstream.close()
            client.close()
    acceptor.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
