"""Example: writing a composed operation (Beast's ``echo-op/echo_op.cpp``).

``async_echo(stream, buffer, token)`` reads a line from a stream and writes it back: an
asynchronous operation of its own, made of two others (``net.async_read_until`` and
``net.async_write``), which callers use like any asiolike operation::

    python examples/echo_op.py 127.0.0.1 8080

The program listens, accepts one connection (blocking, as the C++ does), echoes one line
of it and exits. Once listening it prints ``listening on <address>:<port>`` with the
port actually bound (``0`` picks a free one), so that a script or a test can wait for
that line and connect.

How the operation is built, as in Beast, with the library's own helper
(``asiolike.detail.completion.composed_op``, the base of asiolike's composed
operations, in place of ``beast::async_base``):

* ``async_echo`` is the initiating function: ``net.async_initiate`` turns the token (a
  handler, or ``net.use_future``) into the final handler and calls the initiation, which
  creates the ``echo_op``;
* ``echo_op`` is a state machine: each intermediate operation gets the ``echo_op``
  itself as handler, and ``__call__`` runs the next step;
* it finishes with ``self.complete(is_continuation, ec)``. On the first step
  (``is_continuation=False``, inside ``async_echo``) the final handler is posted, never
  called inline; later it is dispatched to the handler's executor;
* the ``echo_op`` exposes the final handler's associated executor (``composed_op`` does
  it), so its steps run where the final handler will, e.g. inside a strand.

The operation works over any stream with ``async_read_some``, ``async_write_some`` and
``get_executor``: a ``tcp.socket``, a ``beast.tcp_stream``, an
``asiolike.testing.stream``.
"""

from __future__ import annotations

import concurrent.futures
import sys
from collections.abc import Callable
from typing import Any

import asiolike as net
from asiolike import beast
from asiolike.detail.completion import composed_op
from asiolike.ip import make_address, tcp

EchoHandler = Callable[[net.error_code], object]


class echo_op(composed_op):
    """The state of one ``async_echo``; called as the handler of each intermediate step.

    Args:
        stream: The stream to read from and write to.
        buffer: The dynamic buffer to read into; it must outlive the operation.
        handler: The final handler, ``handler(ec)``.

    Creating it starts the operation.
    """

    __slots__ = ("buffer", "step", "stream")

    def __init__(self, stream: Any, buffer: net.DynamicBuffer, handler: EchoHandler) -> None:
        # The final handler, and the stream's executor for a handler without one of its own.
        super().__init__(handler, stream.get_executor())
        self.stream = stream
        self.buffer = buffer
        self.step = 0

        # Start the operation directly: not a continuation.
        self(net.error.success, 0, False)

    def __call__(
        self, ec: net.error_code, bytes_transferred: int, is_continuation: bool = True
    ) -> None:
        """Run the next step; the intermediate operations call this with their result."""
        step = 2 if ec else self.step
        if step == 0:
            # Read up to the first newline.
            self.step = 1
            net.async_read_until(self.stream, self.buffer, b"\n", self)
            return
        if step == 1:
            # Write everything back. async_read_until may have read past the newline:
            # write only the line (beast::buffers_prefix in C++; a slice of the view here).
            self.step = 2
            net.async_write(self.stream, self.buffer.data()[:bytes_transferred], self)
            return

        # Step 2: the line was written back (or an error happened): drop it from the buffer.
        self.buffer.consume(bytes_transferred)

        # Call the final handler: posted on the first step, dispatched afterwards.
        self.complete(is_continuation, ec)


def async_echo(
    stream: Any, buffer: net.DynamicBuffer, token: EchoHandler | net.use_future_t
) -> concurrent.futures.Future[Any] | None:
    """Asynchronously read a line and echo it back.

    Reads from ``stream`` into ``buffer`` up to and including the first newline
    (``"\\n"``), then writes that line back. Bytes read past the line stay in ``buffer``
    for the next call. No other read or write may be started on the stream until the
    operation completes.

    Args:
        stream: Any stream with ``async_read_some``, ``async_write_some`` and
            ``get_executor``.
        buffer: A dynamic buffer (``beast.flat_buffer``...), kept until completion.
        token: ``handler(ec)`` or ``net.use_future``.

    Returns:
        A future for ``net.use_future``, else None.

    Handler:
        ``handler(ec: error_code)``: never invoked from inside this call; runs on its
        associated executor, by default the stream's.

    Errors:
        ``eof`` (the stream ended before a newline), ``not_found`` (the buffer filled up
        first), or any error of the stream's reads and writes.
    """
    return net.async_initiate(_run_echo_op, token, stream, buffer)


def _run_echo_op(handler: EchoHandler, stream: Any, buffer: net.DynamicBuffer) -> None:
    # The initiation: called by async_initiate with the handler made from the token.
    echo_op(stream, buffer, handler)


def fail(ec: net.error_code, what: str) -> None:
    """Report a failure on stderr, as ``what: message``."""
    print(f"{what}: {ec.message()}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    """Run the example; ``argv`` is the command line without the program name.

    Returns:
        The exit status: 0 once the echo ended (also after a failure it reported), 1 for
        a wrong command line or an endpoint that cannot be used.
    """
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2:
        print(
            "Usage: echo_op.py <address> <port>\nExample:\n    echo_op.py 0.0.0.0 8080",
            file=sys.stderr,
        )
        return 1

    try:
        address = make_address(args[0])
        port = int(args[1])

        # Create a listening socket, accept a connection, perform
        # the echo, and then shut everything down and exit.
        ioc = net.io_context()
        acceptor = tcp.acceptor(ioc)
        ep = tcp.endpoint(address, port)
        acceptor.open(ep.protocol())
        acceptor.set_option(net.socket_base.reuse_address(True))
        acceptor.bind(ep)
        acceptor.listen()
        bound = acceptor.local_endpoint()
        print(f"listening on {bound.address()}:{bound.port()}", flush=True)
        sock = acceptor.accept()
        acceptor.close()
    except (net.system_error, ValueError) as e:
        print(f"echo_op.py: {e}", file=sys.stderr)
        return 1

    buffer = beast.flat_buffer()

    def handler(ec: net.error_code) -> None:
        if ec:
            fail(ec, "echo")

    async_echo(sock, buffer, handler)
    ioc.run()
    sock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
